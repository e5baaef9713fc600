"""Training callbacks for end-to-end tests, named on the command line as
``+callbacks.<name>._target_=support.failing.RaiseAt`` with ``tests/`` on ``PYTHONPATH``."""

from nnlab.train import Callback


class Boom(RuntimeError):
    """The error ``RaiseAt`` raises, so tests can find it by name."""


class RaiseAt(Callback):
    """Raise ``Boom`` at the end of epoch ``epoch`` (never, if training ends before)."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if epoch == self.epoch:
            raise Boom(f"boom at epoch {epoch}")
