"""A run's config rebuilt from its flattened params, and its trained weights loaded back."""

import dataclasses

import numpy as np
import pytest
from omegaconf.errors import ConfigKeyError

from nnlab import artifacts, build, config
from nnlab.report.rebuild import config_from_params, load_weights, rebuild
from nnlab.runspec import flatten  # as runs log their config


def make_config(optimizer, schedule, **trainer) -> config.Config:
    return config.Config(
        dataset=config.DatasetConfig(name="spiral", samples=20, noise=None),
        model=config.ModelConfig(hidden=[8, 4], loss=None, dropout=0.1),
        optimizer=optimizer,
        schedule=schedule,
        trainer=config.TrainerConfig(**trainer),
        tracking=config.TrackingConfig(uri="sqlite:////tmp/x.db", figures=False),
        objective="val/accuracy",
        quiet=True,
    )


@pytest.mark.parametrize(
    ("optimizer", "schedule"),
    [
        (config.AdamConfig(epsilon=1e-7, beta_2=0.99), config.InverseTimeConfig(decay=1e-4)),
        (config.SgdConfig(momentum=0.9), config.CosineConfig(total_steps=None)),
        (config.SearchConfig(name="hill_climb"), config.StepConfig(step_size=10, gamma=0.5)),
        (config.RmspropConfig(), config.ConstantConfig()),
    ],
)
def test_config_round_trip(optimizer, schedule):
    cfg = make_config(optimizer, schedule, epochs=7, batch_size=None, seed=3)
    rebuilt = config_from_params(flatten(dataclasses.asdict(cfg)))
    assert rebuilt == cfg
    assert type(rebuilt.optimizer) is type(optimizer)
    assert type(rebuilt.schedule) is type(schedule)


def test_params_as_mlflow_keeps_them():
    params = {
        "dataset.name": "vertical",
        "model.hidden": "[16, 16]",
        "model.loss": "null",
        "optimizer.name": "adagrad",
        "optimizer.epsilon": "1e-07",
        "schedule.name": "exponential",
        "schedule.decay": "0.001",
        "trainer.batch_size": "32",
        "tracking.figures": "True",
        "quiet": "False",
    }
    cfg = config_from_params(params)
    assert cfg.dataset.name == "vertical"
    assert cfg.dataset.samples == 100
    assert cfg.model.hidden == [16, 16]
    assert cfg.model.loss is None
    assert isinstance(cfg.optimizer, config.AdagradConfig)
    assert cfg.optimizer.epsilon == 1e-7
    assert isinstance(cfg.schedule, config.ExponentialConfig)
    assert cfg.schedule.decay == 1e-3
    assert cfg.trainer.batch_size == 32
    assert cfg.tracking.figures is True
    assert cfg.quiet is False


def test_unknown_keys_are_refused():
    known = {"dataset.name": "spiral", "optimizer.name": "sgd", "schedule.name": "constant"}
    with pytest.raises(ConfigKeyError):
        config_from_params({**known, "optimizer.beta_1": "0.9"})
    with pytest.raises(ValueError, match="schedule.name=warmup: no schema"):
        config_from_params({**known, "schedule.name": "warmup"})
    # an optimizer name without a schema of its own takes the search schema (any name), and
    # building it says what is allowed
    with pytest.raises(build.ConfigError, match="optimizer.name"):
        build.build(config_from_params({**known, "optimizer.name": "adamw"}))
    with pytest.raises(ValueError, match="schedule.name is missing"):
        config_from_params({"dataset.name": "spiral", "optimizer.name": "sgd"})


def test_weights_load_into_the_rebuilt_network(tmp_path):
    cfg = make_config(config.SgdConfig(), config.ConstantConfig(), epochs=2, seed=5)
    params = flatten(dataclasses.asdict(cfg))
    trained = build.build(cfg).network.params
    saved = {name: array + 1.0 for name, array in trained.items()}
    path = artifacts.write_weights(saved, tmp_path / "weights.npz")
    job = rebuild(params, path)
    for name, array in saved.items():
        np.testing.assert_array_equal(job.network.params[name], array)
    # the same data as in training, from the same seed
    np.testing.assert_array_equal(job.data.x_train, build.build(cfg).data.x_train)
    predicted = job.network.predict(job.data.x_train)
    assert predicted.shape == (len(job.data.x_train), 3)

    wrong = artifacts.write_weights({"dense1.weights": np.zeros((2, 2))}, tmp_path / "w.npz")
    with pytest.raises(ValueError, match="w.npz holds"):
        load_weights(job, wrong)
