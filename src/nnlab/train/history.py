"""The record a training loop keeps: every metric of every epoch, and how training ended."""

import math

import numpy as np

from nnlab.train.metrics import SUMMARIZED, higher_is_better, summary_key


class History:
    """Per-epoch metrics as aligned columns (``nan`` where a metric was not measured), and how
    training ended: ``status`` is ``completed``, ``diverged`` (non-finite loss), ``stopped`` (a
    callback raised ``StopTraining``) or ``pruned`` (a search's pruner raised ``Pruned``), with
    ``stop_reason`` in words."""

    def __init__(self) -> None:
        self.epochs: list[int] = []
        self.metrics: dict[str, list[float]] = {}
        self.status = "running"
        self.stop_reason: str | None = None

    def append(self, epoch: int, metrics: dict[str, float]) -> None:
        if metrics.keys() != self.metrics.keys():
            for key in metrics.keys() - self.metrics.keys():
                self.metrics[key] = [math.nan] * len(self.epochs)
            for key in self.metrics.keys() - metrics.keys():
                self.metrics[key].append(math.nan)
        for key, value in metrics.items():
            self.metrics[key].append(value)
        self.epochs.append(epoch)

    def __len__(self) -> int:
        return len(self.epochs)

    def last(self, key: str) -> float:
        """The last measured (non-nan) value of ``key``; ``nan`` if never measured."""
        for value in reversed(self.metrics.get(key, ())):
            if not math.isnan(value):
                return value
        return math.nan

    def summary(self) -> dict[str, float]:
        """Best value, epoch of the best, and final value of the ``SUMMARIZED`` metrics this
        history has, keyed by ``summary_key``."""
        found: dict[str, float] = {}
        for key in SUMMARIZED:
            if key in self.metrics:
                best, epoch = self.best(key)
                found[summary_key(key, "best")] = best
                found[summary_key(key, "best_epoch")] = epoch
                found[summary_key(key, "final")] = self.last(key)
        return found

    def best(self, key: str) -> tuple[float, int]:
        """``(best value, its epoch)``: max for accuracies, min otherwise; ``(nan, -1)`` if none."""
        column = np.asarray(self.metrics.get(key, ()), dtype=float)
        if not np.isfinite(column).any():
            return math.nan, -1
        index = int(np.nanargmax(column) if higher_is_better(key) else np.nanargmin(column))
        return float(column[index]), self.epochs[index]
