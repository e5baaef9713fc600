"""Nothing is lost when the tracking store is unreachable.

Everything the worker sends about a run is an operation, a small JSON object: ``open`` (create
the run), ``attach`` (continue one that exists), ``points``, ``finish`` (the run's files, read
back from its folder), ``close`` (its final status) and ``close_parent`` (a sweep's end). A
``Channel`` applies them to MLflow as they come; when one fails (after MLflow's own retries),
the run goes offline: that operation and every later one are appended to
``<run folder>/unsent/tracking.jsonl`` and training carries on. Every ``RETRY_SECONDS`` the
channel tries the store again and, if it answers, sends the backlog and goes back online.
Whatever is still unsent at the end stays in the file; ``python -m nnlab.sync <folder>`` sends
it later, as the same run, and counts what it sent (``unsent/sent``, with the id of the run an
``open`` it sent created in ``unsent/run_id``) so a sync that fails half-way resumes, attached
to the same run, without sending anything twice.
"""

import json
import os
import time
from dataclasses import asdict
from pathlib import Path

from nnlab.runspec import RunFiles, RunSpec

RETRY_SECONDS = float(os.environ.get("NNLAB_TRACKING_RETRY_SECONDS", "30"))
FOLDER = "unsent"
FILE = "tracking.jsonl"  # in FOLDER


class Outbox:
    """The unsent operations of one run (or sweep), as JSON lines, and how many were sent."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / FOLDER
        self.path = self.folder / FILE
        self.sent_path = self.folder / "sent"
        self.run_id_path = self.folder / "run_id"

    def append(self, operation: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as handle:
            handle.write(json.dumps(operation) + "\n")

    def operations(self) -> list[dict]:
        """Every operation in the outbox, sent or not."""
        if not self.path.exists():
            return []
        lines = [line for line in self.path.read_text().splitlines() if line.strip()]
        return [json.loads(line) for line in lines]

    def unsent(self) -> list[dict]:
        return self.operations()[self.sent_count() :]

    def sent_count(self) -> int:
        return int(self.sent_path.read_text()) if self.sent_path.exists() else 0

    def mark_sent(self) -> None:
        self.sent_path.write_text(str(self.sent_count() + 1))

    def save_run_id(self, run_id: str) -> None:
        """Remember the run the outbox's ``open`` created, for a sync that resumes later."""
        self.run_id_path.write_text(run_id)

    def saved_run_id(self) -> str | None:
        return self.run_id_path.read_text().strip() if self.run_id_path.exists() else None


class Channel:
    """One run's operations, applied to the store or kept in the run's outbox."""

    def __init__(self, uri: str, experiment: str, spec: RunSpec, parent_run_id: str | None):
        self.uri = uri
        self.experiment = experiment
        self.spec = spec
        self.parent_run_id = parent_run_id
        self.outbox = Outbox(Path(spec.output_dir))
        self.run = None  # the MlflowRun, once opened or attached
        self.status = "FINISHED"  # the final status once training ended (FAILED: diverged)
        self.offline = False  # an operation failed: later ones go to the outbox until a retry
        self.error: str | None = None
        self._tried = 0.0

    @classmethod
    def from_outbox(cls, outbox: Outbox, first: dict) -> "Channel":
        """A channel for an outbox's operations, whose first, ``first``, is ``open`` or
        ``attach``. If some were sent already (a sync that stopped half-way), the channel is
        attached to the run they went to, so the rest go there too."""
        spec = RunSpec(**first["spec"])
        channel = cls(first["uri"], first["experiment"], spec, first["parent_run_id"])
        channel.outbox = outbox
        if outbox.sent_count():
            run_id = first["run_id"] if first["op"] == "attach" else outbox.saved_run_id()
            if run_id is None:
                raise LookupError(
                    f"part of {outbox.path} was sent, but not the id of the run it created"
                )
            channel.apply({**first, "op": "attach", "run_id": run_id})
        return channel

    @property
    def run_id(self) -> str | None:
        return None if self.run is None else self.run.run_id

    def open_operation(self) -> dict:
        return self._header("open")

    def send(self, operation: dict) -> None:
        if self.offline and time.monotonic() - self._tried >= RETRY_SECONDS:
            self._retry()
        if not self.offline:
            try:
                self.apply(operation)
                return
            except Exception as error:  # noqa: BLE001 - any failure of the store: keep the data
                self._go_offline(error, operation)
        self.outbox.append(operation)

    def apply(self, operation: dict) -> None:
        from nnlab.tracking import worker
        from nnlab.tracking.mlflow_tracker import MlflowRun

        kind = operation["op"]
        if kind in ("open", "attach"):
            tracker = worker.tracker(self.uri, self.experiment)
            self.run = MlflowRun(tracker, self.spec, self.parent_run_id)
            if kind == "open":
                self.run.open()
            else:
                self.run.run_id = operation["run_id"]
        elif kind == "points":
            self.run.log_points(operation["points"])
        elif kind == "finish":
            self.run.finish(RunFiles(**operation["files"]), operation["figures"])
        elif kind == "close":
            self.run.close(operation["status"], operation["error"], operation["details"])
        elif kind == "close_parent":
            from nnlab.tracking import sweeps

            sweeps.finish_parent(self.run, **operation["arguments"])
        else:
            raise ValueError(f"unknown tracking operation {kind!r}")

    def replay(self, operations: list[dict] | None = None) -> int:
        """Send the outbox's unsent operations (``operations``, if the caller has read them
        already) in order; how many were sent."""
        sent = 0
        for operation in self.outbox.unsent() if operations is None else operations:
            self.apply(operation)
            if operation["op"] == "open":
                self.outbox.save_run_id(self.run_id)
            self.outbox.mark_sent()
            sent += 1
        return sent

    def note(self) -> str | None:
        """What the user must be told at the end: where the unsent operations wait."""
        if not self.outbox.unsent():
            return None
        return (
            f"{self.spec.name}: the tracking store was unreachable ({self.error}); what could "
            f"not be sent is in {self.outbox.folder}; send it with: python -m nnlab.sync "
            f"{self.outbox.folder.parent}"
        )

    def _header(self, kind: str) -> dict:
        header = {"op": kind, "uri": self.uri, "experiment": self.experiment,
                  "spec": asdict(self.spec), "parent_run_id": self.parent_run_id}  # fmt: skip
        if kind == "attach":
            header["run_id"] = self.run_id
        return header

    def _go_offline(self, error: Exception, operation: dict) -> None:
        self.offline = True
        self._tried = time.monotonic()
        message = str(error).splitlines()[0] if str(error) else ""
        self.error = f"{type(error).__name__}: {message}"
        if operation["op"] not in ("open", "attach") and not self.outbox.unsent():
            self.outbox.append(self._header("attach"))

    def _retry(self) -> None:
        self._tried = time.monotonic()
        try:
            self.replay()
        except Exception:  # noqa: BLE001 - still unreachable: stay offline
            return
        self.offline = False
