"""The run folder is the record and MLflow its mirror: ``python -m nnlab.sync`` turns what a
killed process left into a complete run, continues a run it sent half of, and sends nothing twice;
a tracking worker whose parent is killed closes the runs it mirrored."""

import csv
import io
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from support import e2e

from nnlab import sync
from nnlab.run.folder import RunFolder
from nnlab.run.sweep import SweepFolder
from nnlab.track.mirror import Mirror
from nnlab.track.store import Store

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def start_run(folder, sweep_env, epochs: int = 400000) -> subprocess.Popen:
    """A long single run (no -m) into ``folder/run``, in a session of its own."""
    args = ["optimizer=adam", f"trainer.epochs={epochs}"]
    return subprocess.Popen(e2e.command(args, folder), cwd=folder, env=sweep_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


def wait_for_rows(folder: RunFolder, at_least: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the run ended early: {proc.stderr.read()}")
        try:
            if len(folder.history()) >= at_least and folder.mirrored_run_id():
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    pytest.fail("the run wrote no history")


def check_lost_run(uri: str, folder: RunFolder) -> None:
    """One run in the store, FAILED as "process lost", with every row its folder kept, its
    weights and its figures."""
    (run,) = e2e.all_runs(uri)
    assert run.info.status == "FAILED"
    assert run.data.tags["nnlab.error"].startswith("process lost (pid ")
    assert run.data.tags["nnlab.outcome"] == "lost"
    client = e2e.client(uri)
    stored = rows(e2e.download(client, run.info.run_id, "history.csv").read_text())
    assert stored == rows(folder.file("history.csv").read_text())
    assert len(stored) > 1000
    assert max(e2e.metric_history(client, run.info.run_id, "val/loss")) == len(stored) - 1
    with np.load(e2e.download(client, run.info.run_id, "weights.npz")) as weights:
        assert np.isfinite(weights["dense1.weights"]).all()
    assert "figures/curves.png" in e2e.artifact_paths(client, run.info.run_id)
    assert folder.info().status == "FAILED", "the folder says so too"


def test_sync_completes_a_run_whose_processes_were_killed(tmp_path, sweep_env, capsys):
    proc = start_run(tmp_path, sweep_env)
    folder = RunFolder(tmp_path / "run")
    wait_for_rows(folder, 2000, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its tracking worker, without warning
    proc.wait()
    uri = e2e.store_uri(tmp_path)
    assert [r.info.status for r in e2e.all_runs(uri)] == ["RUNNING"]
    assert sync.main([str(tmp_path)]) == 0
    assert f"sent {folder.path}" in capsys.readouterr().out
    check_lost_run(uri, folder)
    assert sync.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "nothing to send"
    assert len(e2e.all_runs(uri)) == 1


def test_the_worker_of_a_killed_run_closes_it(tmp_path, sweep_env):
    proc = start_run(tmp_path, sweep_env)
    folder = RunFolder(tmp_path / "run")
    wait_for_rows(folder, 2000, proc)
    os.kill(proc.pid, signal.SIGKILL)  # the run only: its worker sees it go
    proc.wait()
    deadline = time.monotonic() + 30
    while e2e.all_runs(e2e.store_uri(tmp_path))[0].info.status == "RUNNING":
        assert time.monotonic() < deadline, "the worker left the run RUNNING"
        time.sleep(0.5)
    check_lost_run(e2e.store_uri(tmp_path), folder)
    deadline = time.monotonic() + 10
    while e2e.group_alive(proc.pid):
        assert time.monotonic() < deadline, "the worker outlived its parent"
        time.sleep(0.2)


def test_a_sync_that_fails_half_way_continues_into_the_same_run(
    tmp_path, sweep_env, monkeypatch, capsys
):
    uri = e2e.store_uri(tmp_path)
    done = subprocess.run(
        e2e.command(["optimizer=sgd", "trainer.epochs=3000", "tracking=none"], tmp_path),
        cwd=tmp_path, env=sweep_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = RunFolder(tmp_path / "run")
    info = folder.info()  # an untracked run, sent later to a store: what an outage leaves
    info.tracking = {"uri": uri, "experiment": "nnlab", "max_points": 300, "figures": False}
    folder.write_info(info)
    upload = Store.upload

    def fail(self, run_id, path, folder=None):
        raise ConnectionError("store went away")

    monkeypatch.setattr(Store, "upload", fail)  # after the points were sent
    assert sync.main([str(folder.path)]) == 1
    assert "store went away" in capsys.readouterr().err
    (run,) = e2e.all_runs(uri)
    assert run.info.status == "RUNNING"
    monkeypatch.setattr(Store, "upload", upload)
    assert sync.main([str(folder.path)]) == 0
    (synced,) = e2e.all_runs(uri)
    assert synced.info.run_id == run.info.run_id
    assert synced.info.status == "FINISHED"
    client = e2e.client(uri)
    history = folder.history()
    for key in ("train/loss", "val/loss", "lr"):
        logged = e2e.metric_history(client, run.info.run_id, key)  # fails on a point sent twice
        column = dict(zip(history.epochs, history.metrics[key], strict=True))
        assert all(column[step] == value for step, value in logged.items()), key
        assert min(logged.values()) == min(column.values()), key
        assert max(logged) == 2999, key
    summary = e2e.metric_history(client, run.info.run_id, "val_loss_final")
    assert summary == {0: history.last("val/loss")}


def test_sync_of_a_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert sync.main([str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_sync_command_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nnlab.sync", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "nothing to send"


def test_a_job_folder_made_during_a_pass_waits_for_the_next_pass(tmp_path, run_sweep, monkeypatch):
    """A search starts its next trial while the tracker passes over the sweep: a job folder
    that appeared after the pass looked for folders is mirrored by the next pass, and the
    store is not taken for failed (which held back every run for ``RETRY_SECONDS``)."""
    uri = e2e.store_uri(tmp_path)
    done = run_sweep(["-m", "trainer.seed=0,1", "trainer.epochs=50", "tracking=none"], tmp_path)
    assert done.returncode == 0, done.stderr
    sweep = SweepFolder(tmp_path / "sweep")
    info = sweep.info()  # an untracked sweep, sent later to a store
    info.tracking = {"uri": uri, "experiment": "nnlab", "max_points": 300, "figures": False}
    sweep.write_info(info)
    for folder in sweep.runs():
        run = folder.info()
        run.tracking = info.tracking
        folder.write_info(run)
    late = sweep.runs()[1].path
    discover = Mirror._discover

    def discover_before_the_last_job(self):  # the second job's folder is made after this
        discover(self)
        self.runs.pop(late, None)

    mirror = Mirror()
    mirror.watch(sweep.path)
    monkeypatch.setattr(Mirror, "_discover", discover_before_the_last_job)
    assert not mirror.step()
    assert mirror.notes == {}
    assert mirror._down == {}
    monkeypatch.setattr(Mirror, "_discover", discover)
    assert mirror.step()
    runs = e2e.all_runs(uri)
    assert sorted(r.info.status for r in runs) == ["FINISHED"] * 3
    assert len(e2e.child_runs(runs)) == 2
