"""Figures that compare runs: one metric of many runs overlaid, the mean +- std band of groups
of runs (seeds), and a grid of decision regions. Inputs are histories and computed regions
(``nnlab.viz.regions.regions``), not tracking records, so these work for any source of runs.

With many runs, or long labels, the legend goes below the axes in as many columns as fit.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter

from nnlab.train import History
from nnlab.viz import scale
from nnlab.viz.style import new_figure, set_title

WIDTH = 7.5  # inches, every comparison figure
AXES_HEIGHT = 4.0  # inches, a figure with its legend inside the axes
LEGEND_CHARS = 96  # characters of legend entries that fit across the figure below the axes
LEGEND_ROW = 0.19  # inches per row of a legend below the axes
TICK_POINTS = 9  # the size of tick labels (nnlab.viz.style)
TITLE_POINTS = 11  # a figure's title
TITLE_LINE = 0.22  # inches per line of a figure's title
# points left of the tick labels' text: ticks and their pad (7), the axis label's pad (4) and
# height (12), and room to the edge (5)
AXIS_LABEL_POINTS = 28


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


def overlay(
    lines: Sequence[Line], metric: str, title: str, log: bool = False, stacked: bool = False
) -> Figure | None:
    """``metric`` of every line over epochs (where measured); ``None`` if no history has it.
    The y-range is that of the lines that did not fail (else of those that did not diverge,
    ``nnlab.viz.scale``): a line beyond it runs off the axes, marked where it leaves, its legend
    entry saying when it diverged. ``log`` uses a log y-axis when every value in range is
    positive; ``stacked`` draws earlier lines wider, so runs with identical values (learning
    rates, often) all show."""
    drawn = [(line, *_measured(line.history, metric, finite=False)) for line in lines]
    drawn = [(line, epochs, column) for line, epochs, column in drawn if column.size]
    reference = (
        [column for line, _, column in drawn if not line.failed]
        or [column for line, _, column in drawn if scale.diverged_at(line.history) is None]
        or [column for _, _, column in drawn]
    )
    shown = scale.span(reference, log)
    if shown is None:
        return None
    labels = [shown.label(line.label, epochs, column, line.history)
              for line, epochs, column in drawn]  # fmt: skip
    figure, ax, legend = _figure(labels)
    for index, ((line, epochs, column), label) in enumerate(zip(drawn, labels, strict=True)):
        width = 1.3 + (1.6 * (len(drawn) - 1 - index) / max(len(drawn) - 1, 1) if stacked else 0)
        scale.draw(ax, epochs, column, shown, color=line.color, alpha=0.9, label=label,
                   linestyle="--" if line.failed else "-", linewidth=width)  # fmt: skip
    _axes(ax, metric, title, shown)
    legend()
    return figure


def bands(groups: Sequence[Band], metric: str, title: str, log: bool = False) -> Figure | None:
    """The mean of ``metric`` over each group's runs with a shaded +- one (sample) standard
    deviation, epoch by epoch over the runs measured at that epoch; ``None`` if no run has
    ``metric``. The y-range is that of the means (``nnlab.viz.scale``)."""
    drawn = []
    for group in groups:
        stats = mean_std([h for h in group.histories if _has(h, metric)], metric)
        if stats is not None:
            drawn.append((group, *stats))
    shown = scale.span([mean for _, _, mean, _ in drawn], log)
    if shown is None:
        return None
    # on a log axis a band reaching zero would stretch the scale: its lower edge stops at a
    # tenth of the smallest mean
    floor = min(float(np.min(mean)) for _, _, mean, _ in drawn) / 10 if shown.log else -np.inf
    labels = [shown.label(group.label, epochs, mean) for group, epochs, mean, _ in drawn]
    figure, ax, legend = _figure(labels)
    for (group, epochs, mean, std), label in zip(drawn, labels, strict=True):
        spread = np.nan_to_num(std)
        scale.draw(ax, epochs, mean, shown, color=group.color, linewidth=1.5, label=label)
        ax.fill_between(epochs, shown.clip(np.maximum(mean - spread, floor)),
                        shown.clip(mean + spread), color=group.color, alpha=0.2,
                        linewidth=0)  # fmt: skip
    _axes(ax, metric, title, shown)
    legend()
    return figure


def mean_std(histories: Sequence[History], metric: str):
    """``(epochs, mean, std)`` of ``metric`` over ``histories`` at every epoch some run measured
    (finite values only; ``std`` is the sample standard deviation, ``nan`` where one run was
    measured); ``None`` if none has it. The runs measured at an epoch are a row of a table of
    epochs by runs, and each set of runs is averaged at once over all its epochs (usually one:
    every run at every epoch), as NumPy averages each epoch's values alone."""
    measured = [_measured(history, metric) for history in histories]
    if not any(epochs.size for epochs, _ in measured):
        return None
    epochs = np.unique(np.concatenate([at for at, _ in measured]))
    table = np.full((epochs.size, len(measured)), np.nan)
    for run, (at, values) in enumerate(measured):
        table[np.searchsorted(epochs, at), run] = values
    present = ~np.isnan(table)
    mean, std = np.full(epochs.size, np.nan), np.full(epochs.size, np.nan)
    for runs in np.unique(present, axis=0):
        rows = (present == runs).all(axis=1)
        values = table[np.ix_(rows, runs)]  # an epoch's values contiguous, as NumPy sums a list
        mean[rows] = values.mean(axis=1)
        if runs.sum() > 1:
            std[rows] = values.std(axis=1, ddof=1)
    return epochs, mean, std


