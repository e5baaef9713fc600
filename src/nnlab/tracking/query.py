"""Reading runs back from a store for reports, resuming and reproducing."""

import json
import os
import tempfile
from pathlib import Path

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from nnlab import artifacts
from nnlab.report.records import RunRecord
from nnlab.tracking import uri as uris
from nnlab.train.callbacks import is_summary_key


def client_for(uri: str | None) -> MlflowClient:
    # MLflow would print a progress bar for every artifact downloaded
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    return MlflowClient(tracking_uri=uris.resolve_uri(uri))


def sweep_run_ids(client: MlflowClient, parent) -> list[str]:
    """The runs of the sweep whose parent run is ``parent`` (see ``sweep_parent``), in job
    order, as the parent listed them (jobs a resumed sweep skipped point to the earlier runs
    they reused)."""
    listed = _json_artifact(client, parent.info.run_id, "sweep_runs.json")
    if listed is not None:
        return [job["run_id"] for job in listed if job.get("run_id")]
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'",
        max_results=10000,
    )
    return [
        run.info.run_id
        for run in sorted(children, key=lambda r: int(r.data.tags.get("nnlab.job", 0)))
    ]


def sweep_parent(client: MlflowClient, sweep_id: str):
    """The newest parent run tagged with ``sweep_id`` in any experiment."""
    runs = client.search_runs(
        [e.experiment_id for e in client.search_experiments()],
        filter_string=f"tags.`nnlab.sweep_id` = '{sweep_id}' and tags.`nnlab.role` = 'sweep'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not runs:
        raise LookupError(f"no sweep {sweep_id!r} in {uris.describe(client.tracking_uri)}")
    return runs[0]


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


def load_records(client: MlflowClient, run_ids: list[str], folder: Path) -> list[RunRecord]:
    """Each run with its params, tags, summary metrics and history; weights are downloaded
    into ``folder``."""
    records = []
    for run_id in run_ids:
        try:
            run = client.get_run(run_id)
        except MlflowException:
            raise LookupError(f"no run {run_id} in {uris.describe(client.tracking_uri)}") from None
        target = folder / run_id
        target.mkdir(parents=True, exist_ok=True)
        history = _download(client, run_id, artifacts.HISTORY_FILE, target)
        weights = _download(client, run_id, artifacts.WEIGHTS_FILE, target)
        records.append(
            RunRecord(
                run_id=run_id,
                name=run.info.run_name or run_id,
                status=run.info.status,
                params=dict(run.data.params),
                tags=dict(run.data.tags),
                summary={
                    key: value for key, value in run.data.metrics.items() if is_summary_key(key)
                },
                history=artifacts.read_history(history) if history else None,
                weights=weights,
            )
        )
    return records


def _download(client: MlflowClient, run_id: str, name: str, target: Path) -> Path | None:
    try:
        return Path(client.download_artifacts(run_id, name, str(target)))
    except Exception:  # noqa: BLE001 - a run without that artifact (failed early, say)
        return None


def _json_artifact(client: MlflowClient, run_id: str, name: str):
    with tempfile.TemporaryDirectory() as scratch:
        path = _download(client, run_id, name, Path(scratch))
        return json.loads(path.read_text()) if path else None
