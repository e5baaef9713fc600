"""The training callback that writes a run's folder while it trains (``nnlab.run.folder``).

``start`` writes ``run.json`` (status RUNNING) and the history's header. It keeps each
epoch's metrics and, every ``FLUSH_SECONDS`` of training, appends them to ``history.csv`` and
replaces ``weights.npz`` with the current weights, so a run killed without warning leaves its
record up to the last flush. At each flush it also asks its ``checks`` whether training should
go on (they raise to stop it: the sweep it belongs to has gone, say). ``close`` writes what is
left and how the run ended.
"""

import time
from collections.abc import Callable

from nnlab.run.folder import RunFolder, RunInfo
from nnlab.train import Callback

FLUSH_SECONDS = 1.0


class FolderRecorder(Callback):
    def __init__(
        self,
        folder: RunFolder,
        info: RunInfo,
        columns: tuple[str, ...],
        params: dict,
        checks: list[Callable[[], None]] = (),
    ) -> None:
        self.folder = folder
        self.info = info
        self.columns = columns
        self.params = params
        self.checks = list(checks)
        self._rows: list[tuple[int, dict]] = []
        self._due = 0.0
        self._started = time.perf_counter()

    def start(self) -> None:
        self.folder.start_history(self.columns)
        self.folder.write_info(self.info)
        self._started = time.perf_counter()
        self._due = time.monotonic() + FLUSH_SECONDS
        for check in self.checks:
            check()

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        self._rows.append((epoch, metrics))
        if time.monotonic() >= self._due:
            self.flush()
            for check in self.checks:
                check()

    def flush(self) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            self.folder.append_history(self.columns, rows)
            self.folder.write_weights(self.params)
        self._due = time.monotonic() + FLUSH_SECONDS

    def close(self, status: str, outcome: str, reason: str | None, summary: dict) -> None:
        """Write the rows not written yet, the final weights and how the run ended; on a full
        disk, how it ended comes first (``OSError`` is raised once that is written, if it
        could be)."""
        info = self.info
        info.status, info.outcome, info.reason, info.summary = status, outcome, reason, summary
        info.ended = time.time()
        info.seconds = time.perf_counter() - self._started
        try:
            self.flush()
            self.folder.write_weights(self.params)
        finally:
            self.folder.write_info(info)
