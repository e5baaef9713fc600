"""What the tracking worker process runs. It owns every MLflow client of its parent process,
so MLflow's import, the database writes, figure rendering and uploads happen on another core
while the parent trains. Calls arrive in order through ``nnlab.tracking.background``; runs and
stores are kept here between calls, keyed by handles the parent chooses.
"""

import logging
import os
import signal

from nnlab.runspec import RunFiles, RunSpec
from nnlab.train import History

_trackers: dict = {}
_runs: dict = {}
parents: dict[str, str] = {}  # sweep id -> its parent run, for the sweeps this worker opened


def initialize() -> None:
    """Ignore Ctrl-C and SIGTERM: when the parent is interrupted, the worker still records
    what it was sent (the KILLED status among it) before the parent closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # no notes on creating a database


def warm_up() -> None:
    """Import MLflow now, with its SQL store (most of a second by itself), while the parent
    process does other work."""
    import mlflow.store.tracking.sqlalchemy_store  # noqa: F401

    import nnlab.tracking.mlflow_tracker  # noqa: F401


def tracker(uri: str, experiment: str):
    from nnlab.tracking.mlflow_tracker import MlflowTracker

    key = (uri, experiment)
    if key not in _trackers:
        _trackers[key] = MlflowTracker(uri, experiment)
    return _trackers[key]


def open_run(handle: str, uri: str, experiment: str, spec: RunSpec, resume: bool) -> dict:
    """Create the run, nested under ``spec.parent_run_id`` or else under the parent this worker
    opened for ``spec.sweep_id``. With ``resume``, a FINISHED run with the same config is
    reused instead: no run is created and its id and summary metrics come back."""
    from nnlab.tracking.mlflow_tracker import MlflowRun

    store = tracker(uri, experiment)
    if resume:
        previous = store.finished_run(spec.config_hash)
        if previous is not None:
            return {"run_id": None, "resumed_from": previous,
                    "summary": store.summary_metrics(previous)}  # fmt: skip
    run = MlflowRun(store, spec, spec.parent_run_id or parents.get(spec.sweep_id))
    run.open()
    _runs[handle] = run
    return {"run_id": run.run_id, "resumed_from": None, "summary": {}}


def log_points(handle: str, points: list) -> None:
    if handle in _runs:  # not for a job that resumed an earlier run
        _runs[handle].log_points(points)


def finish_run(handle: str, history: History, files: RunFiles, regions, figures: bool) -> None:
    _runs[handle].finish(history, files, regions, figures)


def close_run(handle: str, status: str | None, error: str | None, details: str) -> None:
    run = _runs.pop(handle, None)
    if run is not None:
        run.close(status, error, details)


def call(function: str, *args, **kwargs):
    """Run ``module:function`` of nnlab in this worker (for the sweep's parent run and the
    report, which live outside this module)."""
    module, _, name = function.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)(*args, **kwargs)
