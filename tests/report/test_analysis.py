"""``nnlab.report.analysis`` and its report section (``nnlab.report.winner``) on synthetic runs
with known orderings, and on a real miniature sweep read back from MLflow and from its folders."""

import json
import math

import numpy as np
import pytest
from support import e2e

from nnlab.report.analysis import analyse, as_dict
from nnlab.report.runs import RunRecord, from_folder, from_store
from nnlab.report.winner import JSON, console_lines, section, verdict, write_analysis
from nnlab.run.sweep import SweepFolder
from nnlab.train import History
from nnlab.train.metrics import summary_key

EPOCHS = 40
SEEDS = range(10)


def curve(final: float, epochs: int = EPOCHS, start: float = 1.1) -> list[float]:
    """A loss falling geometrically from ``start`` to ``final`` over ``epochs``."""
    return [start * (final / start) ** (e / (epochs - 1)) for e in range(epochs)]


def record(method: str, seed: int, values: list[float], task: str = "spiral", *,
           status: str = "FINISHED", name: str | None = None, trial: str = "null",
           objective: str = "val/loss", **params: str) -> RunRecord:  # fmt: skip
    """A run of ``method`` on ``task`` whose ``objective`` took ``values`` epoch by epoch."""
    history = History()
    for epoch, value in enumerate(values):
        history.append(epoch, {objective: value, "train/loss": value})
    history.status = "completed"
    config = {"dataset.name": task, "optimizer.name": method, "trainer.seed": str(seed),
              "search.trial": trial, "tracking.uri": "sqlite:///x.db", **params}  # fmt: skip
    return RunRecord(
        name=name or f"dataset={task},method={method},trainer.seed={seed}",
        status=status,
        outcome="completed" if status == "FINISHED" else "diverged",
        reason=None,
        params=config,
        summary=history.summary(),
        history=history,
        folder=None,
        run_id=f"{task}-{method}-{seed}",
    )


def four_methods(rng: np.random.Generator, task: str = "spiral", scale: float = 1.0):
    """adam clearly lowest, sgd clearly highest, rmsprop and adagrad with the very same final
    values (in another order over seeds)."""
    shared = rng.normal(0.6, 0.05, len(SEEDS))
    finals = {
        "adam": rng.normal(0.3, 0.02, len(SEEDS)),
        "sgd": rng.normal(0.9, 0.02, len(SEEDS)),
        "rmsprop": shared,
        "adagrad": np.roll(shared, 3),
    }
    return [record(m, s, curve(scale * f[s]), task) for m, f in finals.items() for s in SEEDS]


def test_the_winner_is_named_and_identical_methods_cannot_be_separated(rng):
    found = analyse(four_methods(rng), "val/loss")
    (task,) = found.tasks
    assert task.ranking.order[0] == "adam"
    assert task.ranking.order[-1] == "sgd"
    pairs = {frozenset((c.first, c.second)): c for c in task.ranking.comparisons}
    tied = pairs[frozenset(("rmsprop", "adagrad"))]
    assert tied.probability.estimate == 0.5  # the same values: as many wins as losses
    assert tied.probability.low < 0.5 < tied.probability.high
    assert not tied.resolved
    assert all(c.resolved for key, c in pairs.items() if key != frozenset(("rmsprop", "adagrad")))
    said = verdict(task.ranking, "<")
    assert said.startswith("adam is best: P(adam < ")
    assert "adagrad and rmsprop cannot be separated (P(adagrad < rmsprop) = 0.50 [" in said
    assert said.endswith("rmsprop beats sgd (P(rmsprop < sgd) = 1.00 [1.00, 1.00]).")
    text = "\n".join(section(found))
    assert text.startswith("## Which method won")
    assert f"**Verdict.** {said}" in text
    assert "| sgd | 0.00 [0.00, 0.00] | 0.00 [0.00, 0.00] | 0.00 [0.00, 0.00] | – |" in text
    lines = console_lines(found)
    assert [line.split()[0] for line in lines[1:5]] == ["adam", "adagrad", "rmsprop", "sgd"]
    assert lines[-1] == f"  {said}"


