"""The table a sweep prints at its end (``console.results_table``) and the names of its runs
(``app.run_name``)."""

import math

import pytest

from nnlab.cli import app
from nnlab.cli.console import results_table
from nnlab.run.folder import RunInfo
from nnlab.run.sweep import SweepInfo


def job(num, status="FINISHED", objective=None, error=None, accuracy=None):
    """A job's record and run id, as the table gets them."""
    summary = {} if accuracy is None else {"train_accuracy_final": accuracy}
    if objective is not None and not math.isnan(objective):
        summary.update({"val_loss_final": objective, "val_accuracy_final": objective,
                        "train_accuracy_final": accuracy or objective})  # fmt: skip
    info = RunInfo(uid="u", name=f"job{num}", process={}, started=0.0, epochs=1, job=num,
                   status=status, reason=error, seconds=1.0, summary=summary)  # fmt: skip
    return info, f"run{num}"


def table_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    assert set(lines[1].replace(" ", "")) == {"-"}
    return [line.split() for line in lines[2:] if line[:1].isdigit() or line[:2] == "- "]


def order(results, objective) -> list[int]:
    """The jobs' numbers (from 0) in the table's order."""
    rows = table_rows(results_table(results, objective))
    ranked = [row[0] for row in rows if row[0] != "-"]
    assert ranked == [str(rank) for rank in range(1, len(ranked) + 1)]
    return [int(row[1]) - 1 for row in rows]


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
    text = results_table(results, "val/loss")
    lines = text.splitlines()
    assert lines[0].split() == ["rank", "job", "run", "status", "val/loss", "train/accuracy",
                                "seconds", "run", "id"]  # fmt: skip
    rows = table_rows(text)
    assert rows[0] == ["1", "1", "job0", "FINISHED", "0.25", "0.900", "1.0", "run0"]
    assert rows[1] == ["-", "2", "job1", "FAILED", "-", "-", "1.0", "run1"]
    assert lines[-2] == "best: job0 (val/loss=0.25, run run0)"
    assert lines[-1] == "job 2 (job1) FAILED: Boom: at epoch 5"
    widths = {len(line) for line in lines[:4]}
    assert len(widths) == 1, "columns are aligned"


def test_empty_sweep_is_a_header():
    assert len(results_table([], "val/loss").splitlines()) == 2


def sweep(varying: list[str]) -> SweepInfo:
    return SweepInfo("s", "u", "s", {}, 0.0, "val/loss", varying=varying)


SWEEP = sweep(["optimizer", "optimizer.momentum"])


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
        (["trainer.epochs=40"], sweep([]), "trainer.epochs=40"),
        (["tracking.uri=x", "quiet=true"], sweep([]), "defaults"),
        (
            ["+callbacks.boom._target_=x.Y", "+callbacks.boom.epoch=5"],
            sweep(["callbacks.boom.epoch"]),
            "+callbacks.boom.epoch=5",
        ),
        (["~model.loss", "optimizer=adam"], sweep(["model.loss"]), "~model.loss"),
        (["optimizer.momentum=0.5"], SWEEP, "optimizer.momentum=0.5"),
        (["optimizer.learning_rate=0.1"], SWEEP, "defaults"),
    ],
)
def test_run_name(overrides, info, expected):
    assert app.run_name(overrides, info) == expected
