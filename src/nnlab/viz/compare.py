"""Figures that compare runs: one metric of many runs overlaid, the mean +- std band of groups
of runs (seeds), and a grid of decision regions. Inputs are histories and computed regions
(``nnlab.viz.regions.regions``), not tracking records, so these work for any source of runs.

With many runs, or long labels, the legend goes below the axes in as many columns as fit.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import matplotlib
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from nnlab.train import History
from nnlab.viz.colors import COLORS
from nnlab.viz.style import new_figure, thin

WIDTH = 7.5  # inches, every comparison figure
AXES_HEIGHT = 4.0  # inches, a figure with its legend inside the axes
LEGEND_CHARS = 96  # characters of legend entries that fit across the figure below the axes
LEGEND_ROW = 0.19  # inches per row of a legend below the axes


@dataclass
class Line:
    """One run in an overlay: its label, history, colour, and whether it failed or was killed
    (drawn dashed)."""

    label: str
    history: History
    color: str
    failed: bool = False


@dataclass
class Band:
    """A group of runs drawn as their mean with a shaded +- one standard deviation."""

    label: str
    histories: list[History]
    color: str


@dataclass
class Panel:
    """One small decision-region plot: a run's picture (``nnlab.viz.regions.picture``)."""

    title: str
    image: np.ndarray


def palette(n: int) -> list[str]:
    """``n`` colours: the house colours up to 10, then the 20 of ``tab20`` (dark shades first),
    repeating beyond that."""
    if n <= len(COLORS):
        return list(COLORS[:n])
    tab20 = [to_hex(c) for c in matplotlib.colormaps["tab20"].colors]
    ordered = tab20[0::2] + tab20[1::2]
    return [ordered[i % len(ordered)] for i in range(n)]


def overlay(
    lines: Sequence[Line], metric: str, title: str, log: bool = False, stacked: bool = False
) -> Figure | None:
    """``metric`` of every line over epochs (only where measured and finite); ``None`` if no
    history has it. ``log`` uses a log y-axis when every value is positive; ``stacked`` draws
    earlier lines wider, so runs with identical values (learning rates, often) all show."""
    drawn = [line for line in lines if _has(line.history, metric)]
    if not drawn:
        return None
    figure, ax, legend = _figure([line.label for line in drawn])
    values = []
    for index, line in enumerate(drawn):
        epochs, column = _measured(line.history, metric)
        width = 1.3 + (1.6 * (len(drawn) - 1 - index) / max(len(drawn) - 1, 1) if stacked else 0)
        values.append(column)
        ax.plot(
            *thin(epochs, column),
            color=line.color,
            linestyle="--" if line.failed else "-",
            linewidth=width,
            alpha=0.9,
            label=line.label,
        )
    _axes(ax, metric, title, log and _positive(values))
    legend()
    return figure


def bands(groups: Sequence[Band], metric: str, title: str, log: bool = False) -> Figure | None:
    """The mean of ``metric`` over each group's runs with a shaded +- one (sample) standard
    deviation, epoch by epoch over the runs measured at that epoch; ``None`` if no run has
    ``metric``."""
    drawn = []
    for group in groups:
        stats = mean_std([h for h in group.histories if _has(h, metric)], metric)
        if stats is not None:
            drawn.append((group, *stats))
    if not drawn:
        return None
    means = [mean for _, _, mean, _ in drawn]
    log = log and _positive(means)
    # on a log axis a band reaching zero would stretch the scale: its lower edge stops at a
    # tenth of the smallest mean
    floor = min(float(np.min(mean)) for mean in means) / 10 if log else -np.inf
    figure, ax, legend = _figure([group.label for group, *_ in drawn])
    for group, epochs, mean, std in drawn:
        spread = np.nan_to_num(std)
        ax.plot(epochs, mean, color=group.color, linewidth=1.5, label=group.label)
        ax.fill_between(epochs, np.maximum(mean - spread, floor), mean + spread,
                        color=group.color, alpha=0.2, linewidth=0)  # fmt: skip
    _axes(ax, metric, title, log)
    legend()
    return figure