def test_estimates_are_those_of_the_finals_over_seeds(rng):
    records = four_methods(rng)
    (task,) = analyse(records, "val/loss").tasks
    adam = next(m for m in task.methods if m.method == "adam")
    final = summary_key("val/loss", "final")
    finals = np.array([r.summary[final] for r in records if "adam" in r.name])
    assert adam.mean.estimate == pytest.approx(finals.mean())
    assert adam.median.estimate == pytest.approx(np.median(finals))
    middle = np.sort(finals)[2:8]  # 10 runs: the IQM drops 2 at each end
    assert adam.iqm.estimate == pytest.approx(middle.mean())
    for estimate in (adam.iqm, adam.mean, adam.median):
        assert estimate.low < estimate.estimate < estimate.high


def test_an_accuracy_is_maximised():
    records = [
        record(m, s, [0.5, level + 0.01 * s], objective="val/accuracy")
        for m, level in (("adam", 0.9), ("sgd", 0.6))
        for s in SEEDS
    ]
    found = analyse(records, "val/accuracy")
    assert found.higher_is_better
    assert verdict(found.tasks[0].ranking, ">").startswith("adam is best: P(adam > sgd) = 1.00")


def test_a_failed_run_is_a_failure_not_a_missing_run(rng):
    records = four_methods(rng)
    records.append(record("adam", 10, [1.1, math.inf], status="FAILED"))
    (task,) = analyse(records, "val/loss").tasks
    adam = next(m for m in task.methods if m.method == "adam")
    assert len(adam.runs) == 11
    assert adam.iqm.n_failed == adam.mean.n_failed == 1
    assert math.isnan(adam.runs[-1].score)
    assert "| adam | 11 (1 failed) |" in "\n".join(section(analyse(records, "val/loss")))


def test_epochs_to_target_censors_runs_that_never_reach_it():
    fast = [record("fast", s, curve(0.2)) for s in range(6)]
    stalled = [record("stalled", s, curve(0.9, start=1.0)) for s in range(2)]
    found = analyse(fast + stalled, "val/loss")
    (task,) = found.tasks
    # the upper quartile of six 0.2 and two 0.9: 0.2 + 0.25 * (0.9 - 0.2)
    assert task.target == pytest.approx(0.375)
    # 1.1 * (0.2 / 1.1) ** (e / 39) <= 0.375 from e = 39 * ln(0.375 / 1.1) / ln(0.2 / 1.1) = 24.6
    methods = {m.method: m for m in task.methods}
    assert methods["fast"].to_target.median == 25
    assert methods["fast"].to_target.reached == 1.0
    assert methods["stalled"].to_target.reached == 0.0
    assert math.isinf(methods["stalled"].to_target.median)
    assert list(methods["stalled"].to_target.epochs) == [math.inf] * 2
    data = as_dict(found)["tasks"][0]["methods"]["stalled"]["epochs_to_target"]
    assert data == {"median": None, "low": None, "high": None, "reached": 0.0,
                    "epochs": [None] * 2}  # fmt: skip
    text = "\n".join(section(found))
    assert "| epochs to 0.375 |" in text
    assert "never [never, never], 0% reached" in text
    assert "25 [25, 25], 100% reached" in text