def boundary_grid(panels: Sequence[Panel], title: str, ncols: int = 4) -> Figure | None:
    """Small decision-region pictures side by side, ``ncols`` to a row, each under its title
    (three lines at most); ``None`` without panels."""
    if not panels:
        return None
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    width = 2.6 * ncols  # a panel: 2.5 in of picture, 0.4 of title
    lines = _wrapped(title, TITLE_POINTS, 0.95 * width)  # one panel is narrower than most titles
    above = 0.8 + TITLE_LINE * (len(lines) - 1)  # inches above the panels' pictures
    height = 2.9 * nrows - 0.05 + above  # rows of pictures with their titles, the title above
    figure, axes = new_figure(width, height, ncols=ncols, nrows=nrows,
                              margins=(0.01, 0.01, 0.99, 1 - above / height))  # fmt: skip
    figure.subplots_adjust(wspace=0.05, hspace=0.4 / 2.5)
    axes = axes if isinstance(axes, list) else [axes]
    for ax, panel in zip(axes, panels, strict=False):
        ax.imshow(panel.image, interpolation="nearest")
        ax.set_title(panel.title, fontsize=8.5)
    for ax in axes:
        ax.set_axis_off()
    figure.suptitle("\n".join(lines), fontsize=TITLE_POINTS, y=1 - 0.08 / height, va="top")
    return figure


def _wrapped(text: str, points: float, inches: float) -> list[str]:
    """``text`` broken between words into lines no wider than ``inches`` at ``points`` (a
    word wider than that on a line of its own)."""
    font = FontProperties(size=points)
    lines: list[str] = []
    for word in text.split(" "):
        longer = f"{lines[-1]} {word}" if lines else word
        fits = text_to_path.get_text_width_height_descent(longer, font, ismath=False)[0]
        if lines and fits > inches * 72:
            lines.append(word)
        else:
            lines[-1:] = [longer]
    return lines


def _has(history: History | None, metric: str) -> bool:
    if history is None or metric not in history.metrics:
        return False
    return bool(np.isfinite(np.asarray(history.metrics[metric], dtype=float)).any())


def _measured(history: History, metric: str, finite: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The epochs and values where ``metric`` was measured: finite ones, or with ``finite``
    false also infinite ones (a run diverging)."""
    values = np.asarray(history.metrics.get(metric, ()), dtype=float)
    epochs = np.asarray(history.epochs[: len(values)])
    keep = np.isfinite(values) if finite else ~np.isnan(values)
    return epochs[keep], values[keep]


def _axes(ax, metric: str, title: str, shown: scale.Range) -> None:
    if shown.log:
        ax.set_yscale("log")
        # plain numbers (0.8, not 8x10^-1), also on the minor ticks of a narrow range
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(partial(_minor_label, ax)))
    ax.set_ylim(shown.low, shown.high)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    _fit_left(ax)
    set_title(ax, title, fontsize=TITLE_POINTS)


def _fit_left(ax) -> None:
    """Widen the figure's left margin (fixed, not laid out) to what the y-axis' tick labels and
    its label take, so that neither is cut."""
    low, high = ax.get_ylim()
    axis = ax.yaxis
    texts = [
        text
        for ticks, formatter in ((axis.get_majorticklocs(), axis.get_major_formatter()),
                                 (axis.get_minorticklocs(), axis.get_minor_formatter()))
        for text in formatter.format_ticks([tick for tick in ticks if low <= tick <= high])
    ]  # fmt: skip
    font = FontProperties(size=TICK_POINTS)
    widest = max((text_to_path.get_text_width_height_descent(text, font, ismath="$" in text)[0]
                  for text in texts if text), default=0.0)  # fmt: skip
    inches = (widest + AXIS_LABEL_POINTS) / 72
    figure = ax.figure
    figure.subplots_adjust(left=max(figure.subplotpars.left, inches / figure.get_figwidth()))


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
