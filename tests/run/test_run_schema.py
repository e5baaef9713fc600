"""The config schema: derived from the factories' signatures (one source for each default), and
a stored ``config.yaml`` read back as untrusted input (``schema.load``)."""

import dataclasses
import inspect

import numpy as np
import pytest
import yaml

from nnlab import nn, optim, schedules
from nnlab.run import schema
from nnlab.run.folder import RunFolder
from nnlab.run.job import build, restore

STORED = {
    "dataset": {"name": "spiral", "samples": 20, "validation_samples": 10},
    "model": {"hidden": [8, 4], "dropout": 0.1},
    "optimizer": {"name": "adam", "learning_rate": 0.05, "beta_2": 0.99},
    "schedule": {"name": "inverse_time", "decay": 1e-4},
    "trainer": {"epochs": 7, "seed": 3},
    "objective": "val/accuracy",
}


def defaults(schema_class: type) -> dict:
    return {f.name: f.default for f in dataclasses.fields(schema_class)}


@pytest.mark.parametrize("name", list(optim.RULES))
def test_optimizer_defaults_are_the_rules_own(name):
    found = defaults(schema.OPTIMIZERS[name])
    assert found.pop("name") == name
    assert found.pop("learning_rate") == "???"  # required: each option's YAML sets it
    signature = inspect.signature(optim.RULES[name]).parameters
    assert found == {key: parameter.default for key, parameter in signature.items()}


def test_schedule_and_model_defaults_are_the_factories_own():
    assert defaults(schema.SCHEDULES["step"]) == {"name": "step", "step_size": "???", "gamma": 0.1}
    # a cosine schedule's horizon defaults to the run's length (filled in by the job)
    assert defaults(schema.SCHEDULES["cosine"])["total_steps"] is None
    model = defaults(schema.ModelConfig)
    assert model["activation"] == inspect.signature(nn.mlp).parameters["activation"].default
    assert model["hidden"] == "???"
    assert set(schema.SCHEDULES) == set(schedules.SCHEDULES)


def test_a_stored_config_reads_back_into_the_schema():
    cfg = schema.load(STORED)
    assert isinstance(cfg.optimizer, schema.OPTIMIZERS["adam"])
    assert (cfg.optimizer.beta_1, cfg.optimizer.beta_2) == (0.9, 0.99)  # default, stored
    assert isinstance(cfg.schedule, schema.SCHEDULES["inverse_time"])
    assert cfg.model.hidden == [8, 4]
    assert cfg.trainer.seed == 3
    assert cfg.objective == "val/accuracy"
    # written by a run and read back: the same config
    resolved = dataclasses.asdict(cfg)
    assert schema.load(yaml.safe_load(yaml.safe_dump(resolved))) == cfg


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"optimizer": {"name": "adam", "learning_rate": 0.1, "momentum": 0.9}}, "momentum"),
        ({"optimizer": {"name": "lion", "learning_rate": 0.1}}, "optimizer.name=lion"),
        ({"trainer": {"epochs": "many"}}, "trainer.epochs"),
        ({"extra": 1}, "extra"),
        ({"callbacks": {"x": {"_target_": "os.system", "command": "id"}}}, "os.system"),
        ({"callbacks": {"x": {"_target_": "builtins.open", "file": "f"}}}, "callbacks.x"),
    ],
)
def test_a_stored_config_with_unknown_keys_or_targets_is_refused(change, message):
    with pytest.raises(schema.ConfigError, match=message.replace(".", r"\.")):
        schema.load({**STORED, **change})


def test_a_stored_trusted_callback_is_kept():
    stop = {"_target_": "nnlab.train.EarlyStopping", "patience": 5}
    assert schema.load({**STORED, "callbacks": {"stop": stop}}).callbacks == {"stop": stop}


def test_a_run_folder_restores_its_network_with_its_weights(tmp_path):
    folder = RunFolder(tmp_path)
    folder.write_config(STORED)
    trained = build(schema.load(STORED)).network.params
    folder.write_weights({name: array + 1.0 for name, array in trained.items()})
    job = restore(folder)
    for name, array in trained.items():
        np.testing.assert_array_equal(job.network.params[name], array + 1.0)
    np.testing.assert_array_equal(job.data.x_train, build(schema.load(STORED)).data.x_train)
    folder.write_weights({"dense1.weights": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="does not fit the network"):
        restore(folder)


def test_config_hash_ignores_what_cannot_change_the_numbers():
    base = schema.config_hash(STORED)
    assert schema.config_hash({**STORED, "tracking": {"uri": "x"}, "quiet": True}) == base
    assert schema.config_hash({**STORED, "trainer": {"epochs": 8, "seed": 3}}) != base
