"""End to end: a two-job sweep into a temporary MLflow store, then ``python -m nnlab.report``."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

RUN_PY = Path(__file__).resolve().parents[2] / "run.py"


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "MLFLOW_TRACKING_URI"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, str]:
    """A finished sweep of SGD and Adam: its folder and tracking URI."""
    root = tmp_path_factory.mktemp("sweep")
    uri = f"sqlite:///{root}/mlflow.db"
    done = run(
        [
            str(RUN_PY),
            "-m",
            "optimizer=sgd,adam",
            "trainer.epochs=30",
            f"tracking.uri={uri}",
            f"hydra.sweep.dir={root}/sweep",
        ],
        cwd=root,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root, uri


def report_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """``python -m nnlab.report ARGS`` in this process (MLflow imported once): its exit status,
    stdout and stderr."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["nnlab.report", *args])
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        with pytest.raises(SystemExit) as exited:
            runpy.run_module("nnlab.report", run_name="__main__", alter_sys=True)
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def test_report_of_a_sweep(sweep, capsys):
    root, uri = sweep
    out = root / "out"
    args = ["--sweep", "sweep", "--uri", uri, "--out", str(out)]
    status, stdout, stderr = report_cli(args, capsys)
    assert status == 0, stderr
    assert stdout.strip().splitlines()[-1] == str(out / "report.md")
    text = (out / "report.md").read_text()
    assert text.startswith("# sweep sweep\n")
    assert "**2 runs**: 2 finished, 0 skipped, 0 failed, 0 killed" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert {line.split(" | ")[1] for line in table[1:]} == {"optimizer=sgd", "optimizer=adam"}
    for name in (
        "curves_train_loss.png",
        "curves_val_loss.png",
        "curves_train_accuracy.png",
        "curves_val_accuracy.png",
        "curves_lr.png",
        "decision_regions.png",
    ):
        assert (out / name).stat().st_size > 1000
        assert f"]({name})" in text
    assert len((out / "runs.csv").read_text().splitlines()) == 3
    # the sweep itself wrote its report into its folder
    assert "optimizer=adam" in (root / "sweep" / "report" / "report.md").read_text()


def test_unknown_sweep_is_one_line_and_status_2(sweep, capsys):
    _, uri = sweep
    status, stdout, stderr = report_cli(["--sweep", "no-such-sweep", "--uri", uri], capsys)
    assert status == 2
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no sweep 'no-such-sweep'")


def test_unknown_experiment_and_run(sweep, capsys):
    _, uri = sweep
    status, _, stderr = report_cli(["--experiment", "nope", "--uri", uri], capsys)
    assert status == 2
    assert stderr.startswith("error: no experiment 'nope'")
    status, _, stderr = report_cli(["--runs", "0123abcd" * 4, "--uri", uri], capsys)
    assert status == 2
    assert stderr.startswith(f"error: no run {'0123abcd' * 4}")
