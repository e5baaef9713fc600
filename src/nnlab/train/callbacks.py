"""What the training loops tell observers.

A callback receives plain floats: ``on_fit_start(params)``, ``on_step_end(step, metrics)``,
``on_epoch_end(epoch, metrics)`` (metric keys: ``nnlab.train.metrics``) and
``on_fit_end(history)``. A callback may raise ``StopTraining`` to end training early (a pruned
trial, say); the loop records why and returns normally.
"""

import math
from collections.abc import Iterable

import numpy as np

from nnlab.checks import in_range, positive_int
from nnlab.train.history import History
from nnlab.train.metrics import higher_is_better


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

    def on_fit_end(self, history: History) -> None: ...


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

    def on_fit_end(self, history: History) -> None:
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
