"""The y-range of a figure's curves, kept to the scale of the runs that did not diverge.

A run whose loss explodes (a learning rate far too large) reaches 1e+300 or infinity within a
few epochs; drawn as it is, it stretches the axis until every other curve is a flat line, and
values near the largest float overflow inside matplotlib. So the range is set by reference
values (the caller's choice: the runs that did not fail, say) no larger than ``LARGEST``; a
curve that leaves it is drawn off the edge it crosses, with a marker there, and its legend entry
says when its run diverged (``Range.label``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnlab.train import History
from nnlab.viz.style import thin

LARGEST = 1e100  # values beyond are off the scale of every figure
MARGIN = 0.05  # of the range, above and below the reference values


@dataclass(frozen=True)
class Range:
    """A y-range; ``log``: on a log axis (then ``low > 0``)."""

    low: float
    high: float
    log: bool

    def clip(self, values: np.ndarray) -> np.ndarray:
        """``values`` with those outside the range (infinities included) moved just past the
        edge they cross, so that the curve runs off the axes there and comes back."""
        if self.log:
            factor = self.high / self.low
            return np.clip(values, self.low / factor, self.high * factor)
        width = self.high - self.low
        return np.clip(values, self.low - width, self.high + width)

    def first_outside(self, epochs: np.ndarray, values: np.ndarray) -> tuple[int, float] | None:
        """``(epoch, edge)``: where a curve first leaves the range, and the edge it crosses;
        ``None`` if it stays in."""
        outside = np.flatnonzero(~((values >= self.low) & (values <= self.high)))
        if not outside.size:
            return None
        first = outside[0]
        return int(epochs[first]), self.high if values[first] > self.high else self.low

    def label(
        self, text: str, epochs: np.ndarray, values: np.ndarray, history: History | None = None
    ) -> str:
        """A curve's legend entry: ``text``, and if the curve leaves the range, the epoch its
        run (``history``) diverged at, or else the epoch it leaves at."""
        left = self.first_outside(epochs, values)
        if left is None:
            return text
        diverged = diverged_at(history) if history is not None else None
        if diverged is not None:
            return f"{text}, diverged at epoch {diverged}"
        return f"{text}, off the scale at epoch {left[0]}"


def span(columns: Sequence[np.ndarray], log: bool) -> Range | None:
    """The range of the finite values of ``columns`` no larger than ``LARGEST``, with a margin;
    on a log axis when ``log`` and every such value is positive; ``None`` without such values.
    A single value gets a decade either side on a log axis, 5% on a linear one (as matplotlib
    does)."""
    values = in_scale(columns)
    if not values.size:
        return None
    low, high = float(values.min()), float(values.max())
    if log and low > 0:
        if high == low:
            low, high = low / 10, high * 10
        pad = (high / low) ** MARGIN
        return Range(low / pad, high * pad, True)
    if high == low:
        low, high = low - (0.05 * abs(low) or 1.0), high + (0.05 * abs(high) or 1.0)
    pad = MARGIN * (high - low)
    return Range(low - pad, high + pad, False)


def in_scale(columns: Sequence[np.ndarray]) -> np.ndarray:
    """The values of ``columns`` a range is made from: finite, and no larger than ``LARGEST``."""
    values = np.concatenate([np.asarray(c, dtype=float) for c in columns] or [np.array([])])
    return values[np.isfinite(values) & (np.abs(values) <= LARGEST)]


def diverged_at(history: History) -> int | None:
    """The epoch a run diverged at: its history's last, when a metric measured at every earlier
    epoch is not finite there (training stops at the epoch its loss is not, ``nnlab.train.fit``);
    ``None`` for a history that does not end so."""
    if not history.epochs:
        return None
    for column in history.metrics.values():
        values = np.asarray(column, dtype=float)
        if np.isfinite(values[:-1]).all() and not np.isfinite(values[-1]):
            return history.epochs[-1]
    return None


def draw(ax, epochs: np.ndarray, values: np.ndarray, scale: Range, **style) -> None:
    """Plot a curve on ``ax`` within ``scale``, with a marker in its colour where it first
    leaves it."""
    (line,) = ax.plot(*thin(epochs, scale.clip(values)), **style)
    left = scale.first_outside(epochs, values)
    if left is not None:
        epoch, edge = left
        ax.plot([epoch], [edge], marker="^" if edge == scale.high else "v", markersize=7,
                color=line.get_color(), clip_on=False, linestyle="none", zorder=3)  # fmt: skip
