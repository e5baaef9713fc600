"""Runs in MLflow, driven from the tracking worker: one ``MlflowClient`` per store with explicit
run ids (no global active run).

A run's life: ``open`` creates it (nested under the sweep's parent run when there is one) with
its tags and the flattened config as params; ``log_points`` sends metric points in
``log_batch`` calls of at most 1000; ``finish`` uploads the summary metrics, the run's files and
its figures; ``close`` records a truthful status:

- ``FINISHED`` for a run that trained to the end (or was stopped on purpose, e.g. pruned);
- ``FAILED`` for a non-finite loss or an exception, with the reason as tag ``nnlab.error`` and
  the details as artifact ``error.txt``;
- ``KILLED`` on Ctrl-C or SIGTERM.
"""

from pathlib import Path

from mlflow.entities import Metric, Param, Run, RunTag
from mlflow.utils.validation import (
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_VAL_LENGTH,
    MAX_PARAMS_TAGS_PER_BATCH,
)

from nnlab.artifacts import read_history
from nnlab.runspec import RunFiles, RunSpec
from nnlab.tracking import store

MAX_TAG_LENGTH = 5000


class MlflowTracker:
    """Runs of one experiment in one store."""

    def __init__(self, uri: str, experiment: str) -> None:
        self.uri = uri
        self.client = store.prepare(uri)
        self.experiment_id = store.experiment_id(self.client, experiment)

    def finished_run(self, config_hash: str) -> Run | None:
        """The newest FINISHED training run of this experiment with config ``config_hash``,
        with its metrics' latest values (``run.data.metrics``)."""
        runs = self.client.search_runs(
            [self.experiment_id],
            filter_string=f"attributes.status = 'FINISHED' and tags.`nnlab.role` = 'run' "
            f"and tags.`nnlab.config_hash` = '{config_hash}' and tags.`nnlab.outcome` != 'pruned'",
            order_by=["attributes.start_time DESC"],
            max_results=1,
        )
        return runs[0] if runs else None


class MlflowRun:
    def __init__(self, tracker: MlflowTracker, spec: RunSpec, parent_run_id: str | None) -> None:
        self.client = tracker.client
        self.experiment_id = tracker.experiment_id
        self.spec = spec
        self.parent_run_id = parent_run_id
        self.run_id: str | None = None

    def open(self) -> str:
        spec = self.spec
        tags = dict(spec.tags)
        if self.parent_run_id:
            tags["mlflow.parentRunId"] = self.parent_run_id
        run = self.client.create_run(self.experiment_id, tags=tags, run_name=spec.name)
        self.run_id = run.info.run_id
        params = [
            Param(key, str(value)[:MAX_PARAM_VAL_LENGTH]) for key, value in spec.params.items()
        ]
        for start in range(0, len(params), MAX_PARAMS_TAGS_PER_BATCH):
            self.client.log_batch(
                self.run_id, params=params[start : start + MAX_PARAMS_TAGS_PER_BATCH]
            )
        return self.run_id

    def log_points(self, points: list[tuple[str, float, int, int]]) -> None:
        metrics = [
            Metric(key, float(value), timestamp, step) for key, value, timestamp, step in points
        ]
        for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
            self.client.log_batch(
                self.run_id, metrics=metrics[start : start + MAX_METRICS_PER_BATCH]
            )

    def finish(self, files: RunFiles, figures: bool = True) -> None:
        """Summary metrics, files and figures; the status follows how training ended."""
        history = read_history(Path(files.history))
        self.log_points([(key, value, 0, 0) for key, value in history.summary().items()])
        for path in (files.history, files.weights, files.config):
            self.client.log_artifact(self.run_id, path)
        if files.hydra_dir is not None and Path(files.hydra_dir).is_dir():
            self.client.log_artifacts(self.run_id, files.hydra_dir, artifact_path=".hydra")
        if figures:
            from nnlab.viz.files import save_run_figures
            from nnlab.viz.regions import load_regions

            found = load_regions(Path(files.regions)) if files.regions else None
            folder = Path(files.history).parent / "figures"
            for path in save_run_figures(history, self.spec.name, folder, found):
                self.client.log_artifact(self.run_id, str(path), artifact_path="figures")
        tags = {"nnlab.outcome": files.outcome, "nnlab.epochs_run": str(len(history))}
        if files.outcome == "diverged":
            tags["nnlab.error"] = files.stop_reason
            self.client.log_text(self.run_id, files.stop_reason + "\n", "error.txt")
        elif files.stop_reason:
            tags["nnlab.stop_reason"] = files.stop_reason
        self.set_tags(tags)

    def close(self, status: str, error: str | None = None, details: str = "") -> None:
        """End the run with ``status``; for a run ended by an exception or an interruption,
        ``error`` says which in one line and ``details`` (a traceback) go to ``error.txt``."""
        if error is not None:
            self.set_tags({"nnlab.outcome": status.lower(), "nnlab.error": error})
            if details:
                self.client.log_text(self.run_id, details, "error.txt")
        self.client.set_terminated(self.run_id, status)

    def set_tags(self, tags: dict[str, str]) -> None:
        self.client.log_batch(
            self.run_id,
            tags=[RunTag(key, str(value)[:MAX_TAG_LENGTH]) for key, value in tags.items()],
        )
