"""Bookkeeping shared by the gradient and the search loops: validation when due, the
non-finite check, the history row, the callbacks, and how training ended.

Used as ``with EpochRecorder(...) as recorder:`` around a loop that calls ``recorder.record``
once per epoch and stops when it returns ``False``. Leaving the block normally or by
``StopTraining`` sets the history's status and calls ``on_fit_end``; any other exception
propagates untouched.
"""

import math

import numpy as np

from nnlab.data import Dataset
from nnlab.nn import Network
from nnlab.train.callbacks import Callback, CallbackList, StopTraining
from nnlab.train.history import History


class EpochRecorder:
    def __init__(
        self,
        network: Network,
        data: Dataset,
        callbacks: list[Callback],
        epochs: int,
        val_every: int,
    ) -> None:
        self.network = network
        self.data = data
        self.callbacks = CallbackList(callbacks)
        self.last_epoch = epochs - 1
        self.val_every = val_every if data.x_val is not None else 0
        self.history = History()

    def __enter__(self) -> "EpochRecorder":
        # overflow and nan are detected and reported through the loss, not as warnings
        self._errstate = np.errstate(over="ignore", invalid="ignore")
        self._errstate.__enter__()
        try:
            self.callbacks.on_fit_start(self.network.params)
        except BaseException:
            # __exit__ does not run when __enter__ raises: restore the error state here
            self._errstate.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        self._errstate.__exit__(exc_type, exc, traceback)
        if exc_type is not None and not issubclass(exc_type, StopTraining):
            return False
        if exc is not None:
            self.history.status = exc.outcome
            self.history.stop_reason = str(exc)
        elif self.history.status == "running":
            self.history.status = "completed"
        self.callbacks.on_fit_end(self.history)
        return True

    def record(self, epoch: int, metrics: dict[str, float]) -> bool:
        """Complete ``metrics`` with validation, store them and notify; ``False`` once the
        training loss is not finite (the history then says where)."""
        loss = metrics["train/loss"]
        finite = math.isfinite(loss)
        if finite and self.val_every and (epoch % self.val_every == 0 or epoch == self.last_epoch):
            metrics["val/loss"], metrics["val/accuracy"] = self.network.evaluate(
                self.data.x_val, self.data.y_val
            )
        self.history.append(epoch, metrics)
        self.callbacks.on_epoch_end(epoch, metrics)
        if not finite:
            self.history.status = "diverged"
            self.history.stop_reason = f"non-finite train/loss ({loss}) at epoch {epoch}"
        return finite
