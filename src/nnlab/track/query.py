"""Finding runs in a store, and their folders: for reports and ``reproduce``. A run's folder is
read where it was recorded when it is still there (tag ``nnlab.run_dir``, same ``nnlab.uid``);
elsewhere its copy is downloaded from the run's artifacts."""

import logging
import os
import re
from pathlib import Path

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from nnlab.run.folder import CONFIG, HISTORY, INFO, WEIGHTS, RunFolder
from nnlab.track import uri as uris
from nnlab.track.store import UID_TAG

SHORT_ID = 8  # hexadecimal digits of a run id that reports and the console show


def client_for(uri: str | None) -> MlflowClient:
    """A client of the store at ``uri`` (resolved as runs resolve it), checked first: it raises
    ``ConfigError`` or ``Unreachable`` (``nnlab.track.uri``) within seconds, not after MLflow's
    minutes of retries."""
    uri = uris.resolve_uri(uri)
    uris.check(uri)
    settle_mlflow()
    return MlflowClient(tracking_uri=uri)


def settle_mlflow() -> None:
    """What nnlab asks of MLflow's client in this process: a few seconds of HTTP retries (the
    run folders keep the data), not minutes; no progress bar for every artifact downloaded; and
    none of its own logging (nnlab says in one line what failed, where it matters)."""
    os.environ["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    for key, value in (("MAX_RETRIES", "2"), ("BACKOFF_FACTOR", "1"), ("TIMEOUT", "10")):
        os.environ.setdefault(f"MLFLOW_HTTP_REQUEST_{key}", value)
    logging.getLogger("mlflow").setLevel(logging.CRITICAL)


def run_id(client: MlflowClient, text: str) -> str:
    """The run id ``text`` stands for: a whole run id (32 hexadecimal digits), or its first
    ``SHORT_ID`` digits or more as reports and the console show them (``86f1ddcd`` or
    ``86f1ddcd...``), which must start one run id in the store. ``LookupError`` otherwise, saying
    why; text that is not hexadecimal never reaches a search filter."""
    digits = text.strip().rstrip(".\u2026")
    if not re.fullmatch(f"[0-9a-f]{{{SHORT_ID},32}}", digits):
        raise LookupError(f"{text!r} is neither a run folder nor a run id ({SHORT_ID} to 32 "
                          "hexadecimal digits)")  # fmt: skip
    if len(digits) == 32:
        return digits
    runs = client.search_runs(
        [e.experiment_id for e in client.search_experiments()],
        filter_string=f"attributes.run_id LIKE '{digits}%'",
        max_results=10,
    )
    found = sorted(run.info.run_id for run in runs)
    if not found:
        raise LookupError(f"no run id starts with {digits} in {uris.describe(client.tracking_uri)}")
    if len(found) > 1:
        shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
        raise LookupError(f"{digits} starts more than one run id ({shown}); give more digits")
    return found[0]


def sweep_parent(client: MlflowClient, sweep_id: str):
    """The newest parent run tagged with ``sweep_id`` in any experiment."""
    if not re.fullmatch(r"[\w.-]+", sweep_id):
        raise LookupError(f"{sweep_id!r} is neither a sweep folder nor a sweep id")
    runs = client.search_runs(
        [e.experiment_id for e in client.search_experiments()],
        filter_string=f"tags.`nnlab.sweep_id` = '{sweep_id}' and tags.`nnlab.role` = 'sweep'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not runs:
        raise LookupError(f"no sweep {sweep_id!r} in {uris.describe(client.tracking_uri)}")
    return runs[0]


def child_run_ids(client: MlflowClient, parent) -> list[str]:
    """The runs nested under a sweep's parent run, in job order."""
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
        max_results=10000,
    )
    ordered = sorted(children, key=lambda r: int(r.data.tags.get("nnlab.job", 0)))
    return [run.info.run_id for run in ordered]


def experiment_run_ids(client: MlflowClient, experiment: str) -> list[str]:
    """Every training run (not sweep parents) of ``experiment``, oldest first."""
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise LookupError(f"no experiment {experiment!r} in {uris.describe(client.tracking_uri)}")
    runs = client.search_runs(
        [found.experiment_id],
        filter_string="tags.`nnlab.role` = 'run'",
        order_by=["attributes.start_time ASC"],
        max_results=10000,
    )
    return [run.info.run_id for run in runs]


def run_folder(client: MlflowClient, run_id: str, scratch: Path) -> RunFolder:
    """The folder of run ``run_id``: where it was recorded, or a copy of its artifacts in
    ``scratch``; ``LookupError`` if the store has no such run."""
    try:
        run = client.get_run(run_id)
    except MlflowException:
        raise LookupError(f"no run {run_id} in {uris.describe(client.tracking_uri)}") from None
    recorded = run.data.tags.get("nnlab.run_dir")
    if recorded:
        folder = RunFolder(recorded)
        try:
            if folder.exists() and folder.info().uid == run.data.tags.get(UID_TAG):
                return folder
        except ValueError:
            pass  # a damaged record there: use the store's copy
    folder = RunFolder(scratch / run_id)
    folder.path.mkdir(parents=True, exist_ok=True)
    for name in (INFO, CONFIG, HISTORY, WEIGHTS):
        try:
            client.download_artifacts(run_id, name, str(folder.path))
        except Exception:  # noqa: BLE001 - a run without that file (failed early, say)
            continue
    if not folder.exists():
        raise LookupError(f"run {run_id} has no run record (run.json) in its artifacts")
    return folder
