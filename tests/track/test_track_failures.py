"""End to end: how runs that do not train to the end are recorded. A job that raises is FAILED
with its error and traceback while the sweep goes on; a non-finite loss is FAILED; an early stop
is FINISHED; Ctrl-C and SIGTERM leave the run and its sweep KILLED with the metrics logged so
far, and end the command with one line saying so, not a traceback."""

import csv
import io
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pytest
from support import e2e

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow


def rows_of(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def by_run_name(runs) -> dict:
    return {run.info.run_name: run for run in e2e.child_runs(runs)}


def recorded(proc, folder) -> SimpleNamespace:
    """What a sweep into ``folder`` left: the command's result, a client of its store, the
    parent runs, the jobs' runs by name and the sweep folder."""
    uri = e2e.store_uri(folder)
    runs = e2e.all_runs(uri)
    return SimpleNamespace(
        proc=proc,
        client=e2e.client(uri),
        parents=e2e.parent_runs(runs),
        children=by_run_name(runs),
        sweep_dir=folder / "sweep",
    )


# --- a job that raises -------------------------------------------------------------------------

RAISING = "+callbacks.boom.epoch=5"
CLEAN = "+callbacks.boom.epoch=1000"


@pytest.fixture(scope="module")
def raising(tmp_path_factory, run_sweep):
    """Two jobs with a callback that raises at epoch 5: in the first job only (the second job's
    20 epochs never reach epoch 1000)."""
    folder = tmp_path_factory.mktemp("raising")
    proc = run_sweep(
        [
            "-m",
            "+callbacks.boom._target_=support.failing.RaiseAt",
            "+callbacks.boom.epoch=5,1000",
            "trainer.epochs=20",
        ],
        folder,
    )
    return recorded(proc, folder)


def test_raising_job_fails_the_command_at_the_end(raising):
    proc = raising.proc
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in e2e.error_lines(proc.stderr) if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("error: 1 of 2 jobs failed: ")
    assert f"job 1 ({RAISING})" in errors[0]
    assert "boom at epoch 5" in errors[0]


def test_raising_job_is_failed_with_error_and_traceback(raising):
    run = raising.children[RAISING]
    assert run.info.status == "FAILED"
    assert "Boom: boom at epoch 5" in run.data.tags["nnlab.error"]
    assert run.data.tags["mlflow.parentRunId"] == raising.parents[0].info.run_id
    details = e2e.download(raising.client, run.info.run_id, "error.txt").read_text()
    assert "Traceback (most recent call last)" in details
    assert "support.failing.Boom: boom at epoch 5" in details


def test_raising_job_keeps_metrics_up_to_the_failure(raising):
    run_id = raising.children[RAISING].info.run_id
    for key in ("train/loss", "train/accuracy", "val/loss"):
        steps = set(e2e.metric_history(raising.client, run_id, key))
        assert set(range(5)) <= steps <= set(range(6)), (key, sorted(steps))


def test_other_job_finishes(raising):
    run = raising.children[CLEAN]
    assert run.info.status == "FINISHED"
    assert "nnlab.error" not in run.data.tags
    steps = e2e.metric_history(raising.client, run.info.run_id, "train/loss")
    assert sorted(steps) == list(range(20))
    assert len(rows_of(e2e.job_folder(raising.sweep_dir, 1) / "history.csv")) == 20


def test_parent_counts_the_failure(raising):
    (parent,) = raising.parents
    assert parent.data.tags["nnlab.jobs_failed"] == "1"
    assert parent.data.tags["nnlab.jobs_finished"] == "1"
    assert RAISING in parent.data.tags["nnlab.failed_jobs"]


def test_failed_job_is_linked_from_the_parent(raising):
    """The parent's list of runs (and so its report) names the failed job's run, which exists
    in the store: a FAILED run is the one a user most needs to find."""
    (parent,) = raising.parents
    listed = {job["name"]: job for job in e2e.sweep_runs_json(raising.client, parent.info.run_id)}
    assert listed[RAISING]["status"] == "FAILED"
    assert listed[RAISING]["run_id"] == raising.children[RAISING].info.run_id


# --- a non-finite loss, and an early stop --------------------------------------------------------

EPOCHS, MAX_POINTS = 40, 4  # a metric's least and greatest value of each 20 epochs, and its last
DIVERGING = "+callbacks.stop.patience=1000"
STOPPING = "+callbacks.stop.patience=3"


@pytest.fixture(scope="module")
def unstable(tmp_path_factory, run_sweep):
    """SGD at rate 1e6 on the sine regression: the loss grows ~1e12-fold an epoch until it
    overflows (around epoch 25). With an early stop of patience 3 on val/loss, the second job
    stops at epoch 3 instead."""
    folder = tmp_path_factory.mktemp("unstable")
    proc = run_sweep(
        [
            "-m",
            "dataset=sine",
            "optimizer.learning_rate=1e6",
            f"trainer.epochs={EPOCHS}",
            f"tracking.max_points={MAX_POINTS}",
            "+callbacks.stop._target_=nnlab.train.EarlyStopping",
            "+callbacks.stop.min_delta=1e-9",
            "+callbacks.stop.patience=1000,3",
        ],
        folder,
    )
    return recorded(proc, folder)


def check_points(client, run_id: str, key: str, rows: list[dict]) -> None:
    """The points MLflow has of ``key``: at most about ``MAX_POINTS``, each equal to the
    history's value at its epoch, and the history's minimum, maximum and last value among them."""
    logged = e2e.metric_history(client, run_id, key)
    # MLflow stores inf as the largest float
    column = {int(r["epoch"]): min(float(r[key]), sys.float_info.max) for r in rows if r[key]}
    assert len(logged) <= MAX_POINTS + 1
    assert all(column[step] == value for step, value in logged.items())
    assert min(logged.values()) == min(column.values())
    assert max(logged.values()) == max(column.values())
    assert max(logged) == max(column), "the last measured epoch"


def test_diverged_job_is_failed_non_finite(unstable):
    proc = unstable.proc
    assert proc.returncode == 1, proc.stderr
    assert "error: 1 of 2 jobs failed: job 1" in proc.stderr
    assert "non-finite" in proc.stderr
    run = unstable.children[DIVERGING]
    assert run.info.status == "FAILED"
    assert "non-finite train/loss" in run.data.tags["nnlab.error"]
    assert run.data.tags["nnlab.outcome"] == "diverged"
    details = e2e.download(unstable.client, run.info.run_id, "error.txt").read_text()
    assert "non-finite" in details


def test_diverged_job_keeps_its_metrics_up_to_the_last_epoch(unstable):
    rows = rows_of(e2e.job_folder(unstable.sweep_dir, 0) / "history.csv")
    last = int(rows[-1]["epoch"])
    assert 5 < last < EPOCHS - 1, "the run should diverge midway"
    assert rows[-1]["train/loss"] == "inf"
    run_id = unstable.children[DIVERGING].info.run_id
    for key in ("train/loss", "val/loss", "lr"):
        check_points(unstable.client, run_id, key, rows)
    assert e2e.metric_history(unstable.client, run_id, "train/loss")[last] == sys.float_info.max


def test_early_stopped_job_finishes_with_its_last_epoch(unstable):
    run = unstable.children[STOPPING]
    assert run.info.status == "FINISHED"
    assert "nnlab.error" not in run.data.tags
    assert run.data.tags["nnlab.outcome"] == "stopped"
    assert "early stop at epoch 3" in run.data.tags["nnlab.stop_reason"]
    assert run.data.tags["nnlab.epochs_run"] == "4"
    rows = rows_of(e2e.job_folder(unstable.sweep_dir, 1) / "history.csv")
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3]
    for key in ("train/loss", "val/loss", "lr"):
        check_points(unstable.client, run.info.run_id, key, rows)


