"""End to end: a hyper-parameter search as a user runs it (``run.py -m hparams_search=sgd_tpe``),
small, into a throwaway MLflow store and Optuna storage; then the same command again with more
trials, which resumes the study."""

from types import SimpleNamespace

import optuna
import pytest
import yaml
from optuna.trial import TrialState
from support import e2e

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow

EPOCHS = 60
SEARCH = [
    "-m",
    "hparams_search=sgd_tpe",
    f"trainer.epochs={EPOCHS}",
    # learning rates from 1e-6 (nothing moves) to 100 (the loss jumps): some trials must lag
    "optimizer.learning_rate=tag(log, interval(1e-6, 100))",
    "hydra.sweeper.prune_every=10",
    "hydra.sweeper.pruner.n_startup_trials=2",
    "hydra.sweeper.pruner.n_warmup_steps=0",
]


@pytest.fixture(scope="module")
def search(tmp_path_factory, run_sweep):
    """The search with 6 trials, then the same command with 8, each into its own sweep
    folder (as two runs of the command would be)."""
    folder = tmp_path_factory.mktemp("search")
    storage = f"sqlite:///{folder / 'optuna.db'}"
    uri = e2e.store_uri(folder)
    command = [*SEARCH, f"hydra.sweeper.storage={storage}"]
    first = run_sweep([*command, "hydra.sweeper.n_trials=6"], folder, sweep_dir=folder / "first")
    assert first.returncode == 0, first.stderr
    (name,) = optuna.get_all_study_names(storage)
    trials = optuna.load_study(study_name=name, storage=storage).get_trials()
    runs = e2e.all_runs(uri)
    again = run_sweep([*command, "hydra.sweeper.n_trials=8"], folder, sweep_dir=folder / "again",
                      quiet=False)  # fmt: skip
    assert again.returncode == 0, again.stderr
    return SimpleNamespace(
        folder=folder,
        storage=storage,
        study_name=name,
        first=SimpleNamespace(trials=trials, runs=runs),
        client=e2e.client(uri),
        runs=e2e.all_runs(uri),
        again=again,
    )


def children_of(runs, sweep: str) -> list:
    return [r for r in e2e.child_runs(runs) if r.data.tags.get("nnlab.sweep_id") == sweep]


def test_the_storage_holds_every_trial_with_its_value(search):
    assert search.study_name.startswith("sgd_tpe-")  # the experiment hparams_search sets
    trials = search.first.trials
    assert [t.number for t in trials] == list(range(6))
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    assert all(t.value is not None for t in trials)
    assert set(trials[0].params) == {
        "optimizer.learning_rate", "optimizer.momentum", "schedule.decay",
    }  # fmt: skip


def test_each_trial_is_one_mlflow_run_with_its_params_and_objective(search):
    runs = {r.info.run_id: r for r in children_of(search.first.runs, "first")}
    assert len(runs) == 6
    for trial in search.first.trials:
        run = runs[trial.user_attrs["nnlab.run_id"]]
        params = run.data.params
        assert params["search.trial"] == str(trial.number)
        assert params["optimizer.name"] == "sgd"
        assert params["schedule.name"] == "inverse_time"
        for key, value in trial.params.items():
            assert float(params[key]) == value  # sampled values reach the job exactly
        assert run.info.status == "FINISHED"
        if trial.state == TrialState.COMPLETE:
            assert run.data.tags["nnlab.outcome"] == "completed"
            assert run.data.metrics["val_loss_final"] == trial.value