def test_methods_are_read_from_run_names_across_tasks_and_search_trials_left_out(rng):
    # each method's learning rate differs by task (tuned), yet it is one method on both
    records = [
        r for task, scale in (("spiral", 1.0), ("sine", 0.01))
        for r in four_methods(rng, task, scale)
    ]  # fmt: skip
    for r in records:
        r.params["optimizer.learning_rate"] = f"{0.1 if 'sine' in r.name else 1.0}"
    trial = record("sgd", 100, curve(0.01), trial="3", name="method=sgd,search.trial=3")
    found = analyse([*records, trial], "val/loss")
    assert [t.task for t in found.tasks] == ["sine", "spiral"]
    assert all(len(m.runs) == len(SEEDS) for t in found.tasks for m in t.methods)
    overall = found.overall
    assert overall.ranking.order[0] == "adam"
    assert overall.ranking.order[-1] == "sgd"
    assert overall.left_out == []
    adam = overall.methods[0]
    assert adam.scores.shape == (len(SEEDS), 2)
    assert np.nanmin(adam.scores, axis=0) == pytest.approx([0.0, 0.0])  # each task's best
    sgd = overall.methods[-1]
    assert np.nanmax(sgd.scores, axis=0) == pytest.approx([1.0, 1.0])  # and its worst
    assert adam.profile.fraction[0] == 0.0
    assert adam.profile.fraction[-1] == 1.0
    text = "\n".join(section(found))
    assert "**Verdict over all tasks.** adam is best" in text
    assert "### sine" in text
    assert "### spiral" in text


def test_without_run_names_methods_come_from_the_differing_config(rng):
    records = four_methods(rng)
    for r in records:
        r.name = "defaults"
        r.params["optimizer.learning_rate"] = (
            "0.05" if r.params["optimizer.name"] == "adam" else "1"
        )
    (task,) = analyse(records, "val/loss").tasks
    assert task.ranking.order[0] == "optimizer=adam, learning_rate=0.05"
    assert len(task.methods) == 4


def test_the_analysis_is_deterministic_and_its_own_seed_matters(rng):
    records = four_methods(rng)
    first = as_dict(analyse(records, "val/loss"))
    shuffled = [records[i] for i in np.random.default_rng(7).permutation(len(records))]
    assert as_dict(analyse(shuffled, "val/loss")) == first
    json.dumps(first, allow_nan=False)  # strict JSON
    other = as_dict(analyse(records, "val/loss", seed=1))
    assert (
        other["tasks"][0]["methods"]["adam"]["iqm"] != first["tasks"][0]["methods"]["adam"]["iqm"]
    )


def test_nothing_is_analysed_without_two_runs_per_group(rng, tmp_path):
    (tmp_path / JSON).write_text("{}")  # from an earlier report
    single = [record(m, 0, curve(0.5)) for m in ("adam", "sgd")]
    assert analyse(single, "val/loss") is None
    assert write_analysis(analyse(single, "val/loss"), tmp_path) == []
    assert list(tmp_path.iterdir()) == []
    lines = write_analysis(analyse(four_methods(rng), "val/loss"), tmp_path)
    assert lines[:2] == ["", "## Which method won"]
    assert {p.name for p in tmp_path.iterdir()} == {JSON, "analysis_intervals.png"}


def test_a_real_sweep_read_back_from_mlflow_matches_its_folders(tmp_path, store, run_sweep):
    proc = run_sweep(
        ["-m", "method=adam,sgd_decay_momentum", "trainer.seed=0,1,2", "trainer.epochs=40"],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    folders = SweepFolder(tmp_path / "sweep").runs()
    local = [from_folder(folder, folder.mirrored_run_id()) for folder in folders]
    ids = [r.run_id for r in local]
    assert len(ids) == 6
    assert all(ids)
    from_files = as_dict(analyse(local, "val/loss"))
    with from_store(store, ids[::-1]) as stored:
        from_mlflow = as_dict(analyse(stored, "val/loss"))
    assert from_mlflow == from_files
    assert sorted(from_files["tasks"][0]["order"]) == ["adam", "sgd_decay_momentum"]
    report = tmp_path / "sweep" / "report"
    assert json.loads((report / JSON).read_text()) == from_files
    assert "## Which method won" in (report / "report.md").read_text()
    (parent,) = e2e.parent_runs(e2e.all_runs(store))
    assert f"report/{JSON}" in e2e.artifact_paths(e2e.client(store), parent.info.run_id)
