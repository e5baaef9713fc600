"""The two MLflow calls ``python -m nnlab.report`` needs besides ``query``: checking that run
ids exist, and attaching a report folder to a sweep's parent run."""

from pathlib import Path

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient


def missing_runs(client: MlflowClient, run_ids: list[str]) -> list[str]:
    """The ids among ``run_ids`` that the store does not have."""
    missing = []
    for run_id in run_ids:
        try:
            client.get_run(run_id)
        except MlflowException:
            missing.append(run_id)
    return missing


def upload_report(client: MlflowClient, run_id: str, folder: Path) -> None:
    """Log every file of ``folder`` to run ``run_id`` under ``report/``."""
    client.log_artifacts(run_id, str(folder), artifact_path="report")
