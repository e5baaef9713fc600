"""``write_report`` on synthetic runs: the table (rows, order, differing params, labels), the
seed groups (numbers against NumPy), the figures, and the decision regions of a saved network."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from nnlab.report.comparison import differing_params, run_labels, short_names, write_report
from nnlab.report.runs import RunRecord
from nnlab.run import schema
from nnlab.run.folder import RunFolder
from nnlab.run.job import build
from nnlab.train import History

BASE = {
    "dataset.name": "spiral",
    "dataset.samples": "100",
    "model.hidden": "[64]",
    "optimizer.name": "sgd",
    "optimizer.learning_rate": "1.0",
    "optimizer.momentum": "0.0",
    "schedule.name": "constant",
    "trainer.epochs": "20",
    "trainer.seed": "0",
    "tracking.uri": "sqlite:///a.db",
    "objective": "val/loss",
    "quiet": "False",
}
# None: a param the run does not have
ADAM = {
    "optimizer.name": "adam",
    "optimizer.learning_rate": "0.05",
    "optimizer.momentum": None,
    "optimizer.beta_1": "0.9",
}
EPOCHS = 20


def history(final_loss: float, final_accuracy: float, epochs: int = EPOCHS) -> History:
    """Losses falling geometrically to ``final_loss``, accuracies rising to ``final_accuracy``."""
    result = History()
    for epoch in range(epochs):
        t = epoch / (EPOCHS - 1)
        loss = 1.1 * (final_loss / 1.1) ** t
        accuracy = 0.33 + (final_accuracy - 0.33) * t
        result.append(
            epoch,
            {
                "train/loss": 0.9 * loss,
                "train/accuracy": accuracy,
                "val/loss": loss,
                "val/accuracy": accuracy - 0.01,
                "lr": 1.0,
            },
        )
    result.status = "completed"
    return result


def record(
    run_id: str,
    final_loss: float,
    final_accuracy: float = 0.8,
    status="FINISHED",
    error=None,
    epochs=EPOCHS,
    curves=True,
    **params,
) -> RunRecord:
    """A run with its summary and, if ``curves``, its history (without: no figures, faster)."""
    values = dict(BASE)
    for key, value in params.items():
        if key == "changes":
            values.update(value)
        else:
            values[key.replace("__", ".")] = value
    values = {key: value for key, value in values.items() if value is not None}
    curve = history(final_loss, final_accuracy, epochs)
    return RunRecord(
        name=f"job {run_id}",
        status=status,
        outcome="completed" if status == "FINISHED" else status.lower(),
        reason=error,
        params=values,
        summary=curve.summary(),
        history=curve if curves else None,
        folder=None,
        run_id=run_id,
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_differing_params_leave_out_tracking_and_settings():
    a = record("a", 0.5)
    b = record("b", 0.4, changes={**ADAM, "tracking.uri": "sqlite:///b.db", "quiet": "True"})
    assert differing_params([a, b]) == [
        "optimizer.name",
        "optimizer.learning_rate",
        "optimizer.momentum",
        "optimizer.beta_1",
    ]
    # the learning rate and betas follow from the optimizer: the label names the optimizer only
    assert run_labels([a, b]) == ["optimizer=sgd", "optimizer=adam"]


def test_labels_drop_group_prefixes_unless_ambiguous():
    runs = [
        record("a", 0.5, optimizer__momentum="0.9", schedule__decay="0.001"),
        record("b", 0.5, optimizer__momentum="0.5", schedule__decay="0.001"),
        record("c", 0.5, optimizer__momentum="0.9", schedule__decay="0.01"),
    ]
    assert run_labels(runs) == [
        "momentum=0.9, decay=0.001",
        "momentum=0.5, decay=0.001",
        "momentum=0.9, decay=0.01",
    ]
    assert short_names(["optimizer.epsilon", "model.epsilon", "trainer.seed"]) == {
        "optimizer.epsilon": "optimizer.epsilon",
        "model.epsilon": "model.epsilon",
        "trainer.seed": "seed",
    }
    # a learning rate that varies within one optimizer is part of the label
    mixed = [
        record("a", 0.5),
        record("b", 0.5, optimizer__learning_rate="0.1"),
        record("c", 0.5, changes=ADAM),
    ]
    assert run_labels(mixed) == [
        "optimizer=sgd, learning_rate=1",
        "optimizer=sgd, learning_rate=0.1",
        "optimizer=adam, learning_rate=0.05",
    ]


def test_identical_runs_get_run_ids_in_their_labels():
    runs = [record("aaaaaaaaaa", 0.5), record("bbbbbbbbbb", 0.5)]
    assert run_labels(runs) == ["job aaaaaaaaaa", "job bbbbbbbbbb"]  # their names
    for run in runs:
        run.name = "defaults"
    assert run_labels(runs) == ["defaults (aaaaaaaa)", "defaults (bbbbbbbb)"]


def test_table_sorted_by_objective_with_unfinished_runs_last(tmp_path):
    nan_error, killed = "loss became nan at epoch 8", "KeyboardInterrupt"
    runs = [
        record("r1", 0.5, optimizer__momentum="0.1", curves=False),
        record("r2", 0.2, optimizer__momentum="0.2", curves=False),
        record("r3", math.nan, status="FAILED", error=nan_error, optimizer__momentum="0.3"),
        record("r4", 0.9, optimizer__momentum="0.4", curves=False),
        record("r5", 0.1, status="KILLED", error=killed, optimizer__momentum="0.5", curves=False),
    ]
    runs[2].history = None
    report = write_report(runs, tmp_path, title="demo", objective="val/loss")
    rows = read_csv(tmp_path / "runs.csv")
    assert [row["run_id"] for row in rows] == ["r2", "r1", "r4", "r3", "r5"]
    assert [row["rank"] for row in rows] == ["1", "2", "3", "4", "5"]
    assert [row["label"] for row in rows][:3] == ["momentum=0.2", "momentum=0.1", "momentum=0.4"]
    assert rows[3]["status"] == "FAILED"
    assert rows[3]["error"] == "loss became nan at epoch 8"
    assert float(rows[0]["val_loss_final"]) == pytest.approx(0.2)
    assert float(rows[0]["val_loss_best"]) == pytest.approx(0.2)
    assert float(rows[0]["val_loss_best_epoch"]) == EPOCHS - 1
    # only the differing param, as a full key; no tracking or settings columns
    assert "optimizer.momentum" in rows[0]
    assert not any(key.startswith(("tracking.", "optimizer.name", "quiet")) for key in rows[0])

    text = report.read_text()
    assert text.startswith("# demo\n")
    assert "**5 runs**: 3 finished, 0 skipped, 1 failed, 1 killed" in text
    assert "Best: **momentum=0.2** with final val/loss = 0.2" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| # | run | status | final val/loss |")
    assert "| momentum |" in table[0]
    order = [line.split(" | ")[1] for line in table[1:]]
    assert order == ["momentum=0.2", "momentum=0.1", "momentum=0.4", "momentum=0.3", "momentum=0.5"]
    assert "FAILED: loss became nan at epoch 8" in table[4]
    assert "KILLED: KeyboardInterrupt" in table[5]


def test_accuracy_objectives_sort_highest_first(tmp_path):
    accuracies = [0.6, 0.9, 0.7]
    runs = [
        record(f"r{i}", 0.5, accuracy, optimizer__momentum=str(i), curves=False)
        for i, accuracy in enumerate(accuracies)
    ]
    write_report(runs, tmp_path, title="demo", objective="val/accuracy")
    assert [row["run_id"] for row in read_csv(tmp_path / "runs.csv")] == ["r1", "r2", "r0"]


def test_skipped_runs_are_counted(tmp_path):
    runs = [record("a", 0.5, curves=False), record("b", 0.4, changes=ADAM, curves=False)]
    runs[0].skipped = True
    text = write_report(runs, tmp_path, title="demo", objective="val/loss").read_text()
    assert "1 finished, 1 skipped (reused earlier runs), 0 failed, 0 killed" in text
    assert "FINISHED (reused)" in text
    assert [row["skipped"] for row in read_csv(tmp_path / "runs.csv")] == ["false", "true"]


def test_figures_are_images_and_embedded(tmp_path):
    failed = record("c", math.nan, status="FAILED", epochs=5, optimizer__momentum="0.9")
    runs = [record("a", 0.5), record("b", 0.3, changes=ADAM), failed]
    text = write_report(runs, tmp_path, title="demo", objective="val/loss").read_text()
    curves = {
        f"curves_{name}.png"
        for name in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr")
    }
    assert curves <= {path.name for path in tmp_path.glob("*.png")}
    for name in curves:
        assert f"]({name})" in text
        image = imread(tmp_path / name)
        assert image.ndim == 3
        assert image.shape[0] > 200
        assert image.shape[1] > 400
    # no seeds, no weights: no group table, no decision regions
    assert not (tmp_path / "groups.csv").exists()
    assert "## Seeds" not in text
    assert "## Decision regions" not in text


def test_seed_groups_mean_and_std(tmp_path):
    finals = {"sgd": [0.9, 0.8, 1.0], "adam": [0.3, 0.5, 0.35]}
    accuracies = {"sgd": [0.4, 0.45, 0.5], "adam": [0.9, 0.8, 0.85]}
    runs = []
    for name in ("sgd", "adam"):
        for seed in range(3):
            changes = {"trainer.seed": str(seed), **(ADAM if name == "adam" else {})}
            runs.append(
                record(f"{name}{seed}", finals[name][seed], accuracies[name][seed], changes=changes)
            )
    text = write_report(runs, tmp_path, title="seeds", objective="val/loss").read_text()
    groups = read_csv(tmp_path / "groups.csv")
    assert [group["group"] for group in groups] == [
        "optimizer=adam (3 seeds)",
        "optimizer=sgd (3 seeds)",
    ]
    for group, name in zip(groups, ("adam", "sgd"), strict=True):
        assert group["runs"] == group["finished"] == "3"
        assert group["run_ids"].split() == [f"{name}{seed}" for seed in range(3)]
        val = np.array(finals[name])
        assert float(group["val_loss_final_mean"]) == pytest.approx(np.mean(val))
        assert float(group["val_loss_final_std"]) == pytest.approx(np.std(val, ddof=1))
        assert float(group["train_loss_final_mean"]) == pytest.approx(np.mean(0.9 * val))
        accuracy = np.array(accuracies[name])
        assert float(group["train_accuracy_final_mean"]) == pytest.approx(np.mean(accuracy))
        assert float(group["train_accuracy_final_std"]) == pytest.approx(np.std(accuracy, ddof=1))
    assert "## Seeds" in text
    mean, std = np.mean(finals["adam"]), np.std(finals["adam"], ddof=1)
    assert f"| optimizer=adam (3 seeds) | 3 | 3 | {mean:.4g} ± {std:.2g} |" in text
    for metric in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert imread(tmp_path / f"seeds_{metric}.png").ndim == 3
        assert f"](seeds_{metric}.png)" in text
    # every run had the same learning rate at every epoch: no figure of identical lines
    assert not (tmp_path / "seeds_lr.png").exists()
    assert "_lr.png" not in text
    # the runs are labelled with their seed
    labels = [row["label"] for row in read_csv(tmp_path / "runs.csv")]
    assert labels[0] == "optimizer=adam, seed=0"


def test_failed_seed_is_left_out_of_its_group(tmp_path):
    runs = [
        record(f"s{seed}", 0.5 + 0.1 * seed, trainer__seed=str(seed), curves=False)
        for seed in range(3)
    ]
    runs[2].status = "FAILED"
    write_report(runs, tmp_path, title="seeds", objective="val/loss")
    (group,) = read_csv(tmp_path / "groups.csv")
    assert (group["group"], group["runs"], group["finished"]) == ("all runs (2 seeds)", "3", "2")
    assert float(group["val_loss_final_mean"]) == pytest.approx(0.55)
    assert float(group["val_loss_final_std"]) == pytest.approx(np.std([0.5, 0.6], ddof=1))


def saved_run(folder: Path, dataset: str, hidden: list[int]) -> RunRecord:
    """A run folder holding a config and the initial weights of the network it builds."""
    config = {
        "dataset": {"name": dataset, "samples": 20, "validation_samples": 20},
        "model": {"hidden": hidden},
        "optimizer": {"name": "sgd", "learning_rate": 1.0},
        "schedule": {"name": "constant"},
        "trainer": {"epochs": 20},
    }
    run = RunFolder(folder)
    folder.mkdir()
    run.write_config(config)
    run.write_weights(build(schema.load(config)).network.params)
    summary = history(0.5, 0.7).summary()
    params = schema.flatten(config)
    return RunRecord(folder.name, "FINISHED", "completed", None, params, summary, None, run)


def test_decision_regions_of_saved_networks(tmp_path):
    runs = [saved_run(tmp_path / f"run{n}", "spiral", [n]) for n in (4, 6)]
    runs.append(saved_run(tmp_path / "sine", "sine", [4]))
    out = tmp_path / "report"
    text = write_report(runs, out, title="regions", objective="val/loss").read_text()
    assert "![decision regions](decision_regions.png)" in text
    image = imread(out / "decision_regions.png")
    # two panels side by side (the regression run has none): a 5.2 x 3.65 in figure, w/h 1.42
    # (one panel would give 0.71, three 2.14)
    assert 1.2 * image.shape[0] < image.shape[1] < 1.8 * image.shape[0]


def test_decision_regions_show_the_best_twelve(tmp_path):
    runs = [saved_run(tmp_path / f"run{n}", "spiral", [n + 2]) for n in range(13)]
    out = tmp_path / "report"
    text = write_report(runs, out, title="many", objective="val/loss").read_text()
    assert "(the first 12 of 13 in order)" in text
    image = imread(out / "decision_regions.png")
    # three rows of four (10.4 x 9.45 in); a fourth row would make it taller than wide
    assert image.shape[0] < image.shape[1]


def test_curves_show_the_best_twenty_runs(tmp_path):
    runs = [record(f"r{n:02d}", 1.0 + n / 10, **{"optimizer.learning_rate": str(n)})
            for n in range(22)]  # fmt: skip
    text = write_report(runs, tmp_path, title="many", objective="val/loss").read_text()
    assert "The best 20 of 22 runs" in text
    assert len(read_csv(tmp_path / "runs.csv")) == 22
