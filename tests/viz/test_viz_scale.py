"""Figures stay readable when a run diverges: the y-range is that of the runs that did not, the
diverged run's curve runs off the axes with a marker and "diverged at epoch N" in the legend,
the axis label is not cut, and drawing prints no warning (no overflow in matplotlib or NumPy)."""

import io
import math
import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from nnlab.train import History
from nnlab.viz import compare, scale
from nnlab.viz.curves import run_figure


def history(losses, lr: float = 0.01) -> History:
    """A run's history: ``train/loss`` and ``val/loss`` per epoch, accuracy, a constant lr."""
    found = History()
    for epoch, loss in enumerate(losses):
        found.append(epoch, {"train/loss": loss, "val/loss": loss * 1.01,
                             "train/accuracy": 0.5, "lr": lr})  # fmt: skip
    return found


FINE = history(np.linspace(0.5, 0.497, 300))
# lr=1e8 on sine data: the loss grows 1e16-fold per epoch and is infinite at epoch 18
DIVERGED = history([0.5, *(3.3e23 * 3e16**k for k in range(17)), math.inf], lr=1e8)
# lr=1e308: the learning rate itself is near the largest float; the loss is infinite at epoch 1
HUGE_LR = history([0.5, math.inf], lr=1e308)


def drawn(figure) -> FigureCanvasAgg:
    """Render ``figure`` to PNG, failing on any warning."""
    canvas = FigureCanvasAgg(figure)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.savefig(io.BytesIO(), format="png")
    return canvas


def legend_texts(figure) -> list[str]:
    legends = figure.legends or [ax.get_legend() for ax in figure.axes if ax.get_legend()]
    return [text.get_text() for legend in legends for text in legend.get_texts()]


@pytest.mark.parametrize("metric", ["train/loss", "val/loss", "lr"])
@pytest.mark.parametrize("failed", [DIVERGED, HUGE_LR], ids=["lr=1e8", "lr=1e308"])
def test_overlay_keeps_the_finite_runs_scale(metric, failed):
    lines = [compare.Line("lr=0.01", FINE, "#1f77b4"),
             compare.Line("big lr (failed)", failed, "#ff7f0e", failed=True)]  # fmt: skip
    figure = compare.overlay(lines, metric, metric, log=True, stacked=metric == "lr")
    canvas = drawn(figure)
    low, high = figure.axes[0].get_ylim()
    finite = np.asarray(FINE.metrics[metric])
    assert low <= finite.min()
    assert high >= finite.max()
    assert high < 100 * finite.max()  # a constant gets a decade either side
    assert low > finite.min() / 100
    epoch = failed.epochs[-1]
    assert legend_texts(figure) == ["lr=0.01", f"big lr (failed), diverged at epoch {epoch}"]
    label = figure.axes[0].yaxis.label.get_window_extent(canvas.get_renderer())
    assert label.x0 >= 0, "the axis label is inside the figure"


def test_overlay_of_diverged_runs_only_draws_without_warnings():
    lines = [compare.Line("a", DIVERGED, "#1f77b4", failed=True),
             compare.Line("b", HUGE_LR, "#ff7f0e", failed=True)]  # fmt: skip
    figure = compare.overlay(lines, "train/loss", "train/loss", log=True)
    drawn(figure)
    assert figure.axes[0].get_ylim()[1] <= 10 * scale.LARGEST


def test_bands_with_a_huge_mean_draw_without_warnings():
    groups = [compare.Band("fine", [FINE, FINE], "#1f77b4"),
              compare.Band("huge", [DIVERGED, DIVERGED], "#ff7f0e")]  # fmt: skip
    figure = compare.bands(groups, "train/loss", "train/loss", log=True)
    drawn(figure)
    assert figure.axes[0].get_ylim()[1] <= 10 * scale.LARGEST


def test_run_figure_of_a_diverged_run():
    figure = run_figure(DIVERGED, "lr=1e8")
    drawn(figure)
    assert "train/loss, diverged at epoch 18" in legend_texts(figure)


def test_a_finished_run_is_drawn_as_before():
    figure = compare.overlay([compare.Line("fine", FINE, "#1f77b4")], "val/loss", "val/loss",
                             log=True)  # fmt: skip
    drawn(figure)
    assert legend_texts(figure) == ["fine"]
    low, high = figure.axes[0].get_ylim()
    assert 0.49 < low < 0.502
    assert 0.505 < high < 0.52


@pytest.mark.parametrize(
    ("run", "expected"), [(DIVERGED, 18), (HUGE_LR, 1), (FINE, None), (History(), None)]
)
def test_diverged_at(run, expected):
    assert scale.diverged_at(run) == expected


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("values", "offset"),
    [(np.linspace(0.4, 0.9, 300), ""), (np.linspace(1e-7, 3e-7, 300), "1e−7")],
    ids=["plain ticks", "an offset text"],
)
def test_a_title_goes_where_matplotlib_places_it(values, offset):
    runs = [History(), History()]
    for epoch, value in enumerate(values):
        runs[0].append(epoch, {"train/accuracy": value})
        runs[1].append(epoch, {"train/accuracy": value * 1.1})
    lines = [compare.Line(f"run {i}", run, "#1f77b4") for i, run in enumerate(runs)]
    title = "a title as wide as the axes, over the offset text at their top left corner " * 2
    figure = compare.overlay(lines, "train/accuracy", title)
    drawn_as_is = png(figure)
    ax = figure.axes[0]
    assert ax.yaxis.offsetText.get_text() == offset
    box = ax.title.get_window_extent()
    assert box.y0 >= ax.get_window_extent().y1, "above the axes"
    if offset:
        assert not box.overlaps(ax.yaxis.offsetText.get_window_extent()), "clear of the offset"
    ax.set_title(ax.get_title(), fontsize=11)  # placed by matplotlib at every draw
    assert png(figure) == drawn_as_is
