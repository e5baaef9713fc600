"""The runs a report compares, read from their folders (``nnlab.run.folder``): a sweep's own,
or those of runs found in a tracking store (``nnlab.track.query``)."""

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nnlab.run.folder import RunFolder
from nnlab.run.schema import flatten
from nnlab.train import History


@dataclass
class RunRecord:
    name: str
    status: str  # FINISHED, FAILED, KILLED, RUNNING
    outcome: str  # how training ended: completed, diverged, stopped, pruned, ...
    reason: str | None  # why it stopped or failed, in words
    params: dict[str, str]  # the flattened config, e.g. {"optimizer.momentum": "0.9"}
    summary: dict[str, float]  # <metric>_best, <metric>_best_epoch, <metric>_final
    history: History | None  # every epoch (history.csv); None if missing
    folder: RunFolder | None  # for the weights and config (decision regions)
    run_id: str | None = None  # the MLflow run, when tracked
    skipped: bool = False  # a job a resumed sweep did not train: this is the run it reused
    color: str | None = None  # its colour in the MLflow UI (``mlflow.runColor``)
    commit: str | None = None  # for a reused run, the git commit that made it

    @property
    def error(self) -> str | None:
        return self.reason if self.status in ("FAILED", "KILLED") else None


def from_folder(folder: RunFolder, run_id: str | None = None) -> RunRecord:
    """The record of a run folder; for a job a resumed sweep skipped, the run it reused (its
    folder, where that is still there)."""
    info = folder.info()
    reused = info.reused
    if reused and reused.get("folder") and RunFolder(reused["folder"]).exists():
        record = from_folder(RunFolder(reused["folder"]), reused["run_id"])
        record.name, record.skipped = info.name, True
        record.color = info.tags.get("mlflow.runColor", record.color)
        record.commit = reused.get("commit")
        return record
    history = folder.history() if folder.file("history.csv").is_file() else None
    return RunRecord(
        name=info.name,
        status="FINISHED" if reused else info.status,
        outcome=info.outcome,
        reason=info.reason,
        params=flatten(folder.config()),
        summary=info.summary,
        history=history,
        folder=None if reused else folder,
        run_id=reused["run_id"] if reused else run_id,
        skipped=bool(reused),
        color=info.tags.get("mlflow.runColor"),
        commit=reused.get("commit") if reused else None,
    )


@contextmanager
def from_store(uri: str | None, run_ids: list[str]):
    """The records of ``run_ids`` in the store at ``uri`` (a context: copies of folders that are
    not on this machine live in a temporary folder until it ends); ``LookupError`` names a run
    the store does not have."""
    from nnlab.track.query import client_for, run_folder

    client = client_for(uri)
    with tempfile.TemporaryDirectory() as scratch:
        yield [from_folder(run_folder(client, run_id, Path(scratch)), run_id) for run_id in run_ids]