# --- Ctrl-C and SIGTERM ------------------------------------------------------------------------


def wait_for_points(proc: subprocess.Popen, uri: str, timeout: float) -> int:
    """Poll the store until the job's run has logged some train/loss points; how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"run.py ended early ({proc.returncode}): {proc.stderr.read()}")
        if e2e.db_exists(uri):
            try:
                children = e2e.child_runs(e2e.all_runs(uri))
                if children:
                    points = e2e.client(uri).get_metric_history(
                        children[0].info.run_id, "train/loss"
                    )
                    if points:
                        return len(points)
            except Exception:  # noqa: BLE001 - the store is being written; look again
                pass
        time.sleep(0.25)
    pytest.fail(f"no metric points within {timeout} s")


def interrupt(folder, sweep_env, signum: int, sweep: bool = True) -> SimpleNamespace:
    """Start a long sweep (or a run of its own) in its own process group, wait for its first
    metric points, send ``signum`` to the group (as a terminal's Ctrl-C does) and wait for the
    command to end."""
    uri = e2e.store_uri(folder)
    # windows of 200 epochs, two points each: enough to see some before the interrupt
    args = ["optimizer=sgd", "trainer.epochs=200000", "tracking.max_points=2000"]
    args = ["-m", *args] if sweep else args
    proc = subprocess.Popen(
        e2e.command(args, folder),
        cwd=folder,
        env=sweep_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        seen = wait_for_points(proc, uri, timeout=60)
        os.killpg(proc.pid, signum)
        started = time.monotonic()
        stdout, stderr = proc.communicate(timeout=60)
        seconds = time.monotonic() - started
        deadline = time.monotonic() + 10
        while e2e.group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        leftover = e2e.group_alive(proc.pid)
    finally:
        if proc.poll() is None or e2e.group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    runs = e2e.all_runs(uri)
    return SimpleNamespace(
        folder=e2e.job_folder(folder / "sweep", 0) if sweep else folder / "run",
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        seconds=seconds,
        leftover=leftover,
        seen=seen,
        client=e2e.client(uri),
        parents=e2e.parent_runs(runs),
        children=e2e.child_runs(runs),
    )


def check_killed(result: SimpleNamespace, error: str) -> None:
    """The run and its sweep KILLED; the run's history in MLflow has every epoch up to the
    interrupt, as its folder has, and its last weights load."""
    assert result.seconds < 30, "the command took too long to stop"
    assert not result.leftover, "a process of the command outlived it"
    (child,) = result.children
    (parent,) = result.parents
    assert child.info.status == "KILLED"
    assert child.data.tags["nnlab.error"] == error
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert parent.info.status == "KILLED"
    run_id = child.info.run_id
    history = rows_of(e2e.download(result.client, run_id, "history.csv"))
    epochs = [int(row["epoch"]) for row in history]
    assert epochs == list(range(len(epochs)))
    assert 100 * result.seen <= len(epochs) < 200000, "the epochs up to the interrupt"
    assert history == rows_of(result.folder / "history.csv")
    logged = e2e.metric_history(result.client, run_id, "train/loss")
    assert max(logged) == epochs[-1]
    with np.load(e2e.download(result.client, run_id, "weights.npz"), allow_pickle=False) as w:
        assert w["dense1.weights"].shape == (2, 64)
        assert np.isfinite(w["dense1.weights"]).all()
    assert {"figures/decision_boundary.png", "config.yaml", "run.json"} <= e2e.artifact_paths(
        result.client, run_id
    )


RESUME = "(resume: run the same command again)"


def test_ctrl_c_leaves_run_and_sweep_killed(tmp_path, sweep_env):
    result = interrupt(tmp_path, sweep_env, signal.SIGINT)
    assert result.returncode == 128 + signal.SIGINT, result.stderr
    check_killed(result, "KeyboardInterrupt")
    assert result.stderr.splitlines() == [
        f"interrupted: 1 run KILLED, record in {tmp_path / 'sweep'} {RESUME}"
    ]


def test_sigterm_leaves_run_and_sweep_killed(tmp_path, sweep_env):
    result = interrupt(tmp_path, sweep_env, signal.SIGTERM)
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    check_killed(result, "SystemExit")
    assert result.stderr.splitlines() == [
        f"interrupted: 1 run KILLED, record in {tmp_path / 'sweep'} {RESUME}"
    ]


def test_ctrl_c_ends_a_run_of_its_own_with_one_line(tmp_path, sweep_env):
    result = interrupt(tmp_path, sweep_env, signal.SIGINT, sweep=False)
    assert result.returncode == 128 + signal.SIGINT, result.stderr
    assert result.stderr.splitlines() == [f"interrupted: run KILLED, record in {tmp_path / 'run'}"]
    assert not result.leftover, "a process of the command outlived it"
    assert not result.parents
    (run,) = result.children
    assert run.info.status == "KILLED"
    assert run.data.tags["nnlab.error"] == "KeyboardInterrupt"
