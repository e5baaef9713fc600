"""What the training loops tell observers, and the record they keep.

A callback receives plain floats: ``on_fit_start(params)``, ``on_step_end(step, metrics)``,
``on_epoch_end(epoch, metrics)`` and ``on_fit_end(history)``. Metric keys: ``train/loss``
(data + regularisation), ``train/data_loss``, ``train/reg_loss``, ``train/accuracy``,
``val/loss``, ``val/accuracy`` and ``lr``. A callback may raise ``StopTraining`` to end training
early (a pruned trial, say); the loop records why and returns normally.
"""

import math
from collections.abc import Iterable

import numpy as np

from nnlab.checks import in_range, positive_int

# History.summary(): for each of these metrics, its best value, the epoch of the best and its
# final value, keyed like "val/loss_best", "val/loss_best_epoch", "val/loss_final" (the
# lightning-hydra-template style: in the MLflow UI they sit in the metric's own chart section)
SUMMARIZED = ("train/loss", "train/accuracy", "val/loss", "val/accuracy")
SUMMARY_KINDS = ("best", "best_epoch", "final")


def summary_key(metric: str, kind: str) -> str:
    """``summary_key("val/loss", "best") == "val/loss_best"``."""
    return f"{metric}_{kind}"


def is_summary_key(key: str) -> bool:
    return key.endswith(tuple(f"_{kind}" for kind in SUMMARY_KINDS))


class StopTraining(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a callback to end training; the message says why. ``outcome`` becomes the
    history's status: ``stopped`` (early stopping, say) unless a subclass says otherwise."""

    outcome = "stopped"


class Pruned(StopTraining):
    """Raised by a search's pruner: the run is not promising enough to finish."""

    outcome = "pruned"


class Callback:
    """Base class: every hook does nothing until overridden."""

    def on_fit_start(self, params: dict[str, np.ndarray]) -> None: ...

    def on_step_end(self, step: int, metrics: dict[str, float]) -> None: ...

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None: ...

    def on_fit_end(self, history: "History") -> None: ...


class CallbackList:
    """Dispatches each hook to the callbacks that override it, so an unobserved hook costs
    nothing (``listens_to_steps`` lets the loop skip building per-step metrics)."""

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        self.callbacks = list(callbacks)
        self._step = [cb for cb in self.callbacks if _overrides(cb, "on_step_end")]
        self._epoch = [cb for cb in self.callbacks if _overrides(cb, "on_epoch_end")]
        self.listens_to_steps = bool(self._step)

    def on_fit_start(self, params: dict[str, np.ndarray]) -> None:
        for cb in self.callbacks:
            cb.on_fit_start(params)

    def on_step_end(self, step: int, metrics: dict[str, float]) -> None:
        for cb in self._step:
            cb.on_step_end(step, metrics)

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        for cb in self._epoch:
            cb.on_epoch_end(epoch, metrics)

    def on_fit_end(self, history: "History") -> None:
        for cb in self.callbacks:
            cb.on_fit_end(history)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs in which it was measured (the run ends FINISHED, stopped early). ``patience`` is an
    integer ``>= 1`` and ``min_delta`` a finite number ``>= 0``."""

    def __init__(self, monitor: str = "val/loss", patience: int = 100, min_delta: float = 0.0):
        self.monitor = monitor
        self.patience = positive_int("patience", patience)
        self.min_delta = in_range("min_delta", min_delta, 0.0)
        self._best = math.inf
        self._waited = 0

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        value = metrics.get(self.monitor)
        if value is None:
            return
        score = -value if higher_is_better(self.monitor) else value
        if score < self._best - self.min_delta:
            self._best, self._waited = score, 0
            return
        self._waited += 1
        if self._waited >= self.patience:
            raise StopTraining(
                f"early stop at epoch {epoch}: {self.monitor} did not improve for "
                f"{self.patience} measured epochs"
            )


def _overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook, None) is not getattr(Callback, hook)


def higher_is_better(key: str) -> bool:
    """Accuracies are maximised; losses and everything else minimised."""
    return key.endswith("accuracy")


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
