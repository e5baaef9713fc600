"""Signals and kills at every level of a sweep run by joblib, and a sweep killed outright: no
run is left RUNNING, no process outlives the command by more than a few seconds, and every run
keeps the epochs it trained."""

import os
import signal
import subprocess
import time
from types import SimpleNamespace

import pytest
from support import e2e

from nnlab.run.sweep import SweepFolder

pytestmark = pytest.mark.slow
JOBLIB = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]
LONG = ["-m", "optimizer=sgd,adam,adagrad,rmsprop", "trainer.epochs=300000"]


def start(folder, sweep_env, args) -> subprocess.Popen:
    return subprocess.Popen(e2e.command(args, folder, quiet=False), cwd=folder, env=sweep_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


def wait_until_training(folder, proc, jobs: int) -> None:
    """Until ``jobs`` runs have written some history and their MLflow runs exist."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        runs = SweepFolder(folder / "sweep").runs() if (folder / "sweep").is_dir() else []
        if len([r for r in runs if len(r.history()) > 500 and r.mirrored_run_id()]) >= jobs:
            return
        time.sleep(0.2)
    pytest.fail("the jobs did not start training")


def ended(folder, proc, timeout: float = 60) -> SimpleNamespace:
    """Wait for the command and every process of its group; what they left."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stdout, stderr = "", ""
    deadline = time.monotonic() + 20
    while e2e.group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    leftover = e2e.group_alive(proc.pid)
    if leftover:
        os.killpg(proc.pid, signal.SIGKILL)
    runs = e2e.all_runs(e2e.store_uri(folder))
    return SimpleNamespace(
        proc=proc, stdout=stdout, stderr=stderr, leftover=leftover,
        children=e2e.child_runs(runs), parents=e2e.parent_runs(runs),
    )  # fmt: skip


def check_nothing_running(left: SimpleNamespace, folder, child_status: str) -> None:
    assert not left.leftover, "a process of the command outlived it"
    assert left.children, "the runs that trained are in the store"
    assert {r.info.status for r in left.children} == {child_status}
    assert all(r.info.status != "RUNNING" for r in left.parents)
    for run in left.children:  # every epoch the folder kept is in the store's copy of it
        rows = e2e.download(e2e.client(e2e.store_uri(folder)), run.info.run_id, "history.csv")
        assert len(rows.read_text().splitlines()) > 500


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupting_a_joblib_sweep_kills_its_runs(tmp_path, sweep_env, signum):
    proc = start(tmp_path, sweep_env, [*LONG, *JOBLIB])
    wait_until_training(tmp_path, proc, 2)
    os.killpg(proc.pid, signum)  # as a terminal does: the whole group
    left = ended(tmp_path, proc)
    check_nothing_running(left, tmp_path, "KILLED")
    (parent,) = left.parents
    assert parent.info.status == "KILLED"
    assert left.stdout.count("KILLED") >= 2, "each job says how it ended"
    assert left.proc.returncode == 128 + signum
    assert left.stderr.splitlines() == [  # one line, no traceback
        f"interrupted: {len(left.children)} runs KILLED, record in {tmp_path / 'sweep'} "
        "(resume: run the same command again)"
    ]


def test_killing_a_joblib_sweeps_process_stops_its_workers(tmp_path, sweep_env):
    proc = start(tmp_path, sweep_env, [*LONG, *JOBLIB])
    wait_until_training(tmp_path, proc, 2)
    os.kill(proc.pid, signal.SIGKILL)  # the sweep's own process only
    left = ended(tmp_path, proc)
    check_nothing_running(left, tmp_path, "KILLED")
    assert {r.data.tags["nnlab.error"].split(" (")[0] for r in left.children} == {
        "the sweep's process is gone"
    }
    (parent,) = left.parents
    assert parent.info.status == "FAILED"
    assert parent.data.tags["nnlab.error"] == "process lost"


def test_the_next_command_on_a_store_closes_the_runs_of_a_killed_sweep(tmp_path, sweep_env):
    """Everything killed at once (the sweep and its tracking worker): its run stays RUNNING in
    the store until the next command that uses the store on this machine closes it."""
    proc = start(tmp_path, sweep_env, LONG)
    wait_until_training(tmp_path, proc, 1)
    os.killpg(proc.pid, signal.SIGKILL)
    ended(tmp_path, proc)
    before = e2e.all_runs(e2e.store_uri(tmp_path))
    assert "RUNNING" in {r.info.status for r in before}
    command = e2e.command(["-m", "trainer.epochs=5"], tmp_path, sweep_dir=tmp_path / "later")
    later = subprocess.run(command, cwd=tmp_path, env=sweep_env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert later.returncode == 0, later.stderr
    runs = {r.info.run_id: r for r in e2e.all_runs(e2e.store_uri(tmp_path))}
    for run in before:
        closed = runs[run.info.run_id]
        assert closed.info.status == "FAILED", closed.info.run_name
        assert closed.data.tags["nnlab.error"].startswith("process lost")
