"""The store and the disk fail: a damaged or deleted database, damaged run folders, two sweeps
started in the same second, a full disk, a learning rate that overflows. One line says what
happened, no run is left RUNNING, and what the folders hold reaches the store (now, or with
``nnlab.sync`` once the fault is gone)."""

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from support import e2e

from nnlab.run.folder import RunFolder

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow


def run_py(args, folder, sweep_env, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(e2e.command(args, folder, **kwargs), cwd=folder, env=sweep_env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def sync(*folders) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlab.sync", *map(str, folders)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def statuses(uri: str) -> list[str]:
    return sorted(r.info.status for r in e2e.all_runs(uri))


@pytest.mark.parametrize("damage", ["truncated", "random bytes"])
def test_a_damaged_database_stops_the_next_sweep_before_training(tmp_path, sweep_env, damage):
    first = run_py(["-m", "optimizer=sgd,adam", "trainer.epochs=300"], tmp_path, sweep_env)
    assert first.returncode == 0, first.stderr
    database = tmp_path / "mlflow.db"
    data = bytearray(database.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # into the middle of the file, where the runs' pages are
        data[len(data) // 2 : len(data) // 2 + 4096] = np.random.default_rng(0).bytes(4096)
    database.write_bytes(bytes(data))
    again = run_py(["-m", "optimizer=sgd", "trainer.epochs=300"], tmp_path, sweep_env,
                   sweep_dir=tmp_path / "again")  # fmt: skip
    assert again.returncode == 3, again.stderr
    (line,) = e2e.error_lines(again.stderr)
    assert "is damaged" in line, line
    assert not (tmp_path / "again").exists()


@pytest.mark.slow
def test_a_database_deleted_mid_sweep_is_said_and_synced_later(tmp_path, sweep_env):
    command = e2e.command(["-m", "optimizer=sgd,adam,adagrad", "trainer.epochs=30000"], tmp_path)
    proc = subprocess.Popen(command, cwd=tmp_path, env=sweep_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    database = tmp_path / "mlflow.db"
    deadline = time.monotonic() + 60
    while not any(f.mirrored_run_id() for f in map(RunFolder, (tmp_path / "sweep").glob("0_*"))):
        assert time.monotonic() < deadline, "the first run never reached the store"
        time.sleep(0.2)
    database.unlink()
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 3, stderr
    assert "Traceback" not in stderr
    assert [line for line in e2e.error_lines(stderr) if line.startswith("error:")] == [
        f"error: not everything reached {e2e.store_uri(tmp_path)}; send it later with: "
        f"python -m nnlab.sync {tmp_path / 'sweep'}"
    ]
    synced = sync(tmp_path / "sweep")
    assert synced.returncode == 0, synced.stderr
    uri = e2e.store_uri(tmp_path)
    assert statuses(uri) == ["FINISHED"] * 4, "the three runs and their sweep, once each"
    for run in e2e.child_runs(e2e.all_runs(uri)):
        points = e2e.metric_history(e2e.client(uri), run.info.run_id, "train/loss")
        assert max(points) == 29999


def test_damaged_folders_are_reported_and_the_others_synced(tmp_path, sweep_env):
    done = run_py(["-m", "optimizer=sgd,adam,adagrad,rmsprop", "trainer.epochs=200",
                   "tracking=none"], tmp_path, sweep_env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    folders = sorted((tmp_path / "sweep").glob("[0-9]_*"))
    uri = e2e.store_uri(tmp_path)
    for folder in folders:  # sent later, to a store, as after an outage
        record = RunFolder(folder)
        info = record.info()
        info.tracking = {"uri": uri, "experiment": "nnlab", "max_points": 300, "figures": False}
        record.write_info(info)
    (folders[0] / "run.json").write_bytes(np.random.default_rng(1).bytes(300))
    with open(folders[1] / "history.csv", "a") as handle:
        handle.write("7,garbage\nnot,a,row\n")
    (folders[2] / "mirror.json").write_bytes(b"\x00\xff garbage")
    synced = sync(*folders)
    assert synced.returncode == 1, synced.stdout + synced.stderr
    errors = e2e.error_lines(synced.stderr)
    assert len(errors) == 2, synced.stderr
    assert str(folders[0]) in "".join(errors)
    assert str(folders[1]) in "".join(errors)
    runs = {r.info.run_name: r for r in e2e.all_runs(uri)}
    assert runs["optimizer=adagrad"].info.status == "FINISHED"
    assert runs["optimizer=rmsprop"].info.status == "FINISHED"
    assert runs["optimizer=adam"].info.status == "FAILED", "a damaged history ends its run"
    assert "record damaged" in runs["optimizer=adam"].data.tags["nnlab.error"]
    assert "optimizer=sgd" not in runs, "an unreadable record is not guessed at"


def test_two_sweeps_started_in_the_same_second_keep_their_own_folders(tmp_path, sweep_env):
    """Their default folders, ``multirun/<date>_<time>-<random>``, differ."""
    commands = [
        [sys.executable, str(e2e.REPO / "run.py"), "-m", f"optimizer={name}",
         "trainer.epochs=100", "tracking=none", "quiet=true"]
        for name in ("sgd", "adam")
    ]  # fmt: skip
    procs = [subprocess.Popen(c, cwd=tmp_path, env=sweep_env, stderr=subprocess.PIPE, text=True)
             for c in commands]  # fmt: skip
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    sweeps = sorted((tmp_path / "multirun").iterdir())
    assert len(sweeps) == 2
    names = [[f.info().name for f in map(RunFolder, s.glob("0_*"))] for s in sweeps]
    assert sorted(map(len, names)) == [1, 1], "one job in each"


def full_disk(folder):
    """A context in which ``folder`` lies on a 2 MiB file system (a tmpfs, where this user may
    mount one); ``None`` where it cannot, and writes are limited by ``RLIMIT_FSIZE`` instead."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
                             capture_output=True)  # fmt: skip
    return folder if mounted.returncode == 0 else None


def limited_files():
    """In the child: writes beyond 2 MiB fail with EFBIG (the signal that would kill it,
    ignored), as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2 << 20, 2 << 20))


def test_a_full_disk_fails_the_run_with_what_it_has_and_stops_the_sweep(tmp_path, sweep_env):
    disk = tmp_path / "disk"
    mounted = full_disk(disk)
    try:
        command = e2e.command(["-m", "optimizer=sgd,adam", "trainer.epochs=200000"], tmp_path,
                              sweep_dir=disk / "sweep")  # fmt: skip
        limit = None if mounted else limited_files
        proc = subprocess.run(command, cwd=tmp_path, env=sweep_env, capture_output=True, text=True,
                              timeout=300, preexec_fn=limit)  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        (line,) = e2e.error_lines(proc.stderr)
        assert line.startswith("error: cannot write the record of optimizer=sgd"), line
        (folder,) = (disk / "sweep").glob("*_optimizer=*")
        assert "sgd" in folder.name, "the second job never started"
        if mounted:
            assert RunFolder(folder).info().status == "FAILED"
            uri = e2e.store_uri(tmp_path)
            assert statuses(uri) == ["FAILED", "FAILED"], "the run and its sweep"
            (run,) = e2e.child_runs(e2e.all_runs(uri))
            stored = e2e.download(e2e.client(uri), run.info.run_id, "history.csv")
            assert len(stored.read_text().splitlines()) > 1000, "what it had reached the store"
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)
        with contextlib.suppress(OSError):
            shutil.rmtree(disk)


def test_a_learning_rate_that_overflows_fails_the_run_and_leaves_nothing_running(
    tmp_path, sweep_env
):
    proc = run_py(["optimizer.learning_rate=1e308", "trainer.epochs=50"], tmp_path, sweep_env)
    assert proc.returncode == 1, proc.stderr
    assert e2e.error_lines(proc.stderr)[-1].startswith("error: run FAILED: non-finite train/loss")
    (run,) = e2e.all_runs(e2e.store_uri(tmp_path))
    assert run.info.status == "FAILED"
    assert "non-finite" in run.data.tags["nnlab.error"]
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "FAILED"
    assert os.path.exists(tmp_path / "run" / "history.csv")
