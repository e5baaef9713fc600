"""The table a sweep prints at its end (``sweep.results_table``) and the names of its runs
(``app.run_name``)."""

import math

import pytest

from nnlab import app, sweep
from nnlab.sweep_state import JobResult, SweepInfo


def job(num, status="FINISHED", objective=None, error=None, accuracy=None):
    return JobResult(
        num=num,
        name=f"job{num}",
        status=status,
        objective=objective,
        run_id=f"run{num}",
        error=error,
        seconds=1.0,
        summary={} if accuracy is None else {"train/accuracy_final": accuracy},
    )


def table_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    assert set(lines[1].replace(" ", "")) == {"-"}
    return [line.split() for line in lines[2:] if line[:1].isdigit()]


def order(results, objective) -> list[int]:
    return [int(row[0]) for row in table_rows(sweep.results_table(results, objective))]


RESULTS = [
    job(0, objective=0.5),
    job(1, "FAILED", objective=math.nan, error="Boom: at epoch 5"),
    job(2, objective=0.2),
    job(3, "KILLED", objective=None),
    job(4, "SKIPPED", objective=0.9),
    job(5, objective=0.2),
]


def test_losses_lowest_first_failures_last():
    assert order(RESULTS, "val/loss") == [2, 5, 0, 4, 1, 3]


def test_accuracies_highest_first_failures_last():
    assert order(RESULTS, "val/accuracy") == [4, 0, 2, 5, 1, 3]
    assert order(RESULTS, "train/accuracy") == [4, 0, 2, 5, 1, 3]


def test_negative_objectives_sort_by_value():
    results = [job(0, objective=-1.0), job(1, objective=-3.0), job(2, objective=2.0)]
    assert order(results, "val/loss") == [1, 0, 2]
    assert order(results, "val/accuracy") == [2, 0, 1]


def test_table_columns_and_error_lines():
    results = [job(0, objective=0.25, accuracy=0.9), RESULTS[1]]
    text = sweep.results_table(results, "val/loss")
    lines = text.splitlines()
    assert lines[0].split() == [
        "#",
        "run",
        "status",
        "val/loss",
        "train/accuracy",
        "seconds",
        "run",
        "id",
    ]
    rows = table_rows(text)
    assert rows[0] == ["0", "job0", "FINISHED", "0.25", "0.900", "1.0", "run0"]
    assert rows[1] == ["1", "job1", "FAILED", "-", "-", "1.0", "run1"]
    assert lines[-1] == "job 1 (job1) FAILED: Boom: at epoch 5"
    widths = {len(line) for line in lines[:4]}
    assert len(widths) == 1, "columns are aligned"


def test_empty_sweep_is_a_header():
    assert len(sweep.results_table([], "val/loss").splitlines()) == 2


SWEEP = SweepInfo("s", total_jobs=4, varying=["optimizer", "optimizer.momentum"])


@pytest.mark.parametrize(
    ("overrides", "info", "expected"),
    [
        (["optimizer=sgd", "trainer.epochs=40"], SWEEP, "optimizer=sgd"),
        (
            ["optimizer=sgd", "optimizer.momentum=0.9", "trainer.epochs=40"],
            SWEEP,
            "optimizer=sgd,optimizer.momentum=0.9",
        ),
        (["optimizer=sgd", "trainer.epochs=40"], None, "optimizer=sgd,trainer.epochs=40"),
        ([], None, "defaults"),
        ([], SWEEP, "defaults"),
        (["trainer.epochs=40"], SweepInfo("s", 1, varying=[]), "trainer.epochs=40"),
        (["tracking.uri=x", "quiet=true"], SweepInfo("s", 1, varying=[]), "defaults"),
        (
            ["+callbacks.boom._target_=x.Y", "+callbacks.boom.epoch=5"],
            SweepInfo("s", 2, varying=["callbacks.boom.epoch"]),
            "+callbacks.boom.epoch=5",
        ),
        (["~model.loss", "optimizer=adam"], SweepInfo("s", 2, ["model.loss"]), "~model.loss"),
        (["optimizer.momentum=0.5"], SWEEP, "optimizer.momentum=0.5"),
        (["optimizer.learning_rate=0.1"], SWEEP, "defaults"),
    ],
)
def test_run_name(overrides, info, expected):
    assert app.run_name(overrides, info) == expected
