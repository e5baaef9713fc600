"""Which metric points go to the tracker (the full history goes to ``history.csv``)."""

import math
import time
from collections.abc import Callable

from nnlab.train import Callback, History

Point = tuple[str, float, int, int]  # key, value, timestamp in ms, step (the epoch)
BATCH = 1000  # MLflow's log_batch limit
FLUSH_SECONDS = 5.0


class MetricSampler(Callback):
    """Sends at most about ``max_points`` points per metric, in batches.

    A metric is sent at an epoch if at least ``stride = ceil(epochs / max_points)`` epochs passed
    since it was last sent, and always at the last epoch (``max_points <= 0`` sends every epoch;
    a run that stops early sends each metric's last value at the end). Batches of up to 1000
    points leave when full or every few seconds, so the MLflow UI follows a long run live.
    """

    def __init__(self, send: Callable[[list[Point]], None], epochs: int, max_points: int) -> None:
        self.send = send
        self.stride = 1 if max_points <= 0 else max(1, math.ceil(epochs / max_points))
        self.last_epoch = epochs - 1
        self._pending: list[Point] = []
        self._sent_at: dict[str, int] = {}
        self._next_due = 0  # no metric seen so far is due before this epoch
        self._flushed = time.monotonic()

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        quiet = (
            epoch < self._next_due
            and epoch != self.last_epoch
            and self._sent_at.keys() >= metrics.keys()
        )
        if not quiet:
            timestamp = int(time.time() * 1000)
            final = epoch == self.last_epoch
            for key, value in metrics.items():
                last = self._sent_at.get(key)
                if final or last is None or epoch - last >= self.stride:
                    self._pending.append((key, value, timestamp, epoch))
                    self._sent_at[key] = epoch
            self._next_due = min(self._sent_at.values()) + self.stride
        if len(self._pending) >= BATCH or time.monotonic() - self._flushed > FLUSH_SECONDS:
            self.flush()

    def on_fit_end(self, history: History) -> None:
        timestamp = int(time.time() * 1000)
        for key, column in history.metrics.items():
            for index in range(len(column) - 1, -1, -1):
                if not math.isnan(column[index]):
                    epoch = history.epochs[index]
                    if self._sent_at.get(key, -1) < epoch:
                        self._pending.append((key, column[index], timestamp, epoch))
                    break
        self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), BATCH):
            self.send(pending[start : start + BATCH])
        self._flushed = time.monotonic()
