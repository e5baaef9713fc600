"""What a user sees while jobs run: a bar per run (epoch, loss, accuracy) on a terminal, and
one line per finished job everywhere (so logs of CI or of parallel workers stay readable)."""

import sys

from tqdm import tqdm

from nnlab.train import Callback, History

UPDATES = 200  # bar refreshes per run at most


class ProgressBar(Callback):
    def __init__(self, epochs: int, label: str) -> None:
        self.epochs = epochs
        self.label = label
        self.stride = max(1, epochs // UPDATES)
        self._bar: tqdm | None = None
        self._shown = 0

    def on_fit_start(self, params) -> None:
        self._bar = tqdm(total=self.epochs, desc=self.label, unit="epoch", leave=False,
                         dynamic_ncols=True, file=sys.stderr)  # fmt: skip

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if epoch % self.stride == 0 or epoch == self.epochs - 1:
            self._bar.update(epoch + 1 - self._shown)
            self._shown = epoch + 1
            postfix = {"loss": f"{metrics['train/loss']:.4f}"}
            postfix["acc"] = f"{metrics['train/accuracy']:.3f}"
            if "val/loss" in metrics:
                postfix["val_loss"] = f"{metrics['val/loss']:.4f}"
            self._bar.set_postfix(postfix, refresh=False)

    def on_fit_end(self, history: History) -> None:
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def show_bars() -> bool:
    """Bars only on an interactive terminal."""
    return sys.stderr.isatty()
