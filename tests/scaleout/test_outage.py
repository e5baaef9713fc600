"""The tracking server goes away in the middle of a sweep: training goes on, what could not be
sent waits in the run folders, and ``python -m nnlab.sync`` sends it later as the same runs.
The server is a real ``mlflow server`` (on SQLite, so no PostgreSQL is needed) that the test
stops and starts again on the same database."""

import subprocess
import sys
import time

import pytest
from support import e2e
from support.server import Server

from nnlab.run.folder import RunFolder

EPOCHS = 40000  # several seconds per job: the server goes away while one trains


@pytest.fixture
def server(tmp_path):
    running = Server(tmp_path / "server")
    running.folder.mkdir()
    running.start()
    yield running
    running.stop()


def children(uri: str) -> list:
    return e2e.child_runs(e2e.all_runs(uri))


def wait_for_points(uri: str, timeout: float = 60) -> None:
    mlflow = e2e.client(uri)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = children(uri)
        if runs and mlflow.get_metric_history(runs[0].info.run_id, "train/loss"):
            return
        time.sleep(0.2)
    raise AssertionError("no metric points arrived")


def check_points(uri: str, run, folder: RunFolder, key: str = "train/loss") -> None:
    """MLflow has the history's extremes and last value of ``key``, each at its own epoch."""
    history = folder.history()
    column = dict(zip(history.epochs, history.metrics[key], strict=True))
    logged = e2e.metric_history(e2e.client(uri), run.info.run_id, key)
    assert all(column[step] == value for step, value in logged.items())
    assert (min(logged.values()), max(logged.values())) == (
        min(column.values()),
        max(column.values()),
    )
    assert max(logged) == EPOCHS - 1


@pytest.mark.slow
def test_server_outage_mid_sweep_then_sync(tmp_path, server, sweep_env):
    args = ["-m", "optimizer=sgd,adagrad,adam", f"trainer.epochs={EPOCHS}",
            "tracking.max_points=200"]  # fmt: skip
    command = e2e.command(args, tmp_path, uri=server.uri)
    env = {**sweep_env, "NNLAB_TRACKING_RETRY_SECONDS": "1000"}  # keep everything for sync
    sweep = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for_points(server.uri)
    server.stop()  # the first job is training
    stdout, stderr = sweep.communicate(timeout=300)
    # every job trains to the end; the command says what waits to be sent, and how
    assert sweep.returncode == 3, stderr
    assert "python -m nnlab.sync" in stderr
    folders = [RunFolder(p.parent) for p in sorted((tmp_path / "sweep").glob("*/run.json"))]
    assert len(folders) == 3
    for folder in folders:
        assert folder.info().status == "FINISHED"
        assert len(folder.history()) == EPOCHS

    server.start()
    assert all(run.info.status == "RUNNING" for run in children(server.uri))
    sync = subprocess.run([sys.executable, "-m", "nnlab.sync", str(tmp_path / "sweep")],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert sync.returncode == 0, sync.stderr
    synced = {run.info.run_name: run for run in children(server.uri)}
    assert len(synced) == 3, "one run per job, none twice"
    mlflow = e2e.client(server.uri)
    for folder in folders:
        run = synced[folder.info().name]
        assert run.info.status == "FINISHED"
        check_points(server.uri, run, folder)
        stored = e2e.artifact_paths(mlflow, run.info.run_id)
        assert {"history.csv", "weights.npz", "figures/decision_boundary.png"} <= stored
    (parent,) = e2e.parent_runs(e2e.all_runs(server.uri))
    assert parent.info.status == "FINISHED"
    assert "report/report.md" in e2e.artifact_paths(mlflow, parent.info.run_id)
    again = subprocess.run([sys.executable, "-m", "nnlab.sync", str(tmp_path / "sweep")],
                           capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert again.stdout.strip() == "nothing to send"

    # the same command again resumes: every job is skipped, no run is made
    rerun = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=300)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    assert len(children(server.uri)) == 3


@pytest.mark.slow
def test_a_short_outage_is_caught_up_without_sync(tmp_path, server, sweep_env):
    args = ["-m", "optimizer=adam", "trainer.epochs=150000", "tracking.max_points=300"]
    command = e2e.command(args, tmp_path, uri=server.uri)
    env = {**sweep_env, "NNLAB_TRACKING_RETRY_SECONDS": "1"}
    sweep = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for_points(server.uri)
    server.stop()
    time.sleep(2)
    server.start()
    stdout, stderr = sweep.communicate(timeout=300)
    assert sweep.returncode == 0, stderr
    assert "nnlab.sync" not in stderr
    (run,) = children(server.uri)
    assert run.info.status == "FINISHED"
    history = e2e.metric_history(e2e.client(server.uri), run.info.run_id, "train/loss")
    assert max(history) == 149999
    assert 250 <= len(history) <= 301, "the points of the outage were sent when it ended"
