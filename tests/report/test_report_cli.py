"""End to end: a two-job sweep into a temporary MLflow store, then ``python -m nnlab.report``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parents[2] / "run.py"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "MLFLOW_TRACKING_URI"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, str]:
    """A finished sweep of SGD and Adam: its folder and tracking URI."""
    root = tmp_path_factory.mktemp("sweep")
    uri = f"sqlite:///{root}/mlflow.db"
    done = run([str(RUN_PY), "-m", "optimizer=sgd,adam", "trainer.epochs=30",
                f"tracking.uri={uri}", f"hydra.sweep.dir={root}/sweep"], cwd=root)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return root, uri


def test_report_of_a_sweep(sweep):
    root, uri = sweep
    out = root / "out"
    done = run(["-m", "nnlab.report", "--sweep", "sweep", "--uri", uri, "--out", str(out)], root)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == str(out / "report.md")
    text = (out / "report.md").read_text()
    assert text.startswith("# sweep sweep\n")
    assert "**2 runs**: 2 finished, 0 skipped, 0 failed, 0 killed" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert {line.split(" | ")[1] for line in table[1:]} == {"optimizer=sgd", "optimizer=adam"}
    for name in ("curves_train_loss.png", "curves_val_loss.png", "curves_train_accuracy.png",
                 "curves_val_accuracy.png", "curves_lr.png", "decision_regions.png"):  # fmt: skip
        assert (out / name).stat().st_size > 1000
        assert f"]({name})" in text
    assert len((out / "runs.csv").read_text().splitlines()) == 3
    # the sweep itself wrote its report into its folder
    assert "optimizer=adam" in (root / "sweep" / "report" / "report.md").read_text()


def test_unknown_sweep_is_one_line_and_status_2(sweep):
    root, uri = sweep
    done = run(["-m", "nnlab.report", "--sweep", "no-such-sweep", "--uri", uri], root)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no sweep 'no-such-sweep'")


def test_unknown_experiment_and_run(sweep, capsys):
    from nnlab.report.__main__ import main

    root, uri = sweep
    assert main(["--experiment", "nope", "--uri", uri]) == 2
    assert main(["--runs", "0123abcd", "--uri", uri]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("error: no experiment 'nope'")
    assert lines[1].startswith("error: no run 0123abcd")
