"""Figures of estimates with their confidence intervals: a grid of panels with one horizontal
interval per method (the point estimate as a dot, ``[low, high]`` as a bar), and performance
profiles (the fraction of runs beyond each threshold, with its pointwise band). Inputs are plain
numbers, so the figures do not depend on how the estimates were made.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from nnlab.viz.style import new_figure, set_title

PANEL_WIDTH = 3.2  # inches
ROW_HEIGHT = 0.36  # inches per method in a panel


@dataclass(frozen=True)
class Estimate:
    """One method's estimate and interval (``nan`` bounds: no interval, the dot alone)."""

    label: str
    value: float
    low: float
    high: float
    color: str


@dataclass(frozen=True)
class Panel:
    """One statistic of every method, on its own x-axis."""

    title: str
    xlabel: str
    estimates: Sequence[Estimate]


@dataclass(frozen=True)
class ProfileCurve:
    """A method's performance profile: ``fraction[k]`` of its runs beyond ``thresholds[k]``,
    with the band ``[low[k], high[k]]``."""

    label: str
    thresholds: np.ndarray
    fraction: np.ndarray
    low: np.ndarray
    high: np.ndarray
    color: str


def interval_grid(panels: Sequence[Panel], title: str, ncols: int = 3) -> Figure | None:
    """``panels`` in rows of ``ncols``, each listing its methods top to bottom in the order
    given; ``None`` without panels. Methods are named on the first panel of each row."""
    if not panels:
        return None
    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    methods = max(len(panel.estimates) for panel in panels)
    height = nrows * (0.95 + ROW_HEIGHT * methods) + 0.45
    figure, axes = new_figure(PANEL_WIDTH * ncols + 1.2, height, ncols=ncols, nrows=nrows)
    axes = axes if isinstance(axes, list) else [axes]
    for index, (ax, panel) in enumerate(zip(axes, panels, strict=False)):
        _intervals(ax, panel, labelled=index % ncols == 0)
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    figure.suptitle(title, fontsize=11)
    return figure


def profile_figure(curves: Sequence[ProfileCurve], xlabel: str, title: str) -> Figure | None:
    """Each curve as a step line over its thresholds (log x-axis when every threshold is
    positive and they span more than a factor of 2) with its shaded band; ``None`` without
    curves."""
    if not curves:
        return None
    figure, ax = new_figure(7.5, 4.4)
    for curve in curves:
        ax.step(curve.thresholds, curve.fraction, where="post", color=curve.color,
                linewidth=1.6, label=curve.label)  # fmt: skip
        band = np.isfinite(curve.low) & np.isfinite(curve.high)
        if band.any():
            ax.fill_between(curve.thresholds, np.where(band, curve.low, np.nan),
                            np.where(band, curve.high, np.nan), step="post",
                            color=curve.color, alpha=0.12, linewidth=0)  # fmt: skip
    thresholds = np.concatenate([curve.thresholds for curve in curves])
    if thresholds.min() > 0 and thresholds.max() > 2 * thresholds.min():
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(_minor_label))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of runs")
    set_title(ax, title, fontsize=11)
    ax.legend(fontsize=8.5, framealpha=0.85)
    return figure


def _minor_label(value: float, _position) -> str:
    """Minor ticks of a log axis labelled at 2 and 5 times a power of ten only."""
    digit = round(value / 10 ** math.floor(math.log10(value))) if value > 0 else 0
    return f"{value:g}" if digit in (2, 5) else ""


def _intervals(ax, panel: Panel, labelled: bool) -> None:
    positions = np.arange(len(panel.estimates))[::-1]  # the first method on top
    for position, estimate in zip(positions, panel.estimates, strict=True):
        if math.isfinite(estimate.low) and math.isfinite(estimate.high):
            ax.plot([estimate.low, estimate.high], [position, position], color=estimate.color,
                    linewidth=4, alpha=0.45, solid_capstyle="butt")  # fmt: skip
        if math.isfinite(estimate.value):
            ax.plot([estimate.value], [position], marker="o", markersize=6,
                    color=estimate.color, markeredgecolor="black", markeredgewidth=0.5)  # fmt: skip
    ax.set_yticks(positions, [e.label for e in panel.estimates] if labelled else [], fontsize=9)
    ax.set_ylim(-0.6, len(panel.estimates) - 0.4)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(panel.xlabel, fontsize=9)
    set_title(ax, panel.title, fontsize=10)