def mean_std(histories: Sequence[History], metric: str):
    """``(epochs, mean, std)`` of ``metric`` over ``histories`` at every epoch some run measured
    (finite values only; ``std`` is the sample standard deviation, ``nan`` where one run was
    measured); ``None`` if none has it."""
    columns = {}
    for history in histories:
        epochs, values = _measured(history, metric)
        for epoch, value in zip(epochs.tolist(), values.tolist(), strict=True):
            columns.setdefault(epoch, []).append(value)
    if not columns:
        return None
    epochs = np.array(sorted(columns))
    mean = np.array([np.mean(columns[e]) for e in epochs])
    std = np.array([np.std(columns[e], ddof=1) if len(columns[e]) > 1 else np.nan
                    for e in epochs])  # fmt: skip
    return epochs, mean, std


def boundary_grid(panels: Sequence[Panel], title: str, ncols: int = 4) -> Figure | None:
    """Small decision-region pictures side by side, ``ncols`` to a row, each under its title
    (three lines at most); ``None`` without panels."""
    if not panels:
        return None
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    width, height = 2.6 * ncols, 2.9 * nrows + 0.75  # a panel: 2.5 in of picture, 0.4 of title
    figure, axes = new_figure(width, height, ncols=ncols, nrows=nrows,
                              margins=(0.01, 0.01, 0.99, 1 - 0.8 / height))  # fmt: skip
    figure.subplots_adjust(wspace=0.05, hspace=0.4 / 2.5)
    axes = axes if isinstance(axes, list) else [axes]
    for ax, panel in zip(axes, panels, strict=False):
        ax.imshow(panel.image, interpolation="nearest")
        ax.set_title(panel.title, fontsize=8.5)
    for ax in axes:
        ax.set_axis_off()
    figure.suptitle(title, fontsize=11, y=1 - 0.08 / height, va="top")
    return figure


def _has(history: History | None, metric: str) -> bool:
    if history is None or metric not in history.metrics:
        return False
    return bool(np.isfinite(np.asarray(history.metrics[metric], dtype=float)).any())


def _measured(history: History, metric: str) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(history.metrics.get(metric, ()), dtype=float)
    epochs = np.asarray(history.epochs[: len(values)])
    keep = np.isfinite(values)
    return epochs[keep], values[keep]


def _positive(columns) -> bool:
    values = [np.asarray(c, dtype=float) for c in columns]
    values = np.concatenate(values) if values else np.array([])
    return values.size > 0 and bool((values > 0).all())


def _axes(ax, metric: str, title: str, log: bool) -> None:
    if log:
        ax.set_yscale("log")
        # plain numbers (0.8, not 8x10^-1), also on the minor ticks of a narrow range
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(partial(_minor_label, ax)))
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(title, fontsize=11)


def _minor_label(ax, value: float, _position) -> str:
    """Every minor tick labelled within one decade, 2 and 5 within a few, none beyond."""
    low, high = ax.get_ylim()
    decades = math.log10(high / low) if low > 0 and high > 0 else math.inf
    digit = round(value / 10 ** math.floor(math.log10(value))) if value > 0 else 0
    if decades <= 1 or (decades <= 2.5 and digit in (2, 5)):
        return f"{value:g}"
    return ""


def _figure(labels: list[str]):
    """A figure whose axes keep their height whatever the legend below them takes (its margins
    fixed, not laid out: several times faster to draw); and a function that draws the legend
    once the lines are there."""
    longest = max(len(label) for label in labels) + 8  # the line sample and padding
    if len(labels) <= 4 and longest <= 34:
        figure, ax = new_figure(WIDTH, AXES_HEIGHT, margins=(0.1, 0.12, 0.97, 0.91))
        return figure, ax, lambda: ax.legend(fontsize=8.5, framealpha=0.85)
    ncols = max(1, min(len(labels), LEGEND_CHARS // longest))
    legend = 0.25 + LEGEND_ROW * -(-len(labels) // ncols)  # inches below the axes' labels
    height = AXES_HEIGHT + legend
    figure, ax = new_figure(WIDTH, height, margins=(0.1, (legend + 0.48) / height, 0.97,
                                                    1 - 0.36 / height))  # fmt: skip
    return (
        figure,
        ax,
        lambda: figure.legend(
            loc="lower center", ncols=ncols, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.01)
        ),  # fmt: skip
    )
