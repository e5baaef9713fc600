"""One MLflow tracking store, through ``MlflowClient`` with explicit run ids (no global active
run): the operations the mirror needs, as typed methods. Imported only where MLflow work is
done (the tracking worker, ``nnlab.sync``, reports and ``reproduce``).

A fresh SQLite database is created once, under a file lock, by copying an empty database that
MLflow has already migrated (cached per MLflow version in ``~/.cache/nnlab``): several processes
migrating one new database at once corrupt it, and migrating costs seconds where a copy costs
milliseconds. An experiment's artifacts go beside a local database, in
``artifacts/<name>-<hash of the name>`` (so every name has a folder of its own, and only one);
the copy's Default experiment is pointed there too.
"""

import fcntl
import hashlib
import os
import shutil
import socket
import sqlite3
import tempfile
import time
from contextlib import closing, contextmanager
from importlib import metadata
from pathlib import Path

from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import (
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_VAL_LENGTH,
    MAX_PARAMS_TAGS_PER_BATCH,
    MAX_TAG_VAL_LENGTH,
)

from nnlab.track.points import Point
from nnlab.track.uri import sqlite_path

EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}
UID_TAG = "nnlab.uid"


class Store:
    def __init__(self, uri: str) -> None:
        self.uri = uri
        path = sqlite_path(uri)
        if path is not None and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(path.with_name(path.name + ".lock")):
                if not path.exists():
                    _copy_atomically(_migrated_template(), path, _artifacts(path, "Default"))
        self.client = MlflowClient(tracking_uri=uri)
        self._experiments: dict[str, str] = {}
        self._identity = _identity(path)

    def experiment_id(self, name: str) -> str:
        """The id of experiment ``name``, created if missing (with its artifact folder beside
        a local database, and the kind the MLflow UI opens training runs with)."""
        if name in self._experiments:
            return self._experiments[name]
        found = self.client.get_experiment_by_name(name)
        if found is None:
            path = sqlite_path(self.uri)
            location = None if path is None else _artifacts(path, name)
            try:
                self._experiments[name] = self.client.create_experiment(
                    name, artifact_location=location, tags=EXPERIMENT_KIND
                )
                return self._experiments[name]
            except MlflowException:
                found = self.client.get_experiment_by_name(name)  # created meanwhile elsewhere
                if found is None:
                    raise
        self._experiments[name] = found.experiment_id
        return found.experiment_id

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        self.client.set_experiment_tag(experiment_id, key, value)

    def replaced(self) -> bool:
        """Whether a local database was deleted or replaced since this store opened it."""
        return self._identity != _identity(sqlite_path(self.uri))

    def has_run(self, run_id: str) -> bool:
        try:
            self.client.get_run(run_id)
        except MlflowException:
            return False
        return True

    def running_here(self) -> list:
        """The RUNNING runs of nnlab in the store that were started on this machine."""
        experiments = [e.experiment_id for e in self.client.search_experiments()]
        host = socket.gethostname().replace("'", "")
        return self.client.search_runs(
            experiments, f"attributes.status = 'RUNNING' and tags.`nnlab.host` = '{host}'",
            max_results=1000,
        ) if experiments else []  # fmt: skip

    def run_with_uid(self, experiment_id: str, uid: str) -> str | None:
        """The run tagged with nnlab's ``uid`` of a run folder, if one was created."""
        runs = self.client.search_runs(
            [experiment_id], f"tags.`{UID_TAG}` = '{uid}'", ViewType.ALL, max_results=1
        )
        return runs[0].info.run_id if runs else None

    def finished_run(self, experiment_id: str, digest: str, tags: dict[str, str] | None = None):
        """The newest FINISHED training run with config hash ``digest`` (not a pruned trial) and
        ``tags``."""
        wanted = "".join(f" and tags.`{k}` = '{v.replace(chr(39), '')}'"
                         for k, v in (tags or {}).items())  # fmt: skip
        runs = self.client.search_runs(
            [experiment_id],
            f"attributes.status = 'FINISHED' and tags.`nnlab.role` = 'run' and "
            f"tags.`nnlab.config_hash` = '{digest}' and tags.`nnlab.outcome` != 'pruned'{wanted}",
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
        return runs[0] if runs else None

    def create_run(self, experiment_id: str, name: str, uid: str, tags: dict[str, str]) -> str:
        run = self.client.create_run(experiment_id, tags={**_cut(tags), UID_TAG: uid},
                                     run_name=name)  # fmt: skip
        return run.info.run_id

    def log_params(self, run_id: str, params: dict[str, str]) -> None:
        items = [Param(key, str(value)[:MAX_PARAM_VAL_LENGTH]) for key, value in params.items()]
        for start in range(0, len(items), MAX_PARAMS_TAGS_PER_BATCH):
            self.client.log_batch(run_id, params=items[start : start + MAX_PARAMS_TAGS_PER_BATCH])

    def log_points(self, run_id: str, points: list[Point]) -> None:
        timestamp = int(time.time() * 1000)
        metrics = [Metric(key, float(value), timestamp, step) for key, value, step in points]
        for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
            self.client.log_batch(run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH])

    def last_steps(self, run_id: str) -> dict[str, int]:
        """For each metric of the run, the step of its last point."""
        keys = self.client.get_run(run_id).data.metrics
        return {key: max(p.step for p in self.client.get_metric_history(run_id, key))
                for key in keys}  # fmt: skip

    def set_tags(self, run_id: str, tags: dict[str, str]) -> None:
        self.client.log_batch(run_id, tags=[RunTag(k, v) for k, v in _cut(tags).items()])

    def upload(self, run_id: str, path: Path, folder: str | None = None) -> None:
        """A file, or a folder's files, as artifacts (under ``folder``)."""
        if path.is_dir():
            self.client.log_artifacts(run_id, str(path), artifact_path=folder)
        elif path.is_file():
            self.client.log_artifact(run_id, str(path), artifact_path=folder)

    def upload_text(self, run_id: str, text: str, name: str) -> None:
        self.client.log_text(run_id, text, name)

    def end(self, run_id: str, status: str) -> None:
        self.client.set_terminated(run_id, status)


def _identity(path: Path | None) -> tuple[int, int] | None:
    """The file's device and inode (``None``: no such file, or not a local store)."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if stat else None


def _cut(tags: dict[str, str]) -> dict[str, str]:
    return {key: str(value)[:MAX_TAG_VAL_LENGTH] for key, value in tags.items()}


def _artifacts(database: Path, experiment: str) -> str:
    """Where the artifacts of ``experiment`` go beside a local ``database``, as a URI."""
    slug = "".join(c if c.isalnum() or c in "-_" else "_" for c in experiment)[:60]
    digest = hashlib.sha256(experiment.encode()).hexdigest()[:8]
    return (database.parent / "artifacts" / f"{slug}-{digest}").as_uri()


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


def _copy_atomically(source: Path, target: Path, default_artifacts: str | None = None) -> None:
    """Copy a database; with ``default_artifacts``, point its Default experiment's artifacts
    there (MLflow has no call for it: one SQL statement on its ``experiments`` table)."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.copyfile(source, partial)
    if default_artifacts:
        with closing(sqlite3.connect(partial)) as db, db:
            db.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                       (default_artifacts,))  # fmt: skip
    os.replace(partial, target)


@contextmanager
def _locked(lock_path: Path):
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
