"""A run's learning curves in one figure: loss (train and validation, log scale), accuracy,
and the learning rate, side by side."""

import numpy as np
from matplotlib.figure import Figure

from nnlab.train import History
from nnlab.viz import scale
from nnlab.viz.style import new_figure, set_title

PANELS = (
    ("loss", ("train/loss", "val/loss"), "log"),
    ("accuracy", ("train/accuracy", "val/accuracy"), "linear"),
    ("learning rate", ("lr",), "linear"),
)


def run_figure(history: History, title: str) -> Figure:
    """Loss, accuracy and learning-rate curves of one run over its epochs; a curve that
    diverges runs off its axes (``nnlab.viz.scale``), its legend entry saying when."""
    epochs = np.asarray(history.epochs)
    figure, axes = new_figure(13.5, 3.8, ncols=len(PANELS), margins=(0.06, 0.13, 0.99, 0.84))
    figure.subplots_adjust(wspace=0.22)
    for ax, (label, keys, axis) in zip(axes, PANELS, strict=True):
        curves = []
        for key in keys:
            values = np.asarray(history.metrics.get(key, ()), dtype=float)
            measured = ~np.isnan(values)
            if measured.any():
                curves.append((key, epochs[: len(values)][measured], values[measured]))
        columns = [values for _, _, values in curves]
        shown = scale.span(columns, axis == "log" and _spans_a_decade(columns))
        if shown is not None:
            labels = [shown.label(key, at, values, history) for key, at, values in curves]
            for (_, at, values), text in zip(curves, labels, strict=True):
                scale.draw(ax, at, values, shown, label=text, linewidth=1.2)
            if shown.log:
                ax.set_yscale("log")
            ax.set_ylim(shown.low, shown.high)
            if len(curves) > 1 or labels != [key for key, _, _ in curves]:
                ax.legend(fontsize=9)
        ax.set_xlabel("epoch")
        set_title(ax, label, fontsize=11)
    figure.suptitle(title, fontsize=12)
    return figure


def _spans_a_decade(columns: list[np.ndarray]) -> bool:
    """Whether the values are positive and spread over more than a factor of 10 (a log axis
    helps then; over a narrower range it only leaves a tick or two)."""
    values = scale.in_scale(columns)
    return values.size > 0 and values.min() > 0 and values.max() > 10 * values.min()
