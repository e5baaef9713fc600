"""One look for every figure: size, fonts, grid (the colours: ``nnlab.viz.colors``)."""

import numpy as np
from matplotlib.figure import Figure

DPI = 110


def new_figure(
    width: float = 7.0, height: float = 4.2, ncols: int = 1, nrows: int = 1, margins=None
):
    """A figure and its axes (a single axes, or a flat list for a grid). Matplotlib lays it out
    unless ``margins`` (``left, bottom, right, top`` as fractions) fix the axes' place, which
    draws several times faster when nothing but the axes needs room."""
    figure = Figure(figsize=(width, height), dpi=DPI, layout=None if margins else "constrained")
    if margins:
        left, bottom, right, top = margins
        figure.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    axes = figure.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        ax.grid(True, alpha=0.3)
        ax.tick_params(labelsize=9)
    flat = list(axes.flat)
    return figure, flat[0] if len(flat) == 1 else flat


def set_title(ax, text: str, fontsize: float) -> None:
    """``ax``'s title, at the top of the axes unless the y-axis has an offset text there to
    clear (``1e-5``, ``+1``). Matplotlib would decide that at every draw by measuring every y
    tick label, a third of the time a figure takes to draw; here it is decided once, from the
    ticks of the axes' limits as they are (so call it once the data and limits are set)."""
    axis = ax.yaxis
    formatter = axis.get_major_formatter()
    formatter.format_ticks(axis.get_majorticklocs())
    ax.set_title(text, fontsize=fontsize, y=None if formatter.get_offset() else 1.0)


def thin(x: np.ndarray, y: np.ndarray, max_points: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``max_points`` points that draw like all of them: the series is cut into
    buckets and each keeps its minimum and maximum, in order, so spikes and the envelope of a
    noisy curve survive while rendering stays fast."""
    n = len(x)
    if n <= max_points:
        return x, y
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(int)
    keep = []
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        segment = y[start:stop]
        low, high = start + int(np.argmin(segment)), start + int(np.argmax(segment))
        keep.extend(sorted({low, high}))
    keep = np.asarray(keep)
    return x[keep], y[keep]
