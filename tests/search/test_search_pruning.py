"""``OptunaPruning`` against an in-memory study: it reports the objective every
``prune_every`` measured epochs, prunes a lagging trial with the pruner the sweeper stored on the
trial, loads nothing before its first report, and ends ``train.fit`` as ``pruned``."""

import time

import numpy as np
import optuna
import pytest

from nnlab import data, nn, optim, schedules, train
from nnlab.run.schema import SearchSettings
from nnlab.search import OptunaPruning
from nnlab.train import Pruned

MEDIAN = {"_target_": "optuna.pruners.MedianPruner", "n_startup_trials": 1}
STUDY = "unit"


@pytest.fixture
def study():
    """A study whose one complete trial reported 0.5 at epochs 10, 20, ..., 100."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.InMemoryStorage()
    found = optuna.create_study(storage=storage, study_name=STUDY)
    done = found.ask()
    for epoch in range(10, 101, 10):
        done.report(0.5, epoch)
    found.tell(done, 0.5)
    return found


def pruning(study, pruner=MEDIAN, every=10, objective="val/loss"):
    """A new trial of ``study`` (with ``pruner`` stored as the sweeper stores it) and its
    callback."""
    trial = study.ask()
    if pruner is not None:
        trial.set_user_attr("nnlab.pruner", pruner)
    settings = SearchSettings(
        storage=study._storage, study=STUDY, trial=trial.number, prune_every=every
    )
    return trial, OptunaPruning(settings, objective)


def reported(study, trial) -> dict[int, float]:
    return study.get_trials(deepcopy=False)[trial.number].intermediate_values


def test_a_lagging_trial_is_pruned_at_its_first_report(study):
    trial, callback = pruning(study)
    for epoch in range(10):
        callback.on_epoch_end(epoch, {"val/loss": 1.0})
    assert callback._trial is None, "nothing is loaded before the first report"
    with pytest.raises(Pruned, match=r"pruned at epoch 10: val/loss = 1\b"):
        callback.on_epoch_end(10, {"val/loss": 1.0})
    assert reported(study, trial) == {10: 1.0}


def test_a_good_trial_reports_every_prune_every_epochs_and_goes_on(study):
    trial, callback = pruning(study)
    for epoch in range(101):
        callback.on_epoch_end(epoch, {"val/loss": 0.4, "train/loss": 0.3})
    assert reported(study, trial) == {e: 0.4 for e in range(10, 101, 10)}


def test_reports_wait_for_an_epoch_that_measured_the_objective(study):
    trial, callback = pruning(study)
    for epoch in range(40):  # validation every 3rd epoch, as with trainer.val_every=3
        callback.on_epoch_end(epoch, {"val/loss": 0.4} if epoch % 3 == 0 else {})
    assert sorted(reported(study, trial)) == [12, 24, 36]


def test_the_pruner_stored_on_the_trial_decides(study):
    trial, callback = pruning(study, pruner={"_target_": "optuna.pruners.NopPruner"})
    for epoch in range(101):
        callback.on_epoch_end(epoch, {"val/loss": 9.0})  # far worse, yet never pruned
    assert len(reported(study, trial)) == 10


def test_a_maximised_objective_is_pruned_when_lower():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=optuna.storages.InMemoryStorage(), study_name=STUDY, direction="maximize"
    )
    done = study.ask()
    done.report(0.9, 10)
    study.tell(done, 0.9)
    _, good = pruning(study, objective="val/accuracy")
    good.on_epoch_end(10, {"val/accuracy": 0.95})
    _, bad = pruning(study, objective="val/accuracy")
    with pytest.raises(Pruned):
        bad.on_epoch_end(10, {"val/accuracy": 0.5})


def test_fit_ends_pruned_at_the_report(study):
    _, callback = pruning(study)
    rngs = [np.random.default_rng(seed) for seed in (0, 1)]
    ds = data.make("spiral", samples=20, classes=3, validation_samples=20,
                   train_rng=rngs[0], val_rng=rngs[1])  # fmt: skip
    net = nn.mlp(2, [8], 3, task="categorical", rng=np.random.default_rng(2))
    history = train.fit(net, ds, optim.sgd(), schedules.constant(1e-6), epochs=50,
                        callbacks=[callback])  # fmt: skip
    assert history.status == "pruned"
    assert history.stop_reason.startswith("pruned at epoch 10: val/loss = ")
    assert len(history) == 11


def test_epochs_between_reports_cost_next_to_nothing(study):
    _, callback = pruning(study, every=10**9)
    metrics = {"val/loss": 0.4}
    started = time.perf_counter()
    for epoch in range(100_000):
        callback.on_epoch_end(epoch, metrics)
    assert time.perf_counter() - started < 0.5  # ~0.1 us each; a trainer epoch is ~100 us
    assert callback._trial is None


def test_settings_without_a_trial_are_refused():
    with pytest.raises(ValueError, match="search.trial"):
        OptunaPruning(SearchSettings(storage="sqlite://", study="s", prune_every=10), "val/loss")
    with pytest.raises(ValueError, match="prune_every"):
        OptunaPruning(SearchSettings(storage="x", study="s", trial=0, prune_every=0), "val/loss")


def test_an_unknown_trial_is_named_at_the_first_report(study):
    settings = SearchSettings(storage=study._storage, study=STUDY, trial=99, prune_every=1)
    callback = OptunaPruning(settings, "val/loss")
    with pytest.raises(ValueError, match="search.trial=99: no such trial"):
        callback.on_epoch_end(1, {"val/loss": 0.4})


def test_a_stored_pruner_may_only_be_one_of_optunas(study, tmp_path):
    """The trial attribute is stored data: a forged one naming any other callable is refused
    before anything is called."""
    marker = tmp_path / "called"
    forged = {"_target_": "pathlib.Path.touch", "self": str(marker)}
    _, callback = pruning(study, pruner=forged, every=1)
    callback.on_epoch_end(0, {"val/loss": 1.0})  # not due yet
    with pytest.raises(ValueError, match="'pathlib.Path.touch' is not a pruner"):
        callback.on_epoch_end(1, {"val/loss": 1.0})
    assert not marker.exists()
