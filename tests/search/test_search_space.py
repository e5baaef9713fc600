"""The Optuna sweeper's parsing of a search space written in Hydra's override grammar, the study
name it derives, the overrides it gives a trial, and how it reads a job's outcome."""

import math

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from hydra_plugins.nnlab_optuna_sweeper._search import (
    digest,
    format_value,
    outcome,
    parse_space,
)
from nnlab.run.folder import RunInfo
from nnlab.run.schema import ConfigError


def test_intervals_are_floats_unless_cast_to_int_and_log_when_tagged():
    space, fixed = parse_space([
        "optimizer.learning_rate=tag(log, interval(1e-4, 1e-1))",
        "optimizer.momentum=interval(0, 0.95)",
        "model.dropout=interval(0, 1)",  # integer literals: still a float interval
        "trainer.batch_size=int(interval(8, 64))",
        "trainer.epochs=tag(log, int(interval(10, 1000)))",
    ])  # fmt: skip
    assert fixed == {}
    assert space == {
        "optimizer.learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
        "optimizer.momentum": FloatDistribution(0.0, 0.95),
        "model.dropout": FloatDistribution(0.0, 1.0),
        "trainer.batch_size": IntDistribution(8, 64),
        "trainer.epochs": IntDistribution(10, 1000, log=True),
    }


def test_choices_and_ranges():
    space, _ = parse_space([
        "optimizer=choice(sgd, adam)",
        "schedule=constant,cosine",
        "model.hidden=choice([16],[64,64])",
        "trainer.seed=range(0, 10, 3)",
        "model.dropout=range(0, 0.5, 0.25)",
        "trainer.batch_size=shuffle(range(16, 20))",
    ])  # fmt: skip
    assert space["optimizer"] == CategoricalDistribution(["sgd", "adam"])
    assert space["schedule"] == CategoricalDistribution(["constant", "cosine"])
    assert space["model.hidden"] == CategoricalDistribution(["[16]", "[64,64]"])
    assert space["trainer.seed"] == IntDistribution(0, 9, step=3)  # range's stop is exclusive
    assert space["model.dropout"] == FloatDistribution(0.0, 0.25, step=0.25)
    assert isinstance(space["trainer.batch_size"], CategoricalDistribution)
    assert sorted(space["trainer.batch_size"].choices) == [16, 17, 18, 19]


def test_fixed_overrides_are_kept_as_given_and_later_ones_win():
    params = ["optimizer.learning_rate=interval(0.1, 1)", "optimizer.momentum=0.9"]
    command_line = [
        "hparams_search=sgd_tpe",
        "optimizer.momentum=interval(0, 0.5)",  # the command line searches what params fixed
        "optimizer.learning_rate=0.3",  # and fixes what params searched
        "+callbacks.stop._target_=nnlab.train.EarlyStopping",
    ]
    space, fixed = parse_space(params + command_line)
    assert space == {"optimizer.momentum": FloatDistribution(0.0, 0.5)}
    assert fixed == {
        "hparams_search": "hparams_search=sgd_tpe",
        "optimizer.learning_rate": "optimizer.learning_rate=0.3",
        "+callbacks.stop._target_": "+callbacks.stop._target_=nnlab.train.EarlyStopping",
    }


def test_a_replaced_search_parameter_keeps_its_place():
    space, _ = parse_space(["a=interval(0, 1)", "b=interval(0, 1)", "a=interval(0, 2)"])
    assert list(space) == ["a", "b"]
    assert space["a"] == FloatDistribution(0.0, 2.0)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("optimizer.learning_rate=tag(log, interval(0, 1))", "interval(0, 1)"),
        ("optimizer.momentum=interval(1, 0)", "interval(1, 0)"),
        ("optimizer=glob(*)", "a search takes"),
        ("trainer.seed=range(5, 5)", "range is empty"),
    ],
)
def test_a_space_optuna_cannot_sample_is_a_config_error_naming_it(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_space([override])


def test_sampled_values_parse_back_exactly():
    parser = OverridesParser.create()
    for value in (0.1 + 0.2, 1e-7 / 3, 123456.789e10, 3, "relu", "[64,64]"):
        parsed = parser.parse_override(f"key={format_value(value)}").value()
        expected = [64, 64] if value == "[64,64]" else value
        assert parsed == expected
        assert type(parsed) is type(expected)


def test_study_digest_follows_the_space_and_what_trials_measure_only():
    space, fixed = parse_space(["lr=interval(0.1, 1)", "trainer.epochs=60", "quiet=true"])
    base = digest(space, fixed)
    assert len(base) == 8
    same, same_fixed = parse_space([
        "lr=interval(0.1, 1)", "trainer.epochs=60", "quiet=false", "tracking.uri=sqlite:///x.db",
    ])  # fmt: skip
    assert digest(same, same_fixed) == base
    wider, _ = parse_space(["lr=interval(0.1, 2)"])
    assert digest(wider, {"trainer.epochs": "trainer.epochs=60"}) != base
    assert digest(space, {"trainer.epochs": "trainer.epochs=61"}) != base


def _job(status: str, objective: float | None) -> RunInfo:
    """A trial's run record: PRUNED is FINISHED with outcome ``pruned``, as the job writes it."""
    summary = {} if objective is None else {"val_loss_final": objective}
    pruned = status == "PRUNED"
    return RunInfo(uid="u", name="x", process={}, started=0.0, epochs=1, summary=summary,
                   status="FINISHED" if pruned else status,
                   outcome="pruned" if pruned else "completed")  # fmt: skip


@pytest.mark.parametrize(
    ("status", "objective", "state", "value"),
    [
        ("FINISHED", 0.5, TrialState.COMPLETE, 0.5),
        ("SKIPPED", 0.25, TrialState.COMPLETE, 0.25),  # an earlier run of the same config
        ("PRUNED", 1.1, TrialState.PRUNED, math.nan),
        ("FAILED", math.nan, TrialState.FAIL, math.nan),
        ("KILLED", 0.5, TrialState.FAIL, math.nan),
        ("FINISHED", math.nan, TrialState.FAIL, math.nan),
        ("FINISHED", None, TrialState.FAIL, math.nan),
    ],
)
def test_job_outcomes_become_trial_states(status, objective, state, value):
    found_state, found_value = outcome(_job(status, objective), JobReturn(), "val/loss")
    assert found_state == state
    assert found_value == pytest.approx(value, nan_ok=True)


def test_a_job_without_an_outcome_file_falls_back_on_its_return_value():
    done = JobReturn(status=JobStatus.COMPLETED, _return_value=0.75)
    assert outcome(None, done, "val/loss") == (TrialState.COMPLETE, 0.75)
    crashed = JobReturn(status=JobStatus.FAILED, _return_value=RuntimeError("boom"))
    assert outcome(None, crashed, "val/loss")[0] == TrialState.FAIL
