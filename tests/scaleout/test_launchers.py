"""Sweeps on the distributed launchers, end to end: ``hydra/launcher=ray`` on a local Ray cluster
(nnlab's own plugin, ``src/hydra_plugins/nnlab_ray_launcher``) and ``hydra/launcher=
submitit_local`` (``hydra-submitit-launcher``, the local stand-in for ``submitit_slurm``). Jobs run
in other processes, find the sweep through its folder and record into the one store, nested under
the sweep's parent run, with the same numbers as the basic launcher, bit for bit.

The sweeps are slow tests (``-m slow``) and skip without the extras (``pip install -e
".[ray,slurm]"``, or ``.ci/launcher-tests``, which installs them and runs this file).
"""

import importlib.util
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support import e2e

JOBS = ["-m", "trainer.seed=0,1", "optimizer=sgd,adam", "trainer.epochs=40"]
NAMES = sorted(f"trainer.seed={s},optimizer={o}" for s in (0, 1) for o in ("sgd", "adam"))
RAY = ["hydra/launcher=ray", "hydra.launcher.ray.init.num_cpus=2"]


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


needs_ray = pytest.mark.skipif(not installed("ray"), reason="needs Ray: pip install -e '.[ray]'")
needs_submitit = pytest.mark.skipif(
    not installed("hydra_plugins.hydra_submitit_launcher"),
    reason="needs hydra-submitit-launcher: pip install -e '.[slurm]'",
)


def histories(store: str) -> dict[str, dict[str, dict[int, float]]]:
    """Every metric history of every training run, by run name."""
    mlflow = e2e.client(store)
    return {
        run.info.run_name: {
            key: e2e.metric_history(mlflow, run.info.run_id, key) for key in run.data.metrics
        }
        for run in e2e.child_runs(e2e.all_runs(store))
    }


def check_sweep(folder: Path) -> None:
    """One parent run, FINISHED, with every job's run FINISHED under it, and the report."""
    runs = e2e.all_runs(e2e.store_uri(folder))
    (parent,) = e2e.parent_runs(runs)
    children = e2e.child_runs(runs)
    assert parent.info.status == "FINISHED"
    assert sorted(r.info.run_name for r in children) == NAMES
    assert {r.info.status for r in children} == {"FINISHED"}
    assert {r.data.tags.get("mlflow.parentRunId") for r in children} == {parent.info.run_id}
    assert (folder / "sweep" / "report" / "report.md").exists()
    assert len((folder / "sweep" / "report" / "runs.csv").read_text().splitlines()) == 5


@pytest.fixture(scope="module")
def basic(tmp_path_factory, run_sweep) -> dict:
    """The sweep's histories under the basic launcher, the reference for the others."""
    folder = tmp_path_factory.mktemp("basic")
    proc = run_sweep(JOBS, folder)
    assert proc.returncode == 0, proc.stderr
    check_sweep(folder)
    found = histories(e2e.store_uri(folder))
    assert len(found) == 4
    return found


@pytest.mark.slow
@needs_ray
def test_ray_sweep_matches_the_basic_launcher(tmp_path, run_sweep, basic):
    proc = run_sweep([*JOBS, *RAY], tmp_path, quiet=False)
    assert proc.returncode == 0, proc.stderr
    check_sweep(tmp_path)
    assert histories(e2e.store_uri(tmp_path)) == basic
    # each job's line comes from a Ray worker, forwarded with Ray's prefix
    assert proc.stdout.count("FINISHED  val/loss=") == 4
    assert "(job 0 pid=" in proc.stdout


