"""Decision-region pictures: the grid asked of the network in blocks gives the classes it gives
asked at once, the training points are stamped as discs, later points over earlier ones, pixel
for pixel as a point-by-point loop stamps them, and a grid of pictures keeps its title inside."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from nnlab.viz import compare
from nnlab.viz import regions as viz
from nnlab.viz.colors import COLORS, rgb


def softmax_of_linear(weights: np.ndarray, calls: list[int]):
    def predict(x: np.ndarray) -> np.ndarray:
        calls.append(len(x))
        z = np.tanh(x @ weights)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return predict


def test_the_grid_asked_in_blocks_gives_the_classes_of_the_grid_asked_at_once():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(300, 2)), rng.integers(0, 3, 300)
    weights = rng.normal(size=(2, 3)) * 3
    calls: list[int] = []
    found = viz.regions(softmax_of_linear(weights, calls), x, y)
    assert max(calls) == viz.BLOCK
    assert sum(calls) == viz.GRID**2
    u, v = np.meshgrid(np.linspace(found.low[0], found.high[0], viz.GRID),
                       np.linspace(found.low[1], found.high[1], viz.GRID))  # fmt: skip
    at_once = softmax_of_linear(weights, [])(np.c_[u.ravel(), v.ravel()]).argmax(axis=1)
    np.testing.assert_array_equal(found.predicted, at_once.reshape(u.shape))
    assert len(np.unique(found.predicted)) == 3


def stamped_one_by_one(found: viz.Regions) -> np.ndarray:
    """The picture with each point stamped in turn over the whole image."""
    palette = np.array([rgb(c) for c in COLORS], dtype=float)
    cells = np.arange(viz.SIZE) * viz.GRID // viz.SIZE
    image = 255.0 * (1 - viz.TINT) + viz.TINT * palette[found.predicted[::-1][np.ix_(cells, cells)]]
    span = found.high - found.low
    ys, xs = np.mgrid[0 : viz.SIZE, 0 : viz.SIZE]
    for (px, py), label in zip(found.x, found.labels, strict=True):
        column = (px - found.low[0]) / span[0] * (viz.SIZE - 1)
        row = (found.high[1] - py) / span[1] * (viz.SIZE - 1)
        distance = np.hypot(ys - row, xs - column)
        image[distance <= viz.DOT + 0.7] = 40.0
        image[distance <= viz.DOT - 0.3] = palette[label % len(palette)]
    return image.round().astype(np.uint8)


def test_points_are_stamped_in_order_as_one_by_one():
    rng = np.random.default_rng(1)
    x = np.r_[rng.normal(size=(150, 2)), rng.normal(size=(150, 2)) * 0.02]  # crowded at 0
    labels = rng.integers(0, 3, len(x))
    x[:4] = [[-3, -3], [3, 3], [-3, 3], [3, -3]]  # the corners: discs cut by the edges
    low, high = np.array([-3.0, -3.0]), np.array([3.0, 3.0])
    predicted = rng.integers(0, 3, (viz.GRID, viz.GRID))
    found = viz.Regions(low, high, predicted, x, labels)
    np.testing.assert_array_equal(viz.picture(found), stamped_one_by_one(found))


def test_a_picture_is_saved_whole_under_its_name(tmp_path):
    image = np.random.default_rng(2).integers(0, 256, (viz.SIZE, viz.SIZE, 3), dtype=np.uint8)
    path = viz.save_png(image, tmp_path / "decision_boundary.png")
    np.testing.assert_array_equal(viz.load_png(path), image)
    assert [p.name for p in tmp_path.iterdir()] == ["decision_boundary.png"]


def test_a_grid_title_wider_than_its_panels_is_wrapped_inside_the_figure():
    panel = compare.Panel("seed=2\ntrain accuracy 0.397, median of 16", np.zeros((40, 40, 3)))
    title = "sweep 2026-12-03_17-15-46-43c3: decision regions"
    wrapped = ["sweep", "2026-12-03_17-15-46-43c3:", "decision regions"]
    for panels, lines in (([panel], wrapped), ([panel, panel], [title])):
        figure = compare.boundary_grid(panels, title)
        FigureCanvasAgg(figure).draw()
        drawn = next(t for t in figure.findobj(Text) if t.get_text() == figure.get_suptitle())
        assert drawn.get_text().split("\n") == lines
        box, inside = drawn.get_window_extent(), figure.bbox
        assert inside.x0 <= box.x0
        assert box.x1 <= inside.x1
        assert box.y1 <= inside.y1
        top_of_panels = max(ax.title.get_window_extent().y1 for ax in figure.axes)
        assert top_of_panels < box.y0, "the title clears the panels' titles"
