"""A run's learning curves in one figure: loss (train and validation, log scale), accuracy,
and the learning rate, side by side."""

import numpy as np
from matplotlib.figure import Figure

from nnlab.train import History
from nnlab.viz.style import new_figure, thin

PANELS = (
    ("loss", ("train/loss", "val/loss"), "log"),
    ("accuracy", ("train/accuracy", "val/accuracy"), "linear"),
    ("learning rate", ("lr",), "linear"),
)


def run_figure(history: History, title: str) -> Figure:
    """Loss, accuracy and learning-rate curves of one run over its epochs."""
    epochs = np.asarray(history.epochs)
    figure, axes = new_figure(13.5, 3.8, ncols=len(PANELS), margins=(0.06, 0.13, 0.99, 0.84))
    figure.subplots_adjust(wspace=0.22)
    for ax, (label, keys, scale) in zip(axes, PANELS, strict=True):
        present = [key for key in keys if key in history.metrics]
        for key in present:
            values = np.asarray(history.metrics[key], dtype=float)
            measured = ~np.isnan(values)
            ax.plot(*thin(epochs[measured], values[measured]), label=key, linewidth=1.2)
        if scale == "log" and _spans_a_decade(history, present):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_title(label, fontsize=11)
        if len(present) > 1:
            ax.legend(fontsize=9)
    figure.suptitle(title, fontsize=12)
    return figure


def _spans_a_decade(history: History, keys) -> bool:
    """Whether the values are positive and spread over more than a factor of 10 (a log axis
    helps then; over a narrower range it only leaves a tick or two)."""
    values = np.concatenate([np.asarray(history.metrics[key], dtype=float) for key in keys])
    values = values[np.isfinite(values)]
    return values.size > 0 and values.min() > 0 and values.max() > 10 * values.min()
