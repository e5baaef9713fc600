"""The named studies, in miniature (few epochs), run as a user runs them; their reproducibility
across runs and launchers; and ``python -m nnlab.reproduce`` on a run that matches and on one
whose recorded history was tampered with."""

import subprocess
import sys
from pathlib import Path

import pytest
from support import e2e

from nnlab import reproduce
from nnlab.paths import REPO_ROOT
from nnlab.run.folder import RunFolder

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow

EPOCHS = 15
STUDIES = {
    "optimizers": (
        "optimizers",
        [f"method={m}" for m in
         ("sgd", "sgd_decay", "sgd_decay_momentum", "adagrad", "rmsprop", "adam")],
    ),
    "decay": (
        "decay",
        ["method=decay/constant"]
        + [f"method=decay/{s}_{d}" for s in ("inverse_time", "exponential", "step", "cosine")
           for d in ("1e-4", "1e-3", "1e-2")],
    ),
    "momentum": ("momentum", [f"optimizer.momentum={m}" for m in ("0", "0.5", "0.9", "0.95")]),
    "random_vs_gradient": (
        "random_vs_gradient",
        [f"dataset={d},method={m}" for d in ("vertical", "spiral")
         for m in ("random_search", "hill_climb", "sgd_decay_momentum", "adam")],
    ),
    "seeds": (
        "seeds",
        [f"method={m},trainer.seed={s}"
         for m in ("sgd", "sgd_decay", "sgd_decay_momentum", "adagrad", "rmsprop", "adam")
         for s in range(5)],
    ),
}  # fmt: skip