@pytest.mark.slow
@needs_submitit
def test_submitit_local_sweep_matches_the_basic_launcher(tmp_path, run_sweep, basic):
    proc = run_sweep([*JOBS, "hydra/launcher=submitit_local"], tmp_path, quiet=False)
    assert proc.returncode == 0, proc.stderr
    check_sweep(tmp_path)
    assert histories(e2e.store_uri(tmp_path)) == basic
    # one submitit job per sweep job, each its own process, whose line is in its own log
    logs = sorted((tmp_path / "sweep" / ".submitit").glob("*/*_0_log.out"))
    assert len(logs) == 4
    assert len({log.name.split("_")[0] for log in logs}) == 4  # local job ids are process ids
    assert all("FINISHED  val/loss=" in log.read_text() for log in logs)


@pytest.mark.slow
@needs_submitit
def test_a_submitit_job_past_its_time_limit_fails_and_the_sweep_goes_on(tmp_path, run_sweep):
    """submitit warns a job before its time limit (locally 30 s before ``timeout_min``); with
    ``max_num_timeout=0`` the job is not requeued (to start again from scratch) but its run ends
    FAILED, keeping its metrics, and the other jobs finish."""
    args = [
        "-m", "trainer.epochs=40,1000000", "hydra/launcher=submitit_local",
        "hydra.launcher.timeout_min=1", "+hydra.launcher.max_num_timeout=0",
    ]  # fmt: skip
    proc = run_sweep(args, tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "1 of 2 jobs failed: job 2 (" in proc.stderr
    assert "UncompletedJobError: Job not requeued because: timed-out" in proc.stderr
    runs = e2e.all_runs(e2e.store_uri(tmp_path))
    (parent,) = e2e.parent_runs(runs)
    status = {r.data.tags["nnlab.job"]: r.info.status for r in e2e.child_runs(runs)}
    assert status == {"0": "FINISHED", "1": "FAILED"}
    (failed,) = [r for r in e2e.child_runs(runs) if r.info.status == "FAILED"]
    assert "timed-out" in failed.data.tags["nnlab.error"]
    assert e2e.metric_history(e2e.client(e2e.store_uri(tmp_path)), failed.info.run_id, "lr")


@pytest.mark.slow
@needs_ray
def test_sigterm_stops_a_ray_sweep_and_records_its_runs_killed(tmp_path, sweep_env):
    """SIGTERM to the command: running jobs are cancelled and closed KILLED, queued ones never
    start, the parent is KILLED and the command exits 143 within the grace period."""
    args = ["-m", "trainer.seed=0,1,2", "trainer.epochs=1000000", *RAY]
    command = e2e.command(args, tmp_path)
    with subprocess.Popen(
        command, cwd=tmp_path, env=sweep_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    ) as proc:  # fmt: skip
        try:
            wait_for_running_runs(e2e.store_uri(tmp_path), 2, proc)
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == 143, stderr
    assert time.monotonic() - sent < 30
    runs = e2e.all_runs(e2e.store_uri(tmp_path))
    (parent,) = e2e.parent_runs(runs)
    assert parent.info.status == "KILLED"
    children = e2e.child_runs(runs)
    assert len(children) == 2  # the third job was still queued: no run
    assert {r.info.status for r in children} == {"KILLED"}


def wait_for_running_runs(store: str, count: int, proc: subprocess.Popen, timeout=90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            runs = e2e.child_runs(e2e.all_runs(store))
        except Exception:  # noqa: BLE001 - the database may be mid-creation
            runs = []
        if sum(r.info.status == "RUNNING" for r in runs) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"{count} runs did not start within {timeout} s")


def test_ray_launcher_without_ray_says_how_to_install_it(tmp_path, run_sweep):
    """Without Ray (simulated: an ``import ray`` that fails), one line and exit status 2."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "ray.py").write_text("raise ImportError('No module named ray')\n")
    env = {"PYTHONPATH": f"{blocker}:{e2e.TESTS}"}
    proc = run_sweep(["-m", "trainer.epochs=2", *RAY], tmp_path, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "error: hydra/launcher=ray needs Ray: pip install -e '.[ray]'" in proc.stderr
    assert "Traceback" not in proc.stderr
