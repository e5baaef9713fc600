"""The report of a search (``write_search_report``) on studies made here, and pruned runs in the
comparison report's status column."""

import math
from pathlib import Path

import optuna
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState

from hydra_plugins.nnlab_optuna_sweeper._report import (
    HISTORY,
    IMPORTANCES,
    PARAMS,
    write_search_report,
)
from nnlab.report.comparison import write_report
from nnlab.report.runs import RunRecord


@pytest.fixture(autouse=True)
def _quiet_optuna():
    optuna.logging.set_verbosity(optuna.logging.WARNING)


SPACE = {
    "optimizer.learning_rate": FloatDistribution(1e-3, 10, log=True),
    "optimizer.momentum": FloatDistribution(0, 0.95),
    "model.activation": CategoricalDistribution(["relu", "tanh"]),
}


def make_study(storage, n: int, direction: str = "minimize"):
    """A study ``s`` of ``n`` trials in ``storage`` (a URL, or in memory): every 4th pruned (one
    far off), the 6th failed, the rest complete with a value that depends on the learning
    rate."""
    study = optuna.create_study(storage=storage, study_name="s", direction=direction,
                                sampler=optuna.samplers.RandomSampler(seed=0))  # fmt: skip
    for index in range(n):
        trial = study.ask(SPACE)
        value = 0.3 + abs(math.log10(trial.params["optimizer.learning_rate"])) / 4
        trial.set_user_attr("nnlab.run_id", f"{index:08x}" + "f" * 24)
        if index % 4 == 3:
            trial.report(25.0 if index == 3 else value + 0.5, 100)
            study.tell(trial, state=TrialState.PRUNED)
        elif index == 5:
            study.tell(trial, state=TrialState.FAIL)
        else:
            study.tell(trial, value if direction == "minimize" else 1 - value / 2)
    return storage


def in_memory():
    return optuna.storages.InMemoryStorage()


def assert_ranked(section: str, study: optuna.Study, cell) -> None:
    """The section's table of the best trials lists the best complete trials of ``study``
    (at most 5), best first, each with its value written by ``cell``."""
    table = section[section.index(" complete trials:\n") :].split("\n\n")[1]
    rows = [line.strip("| ").split(" | ") for line in table.splitlines()[2:]]
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    values = [study.trials[int(row[0])].value for row in rows]
    complete = [t.value for t in study.trials if t.state == TrialState.COMPLETE]
    assert len(rows) == min(5, len(complete)) > 1
    assert values == sorted(complete, reverse=maximize)[: len(rows)]
    assert [row[1] for row in rows] == [cell(value) for value in values]


def test_section_names_the_best_trial_and_shows_the_figures(tmp_path):
    storage = make_study(f"sqlite:///{tmp_path / 'optuna.db'}", 12)
    folder = tmp_path / "report"
    section = write_search_report(storage, "s", folder, "val/loss")
    study = optuna.load_study(study_name="s", storage=storage)
    best = study.best_trial
    assert section.startswith("## Hyper-parameter search")
    assert "**12 trials**: 8 complete, 3 pruned, 1 failed" in section
    assert f"**Best: trial {best.number}** with final val/loss = {best.value:.4g}" in section
    assert f"(run `{best.number:08x}`)" in section
    assert_ranked(section, study, lambda value: f"{value:.4g}")  # the lowest first
    rate = best.params["optimizer.learning_rate"]
    assert f"| `optimizer.learning_rate` | {rate:.4g} |" in section
    for name in (HISTORY, IMPORTANCES, PARAMS):
        assert f"]({name})" in section
        image = imread(folder / name)
        assert image.shape[0] > 250
        assert image.shape[1] > 600


def test_maximised_objectives_rank_the_highest_first(tmp_path):
    storage = make_study(in_memory(), 8, direction="maximize")
    section = write_search_report(storage, "s", tmp_path, "val/accuracy")
    study = optuna.load_study(study_name="s", storage=storage)
    best = study.best_trial
    assert best.value == max(t.value for t in study.trials if t.state == TrialState.COMPLETE)
    assert "maximising the final val/accuracy" in section
    assert f"**Best: trial {best.number}** with final val/accuracy = {best.value:.3f}" in section
    assert_ranked(section, study, lambda value: f"{value:.3f}")  # the highest first


