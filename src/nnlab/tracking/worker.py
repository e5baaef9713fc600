"""What the tracking worker process runs. It owns every MLflow client of its parent process,
so MLflow's import, the database writes, figure rendering and uploads happen on another core
while the parent trains. Calls arrive in order through ``nnlab.tracking.background``; runs and
stores are kept here between calls, keyed by handles the parent chooses.
"""

import os
import signal

from nnlab.runspec import RunFiles, RunSpec
from nnlab.train import History

_trackers: dict = {}
_runs: dict = {}


def initialize() -> None:
    """Ignore Ctrl-C and SIGTERM: when the parent is interrupted, the worker still records
    what it was sent (the KILLED status among it) before the parent closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"


def warm_up() -> None:
    """Import MLflow now, while the parent process does other work."""
    import nnlab.tracking.mlflow_tracker  # noqa: F401


def tracker(uri: str, experiment: str):
    from nnlab.tracking.mlflow_tracker import MlflowTracker

    key = (uri, experiment)
    if key not in _trackers:
        _trackers[key] = MlflowTracker(uri, experiment)
    return _trackers[key]


def connect(uri: str, experiment: str) -> str:
    """Create the store and the experiment if needed; the experiment's id."""
    return tracker(uri, experiment).experiment_id


def open_run(handle: str, uri: str, experiment: str, spec: RunSpec) -> str:
    from nnlab.tracking.mlflow_tracker import MlflowRun

    run = MlflowRun(tracker(uri, experiment), spec)
    run.open()
    _runs[handle] = run
    return run.run_id


def log_points(handle: str, points: list) -> None:
    _runs[handle].log_points(points)


def finish_run(handle: str, history: History, files: RunFiles, regions, figures: bool) -> None:
    _runs[handle].finish(history, files, regions, figures)


def close_run(handle: str, status: str | None, error: str | None, details: str) -> None:
    run = _runs.pop(handle)
    run.close(status, error, details)


def finished_runs(uri: str, experiment: str, config_hashes: list[str]) -> dict[str, str]:
    return tracker(uri, experiment).finished_runs(config_hashes)


def summary_metrics(uri: str, experiment: str, run_id: str) -> dict[str, float]:
    return tracker(uri, experiment).summary_metrics(run_id)


def call(function: str, *args, **kwargs):
    """Run ``module:function`` of nnlab in this worker (for the sweep's parent run and the
    report, which live outside this module)."""
    module, _, name = function.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)(*args, **kwargs)
