"""What the tracking worker process runs. It owns every MLflow client of its parent process,
so MLflow's import, the database writes, figure rendering and uploads happen on another core
while the parent trains. Calls arrive in order through ``nnlab.tracking.background``; runs and
stores are kept here between calls, keyed by handles the parent chooses.
"""

import logging
import os
import signal
from dataclasses import asdict

from nnlab.runspec import RunFiles, RunSpec
from nnlab.tracking.outbox import Channel
from nnlab.train.callbacks import is_summary_key

_trackers: dict = {}
_channels: dict[str, Channel] = {}
parents: dict[str, str] = {}  # sweep id -> its parent run, for the sweeps this worker opened


def initialize() -> None:
    """Ignore Ctrl-C and SIGTERM: when the parent is interrupted, the worker still records
    what it was sent (the KILLED status among it) before the parent closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"  # nnlab prints its own lines
    # give up on an unreachable server within seconds (the run's outbox keeps the data) rather
    # than after MLflow's default of minutes of retries
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
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
    """Open the run, nested under ``spec.parent_run_id`` or else under the parent this worker
    opened for ``spec.sweep_id``. With ``resume``, a FINISHED run with the same config is
    reused instead: no run is created and its id and summary metrics come back. If the store
    cannot be reached, the run's operations go to its outbox (``nnlab.tracking.outbox``)."""
    if resume:
        try:
            previous = tracker(uri, experiment).finished_run(spec.config_hash)
        except Exception:  # noqa: BLE001 - unreachable: train, and keep the run in the outbox
            previous = None
        if previous is not None:
            metrics = previous.data.metrics
            summary = {key: value for key, value in metrics.items() if is_summary_key(key)}
            return {"run_id": None, "resumed_from": previous.info.run_id, "summary": summary}
    channel = Channel(uri, experiment, spec, spec.parent_run_id or parents.get(spec.sweep_id))
    _channels[handle] = channel
    channel.send(channel.open_operation())
    return {"run_id": channel.run_id, "resumed_from": None, "summary": {}}


def log_points(handle: str, points: list) -> None:
    if handle in _channels:  # not for a job that resumed an earlier run
        _channels[handle].send({"op": "points", "points": points})


def finish_run(handle: str, files: RunFiles, figures: bool) -> None:
    channel = _channels[handle]
    channel.send({"op": "finish", "files": asdict(files), "figures": figures})
    channel.status = "FAILED" if files.outcome == "diverged" else "FINISHED"


def close_run(handle: str, status: str | None, error: str | None, details: str) -> str | None:
    """End the run with ``status`` (or the one its training ended with); a note for the user
    if some of it could not be sent."""
    channel = _channels.pop(handle, None)
    if channel is None:
        return None
    operation = {"op": "close", "status": status or channel.status, "error": error,
                 "details": details}  # fmt: skip
    channel.send(operation)
    return channel.note()


def call(function: str, *args, **kwargs):
    """Run ``module:function`` of nnlab in this worker (for the sweep's parent run and the
    report, which live outside this module)."""
    module, _, name = function.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)(*args, **kwargs)