def run_study(run_sweep, folder: Path, name: str, *extra: str):
    study = folder / "study"
    study.mkdir(exist_ok=True)
    (study / "README.md").write_text(f"# {name}\n\nThe question.\n")
    args = ["-m", f"experiment={name}", f"trainer.epochs={EPOCHS}", f"study.folder={study}"]
    proc = run_sweep([*args, *extra], folder, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return study


@pytest.mark.parametrize("name", list(STUDIES))
def test_each_study_runs_end_to_end(name, tmp_path, store, run_sweep):
    experiment, names = STUDIES[name]
    study = run_study(run_sweep, tmp_path, name)
    mlflow = e2e.client(store)
    found = mlflow.get_experiment_by_name(experiment)
    assert found is not None, f"the study's runs belong in experiment {experiment!r}"
    runs = e2e.all_runs(store)
    (parent,) = e2e.parent_runs(runs)
    children = e2e.child_runs(runs)
    assert sorted(r.info.run_name for r in children) == sorted(names)
    assert {r.info.status for r in children} == {"FINISHED"}
    assert {r.info.experiment_id for r in runs} == {found.experiment_id}
    for child in children:
        history = e2e.metric_history(mlflow, child.info.run_id, "train/loss")
        assert sorted(history) == list(range(EPOCHS))
    results = study / "results"
    assert (results / "report.md").exists()
    assert len((results / "runs.csv").read_text().splitlines()) == len(names) + 1
    pngs = sorted(results.glob("*.png"))
    assert pngs, "the report draws figures"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    readme = (study / "README.md").read_text()
    assert readme.startswith(f"# {name}\n\nThe question.")
    assert "## Results" in readme
    assert f"python run.py -m experiment={name}" in readme
    for label in {n.split(",")[0].split(".")[-1] for n in names}:
        assert label in readme
    assert f"report/{pngs[0].name}" in e2e.artifact_paths(mlflow, parent.info.run_id)
    if name == "seeds":
        assert (results / "groups.csv").exists()
        assert len(list(results.glob("seeds_*.png"))) >= 4


def test_every_study_has_a_folder_with_its_question():
    for name in STUDIES:
        readme = REPO_ROOT / "experiments" / name / "README.md"
        assert "**Question.**" in readme.read_text(), readme
        assert (REPO_ROOT / "conf" / "experiment" / f"{name}.yaml").exists()


def histories(store: str) -> dict[str, dict[str, dict[int, float]]]:
    """Every metric history of every training run, by run name."""
    mlflow = e2e.client(store)
    found = {}
    for run in e2e.child_runs(e2e.all_runs(store)):
        found[run.info.run_name] = {
            key: e2e.metric_history(mlflow, run.info.run_id, key) for key in run.data.metrics
        }
    return found


def test_a_study_gives_the_same_numbers_twice_and_under_joblib(tmp_path, run_sweep):
    first, second, parallel = tmp_path / "first", tmp_path / "second", tmp_path / "joblib"
    for folder in (first, second, parallel):
        folder.mkdir()
    run_study(run_sweep, first, "momentum", "trainer.batch_size=64")
    run_study(run_sweep, second, "momentum", "trainer.batch_size=64")
    run_study(
        run_sweep, parallel, "momentum", "trainer.batch_size=64", "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
    )  # fmt: skip
    expected = histories(e2e.store_uri(first))
    assert len(expected) == 4
    assert histories(e2e.store_uri(second)) == expected
    assert histories(e2e.store_uri(parallel)) == expected


def reproduce_command(run_id: str, store: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnlab.reproduce", run_id, "--uri", store, *flags],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_reproduce_matches_and_catches_a_tampered_history(tmp_path, store, run_sweep):
    proc = run_sweep(
        ["-m", "method=adam", "trainer.epochs=30", "trainer.batch_size=50", "model.dropout=0.1"],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (run,) = e2e.child_runs(e2e.all_runs(store))
    folder = e2e.job_folder(tmp_path / "sweep", 0)
    # the tree may hold uncommitted work while developing: --force skips the provenance check,
    # which test_reproduce_refuses_other_code covers
    for which in (run.info.run_id, str(folder)):
        matched = reproduce_command(which, store, "--force")
        assert matched.returncode == 0, matched.stdout + matched.stderr
        assert "reproduced exactly: 5 metrics x 30 epochs" in matched.stdout

    history = folder / "history.csv"
    lines = history.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[12].split(",")
    column = header.index("val/accuracy")
    row[column] = repr(float(row[column]) + 1e-12)
    lines[12] = ",".join(row)
    history.write_text("\n".join(lines) + "\n")
    differs = reproduce_command(run.info.run_id, store, "--force")
    assert differs.returncode == 1
    assert differs.stdout.startswith("DIFFERS: val/accuracy at epoch 11:")
    assert RunFolder(folder).history().metrics["val/accuracy"][11] == float(row[column])

    # with the folder gone, the run's copy in the store is read (untouched)
    folder.rename(tmp_path / "elsewhere")
    matched = reproduce_command(run.info.run_id, store, "--force")
    assert matched.returncode == 0, matched.stdout + matched.stderr


def test_reproduce_refuses_other_code(monkeypatch):
    monkeypatch.setattr(reproduce.provenance, "git_state", lambda folder: ("abc123def456", False))
    monkeypatch.setattr(
        reproduce.provenance, "versions", lambda: {"python": "3.11.7", "numpy": "2.4.6"}
    )
    same = {"mlflow.source.git.commit": "abc123def456", "nnlab.git_dirty": "false",
            "nnlab.version.numpy": "2.4.6", "nnlab.version.python": "3.11.7"}  # fmt: skip
    assert reproduce.provenance_differences(same) == []
    other = {**same, "mlflow.source.git.commit": "fff000", "nnlab.version.numpy": "2.3.0",
             "nnlab.git_dirty": "true"}  # fmt: skip
    differences = reproduce.provenance_differences(other)
    assert differences == [
        "it was recorded at git commit fff000, this checkout is at abc123def456",
        "it was recorded from a tree with uncommitted changes",
        "it was recorded with numpy 2.3.0 (here 2.4.6)",
    ]


def test_reproduce_says_which_run_is_unknown(tmp_path, store, run_sweep):
    proc = run_sweep(["-m", "trainer.epochs=5"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    unknown = "0123456789abcdef" * 2
    missing = reproduce_command(unknown, store)
    assert missing.returncode == 2
    assert e2e.error_lines(missing.stderr) == [f"error: no run {unknown} in {store[10:]}"]
