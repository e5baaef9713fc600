"""``ComposeOnce`` gives every job the config Hydra would compose for it, field for field, and
composes each choice of config groups once."""

import pickle
from pathlib import Path

import cloudpickle
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from nnlab.cli import app  # noqa: F401 - registers the schemas the configs name
from nnlab.cli.compose import ComposeOnce
from nnlab.run.schema import without_hydra

CONF = str(Path(__file__).resolve().parents[2] / "conf")
JOBS = [
    ["trainer.seed=3"],
    ["trainer.seed=4", "optimizer.momentum=0.9"],
    ["optimizer=adam", "trainer.seed=3"],
    ["method=sgd_decay_momentum", "trainer.epochs=7"],
    ["optimizer=adam", "optimizer.learning_rate=0.01", "model.hidden=[8,8]"],
    ["+callbacks.stop._target_=nnlab.train.EarlyStopping", "+callbacks.stop.patience=5"],
    ["dataset=sine", "~objective"],
    ["schedule=cosine", "hydra.job.config.override_dirname.exclude_keys=[trainer.seed]",
     "trainer.seed=1"],
    ["experiment=momentum", "optimizer.momentum=0.5"],
]  # fmt: skip


@pytest.fixture(scope="module")
def master():
    """The config of a sweep (``-m``), as Hydra composes it before its jobs."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        yield compose("config", overrides=["hydra.sweep.dir=/tmp/x"], return_hydra_config=True)


def loader():
    return GlobalHydra.instance().config_loader()


@pytest.mark.parametrize("job", JOBS, ids=[" ".join(j)[:40] for j in JOBS])
def test_a_job_is_composed_as_hydra_composes_it(master, job):
    hydra = loader().load_sweep_config(master, list(job))
    once = ComposeOnce(loader())
    for _ in range(2):  # composed, then copied
        ours = once.load_sweep_config(master, list(job))
        assert OmegaConf.to_container(ours) == OmegaConf.to_container(hydra)
        job_ours, job_hydra = without_hydra(ours), without_hydra(hydra)
        assert OmegaConf.to_yaml(job_ours, resolve=True) == OmegaConf.to_yaml(
            job_hydra, resolve=True
        )


def test_jobs_that_differ_in_values_share_one_composition(master):
    once = ComposeOnce(loader())
    for seed in range(5):
        once.load_sweep_config(master, [f"trainer.seed={seed}", "optimizer=adam"])
    once.load_sweep_config(master, ["optimizer=sgd"])
    assert len(once._compositions) == 2
    assert once.load_sweep_config(master, ["trainer.seed=2"]).trainer.seed == 2


def test_a_launcher_can_send_it_to_its_workers(master):
    """joblib and Ray send the sweeper's loader with cloudpickle; a copy composes alike,
    from scratch."""
    once = ComposeOnce(loader())
    first = once.load_sweep_config(master, ["trainer.seed=2"])
    copied = pickle.loads(cloudpickle.dumps(once))
    assert copied._compositions == {}
    again = copied.load_sweep_config(master, ["trainer.seed=2"])
    assert OmegaConf.to_container(again) == OmegaConf.to_container(first)
