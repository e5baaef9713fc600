"""MLflow stores and experiments (imported only where MLflow runs: the tracking worker).

A fresh SQLite database is created once, under a file lock, by copying an empty database that
MLflow has already migrated (cached per MLflow version in ``~/.cache/nnlab``): several processes
migrating one new database at once corrupt it, and migrating costs seconds where a copy costs
milliseconds.
"""

import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from nnlab.tracking.uri import sqlite_path

EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}


def prepare(uri: str) -> MlflowClient:
    """A client for ``uri``, creating a local SQLite database first if there is none."""
    path = sqlite_path(uri)
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path.with_name(path.name + ".lock")):
            if not path.exists():
                _copy_atomically(_migrated_template(), path)
    return MlflowClient(tracking_uri=uri)


def experiment_id(client: MlflowClient, name: str) -> str:
    """The id of experiment ``name``, created (with its artifact folder beside a local database
    and the experiment kind the MLflow UI opens training runs with) if missing."""
    found = client.get_experiment_by_name(name)
    if found is None:
        path = sqlite_path(client.tracking_uri)
        location = None
        if path is not None:
            location = (path.parent / "artifacts" / _safe_name(name)).as_uri()
        try:
            return client.create_experiment(name, artifact_location=location, tags=EXPERIMENT_KIND)
        except MlflowException:
            found = client.get_experiment_by_name(name)  # created meanwhile by another process
            if found is None:
                raise
    if found.tags.get("mlflow.experimentKind") is None:
        client.set_experiment_tag(found.experiment_id, *next(iter(EXPERIMENT_KIND.items())))
    return found.experiment_id


def _migrated_template() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nnlab"
    template = cache / f"mlflow-{metadata.version('mlflow')}-empty.db"
    if not template.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with _locked(template.with_name(template.name + ".lock")):
            if not template.exists():
                with tempfile.TemporaryDirectory(dir=cache) as scratch:
                    fresh = Path(scratch) / "empty.db"
                    MlflowClient(tracking_uri=f"sqlite:///{fresh}").search_experiments()
                    _copy_atomically(fresh, template)
    return template


def _copy_atomically(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


@contextmanager
def _locked(lock_path: Path):
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