def test_some_trials_are_pruned_and_their_runs_say_so(search):
    pruned = [t for t in search.first.trials if t.state == TrialState.PRUNED]
    assert pruned, "the search space and pruner settings are chosen so that trials lag"
    runs = {r.info.run_id: r for r in search.first.runs}
    for trial in pruned:
        run = runs[trial.user_attrs["nnlab.run_id"]]
        assert run.data.tags["nnlab.outcome"] == "pruned"
        epochs = int(run.data.tags["nnlab.epochs_run"])
        assert epochs < EPOCHS
        assert max(trial.intermediate_values) == epochs - 1  # the report that pruned it
        assert run.data.tags["nnlab.stop_reason"].startswith(f"pruned at epoch {epochs - 1}")
        assert trial.value == trial.intermediate_values[epochs - 1]


def test_the_report_has_the_search_section_and_figures(search):
    (parent,) = [p for p in e2e.parent_runs(search.first.runs)
                 if p.data.tags["nnlab.sweep_id"] == "first"]  # fmt: skip
    artifacts = e2e.artifact_paths(search.client, parent.info.run_id)
    assert {"report/search_history.png", "report/search_params.png"} <= artifacts
    report = e2e.download(search.client, parent.info.run_id, "report/report.md").read_text()
    assert report == (search.folder / "first" / "report" / "report.md").read_text()
    section = report[report.index("## Hyper-parameter search") :]
    assert f"Optuna study `{search.study_name}`" in section
    assert "**6 trials**" in section
    assert "](search_history.png)" in section
    if "report/search_importances.png" not in artifacts:
        assert "Importances" in section  # why there are none
    study = optuna.load_study(study_name=search.study_name, storage=search.storage)
    best = min((t for t in search.first.trials if t.state == TrialState.COMPLETE),
               key=lambda t: t.value)  # fmt: skip
    assert f"**Best: trial {best.number}**" in section
    # the value and run the section names are those MLflow holds for the run that trained it,
    # and the resumed study still holds that value
    run = {r.info.run_id: r for r in search.first.runs}[best.user_attrs["nnlab.run_id"]]
    final = run.data.metrics["val_loss_final"]
    assert study.trials[best.number].value == final
    assert (
        f"**Best: trial {best.number}** with final val/loss = {final:.4g} "
        f"(run `{run.info.run_id[:8]}`)."
    ) in section
    assert "| PRUNED |" in report[: report.index("## Hyper-parameter search")]


def test_the_best_params_are_saved_beside_the_sweep(search):
    saved = yaml.safe_load((search.folder / "first" / "optimization_results.yaml").read_text())
    best = min((t for t in search.first.trials if t.state == TrialState.COMPLETE),
               key=lambda t: t.value)  # fmt: skip
    assert saved["name"] == "optuna"
    assert saved["study_name"] == search.study_name
    assert saved["best_trial"] == best.number
    assert saved["best_value"] == best.value
    assert saved["best_params"] == best.params
    assert saved["best_run_id"] == best.user_attrs["nnlab.run_id"]


def test_running_the_command_again_resumes_the_study(search):
    assert optuna.get_all_study_names(search.storage) == [search.study_name]
    trials = optuna.load_study(study_name=search.study_name, storage=search.storage).trials
    assert [t.number for t in trials] == list(range(8))
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    assert [t.params for t in trials[:6]] == [t.params for t in search.first.trials]
    first_params = [t.params for t in trials[:6]]
    assert all(t.params not in first_params for t in trials[6:]), "new trials, new draws"
    new_runs = children_of(search.runs, "again")
    assert len(new_runs) == 2
    assert len(e2e.child_runs(search.runs)) == 8
    assert {r.data.params["search.trial"] for r in new_runs} == {"6", "7"}


def test_trial_lines_and_the_summary_number_trials_alike(search):
    lines = search.again.stdout.splitlines()
    trial_lines = [line for line in lines if line.startswith("[trial ")]
    assert [line.split("]")[0] for line in trial_lines] == ["[trial 6", "[trial 7"]
    (best,) = [line for line in lines if line.startswith("search: best trial ")]
    number = int(best.split()[3].rstrip(","))
    study = optuna.load_study(study_name=search.study_name, storage=search.storage)
    assert number == study.best_trial.number