def test_too_few_trials_for_importances_says_so(tmp_path):
    storage = make_study(in_memory(), 1)
    section = write_search_report(storage, "s", tmp_path, "val/loss")
    assert "Importances need at least 2 complete trials; this study has 1." in section
    assert (tmp_path / HISTORY).exists()
    assert not (tmp_path / IMPORTANCES).exists()


def test_a_study_without_trials_has_a_section_and_no_figures(tmp_path):
    storage = in_memory()
    optuna.create_study(storage=storage, study_name="empty")
    section = write_search_report(storage, "empty", tmp_path, "val/loss")
    assert "**0 trials**: none." in section
    assert "No trial completed yet." in section
    assert not list(tmp_path.glob("*.png"))


def test_a_password_in_the_storage_url_is_not_shown(tmp_path, monkeypatch):
    storage = make_study(in_memory(), 2)
    study = optuna.load_study(study_name="s", storage=storage)
    monkeypatch.setattr(optuna, "load_study", lambda **_: study)
    section = write_search_report("postgresql://me:secret@db/optuna", "s", tmp_path, "val/loss")
    assert "postgresql://me:***@db/optuna" in section
    assert "secret" not in section


def _record(run_id: str, status: str, outcome: str | None, final: float) -> RunRecord:
    summary = {"val_loss_final": final, "val_loss_best": final, "val_loss_best_epoch": 9.0}
    params = {"optimizer.learning_rate": run_id[-1], "objective": "val/loss"}
    return RunRecord(f"optimizer.learning_rate={run_id[-1]}", status, outcome or status.lower(),
                     None, params, summary, None, None, run_id)  # fmt: skip


def test_pruned_runs_show_as_pruned_and_rank_after_finished_ones(tmp_path):
    records = [
        _record("a" * 31 + "1", "FINISHED", "pruned", 0.1),  # MLflow says FINISHED
        _record("b" * 31 + "2", "FINISHED", "completed", 0.5),
    ]
    path = write_report(records, tmp_path, title="search", objective="val/loss")
    text = path.read_text()
    assert "1 finished" in text
    assert "1 pruned" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert "| FINISHED |" in rows[0]
    assert "bbbbbbbb" in rows[0]
    assert "| PRUNED |" in rows[1]
    assert "PRUNED" in (tmp_path / "runs.csv").read_text()


def test_pruned_trials_near_the_others_are_drawn_where_they_are(tmp_path, monkeypatch):
    figures = {}
    save = Figure.savefig

    def saved(figure, path, *args, **kwargs):
        figures[Path(path).name] = figure
        return save(figure, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", saved)
    study = optuna.create_study(storage=in_memory(), study_name="near")
    for index, value in enumerate([0.5, 0.4, 0.6, 0.45]):
        trial = study.ask(SPACE)
        if index == 2:
            trial.report(value, 10)
            study.tell(trial, state=TrialState.PRUNED)
        else:
            study.tell(trial, value)
    section = write_search_report(study._storage, "near", tmp_path, "val/loss")
    assert "**4 trials**: 3 complete, 1 pruned" in section
    assert (tmp_path / HISTORY).exists()
    assert (tmp_path / PARAMS).exists()
    # the pruned trial (number 2, 0.6) is a point at its value inside the y-axis, not an arrow
    # on the axis' edge
    (ax,) = figures[HISTORY].axes
    (pruned,) = [c for c in ax.collections if c.get_label().startswith("pruned")]
    assert pruned.get_offsets().tolist() == [[2.0, 0.6]]
    low, high = ax.get_ylim()
    assert low < 0.4 < 0.6 < high
    axes = [ax for ax in figures[PARAMS].axes if ax.get_xlabel()]
    assert len(axes) == len(SPACE)
    for ax in axes:
        points = [y for c in ax.collections for _, y in c.get_offsets().tolist()]
        assert points.count(0.6) == 1, ax.get_xlabel()
        low, high = ax.get_ylim()
        assert low < 0.4 < 0.6 < high
