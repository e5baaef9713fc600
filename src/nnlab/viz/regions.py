"""Decision regions of a 2-D classifier, as a picture made straight from NumPy arrays (no
plotting library): the class a network gives each point of a grid around its training data,
tinted, with the training points on top in their class's colour.

``regions`` asks the network for ``GRID x GRID`` points; ``picture`` paints them at ``SIZE``
pixels a side (each grid cell a block of pixels), blending each class's colour at ``TINT`` over
white, and stamps every training point as a disc of radius ``DOT`` with a dark rim. A run's
picture is saved with its figures; a report lays several side by side.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab.viz.colors import COLORS, rgb

GRID, SIZE, TINT, DOT = 200, 400, 0.3, 3.2


@dataclass
class Regions:
    low: np.ndarray  # (2,) the grid's lower left corner
    high: np.ndarray  # (2,) its upper right corner
    predicted: np.ndarray  # class index at each grid point (GRID, GRID), row 0 at low[1]
    x: np.ndarray  # training inputs (n, 2)
    labels: np.ndarray  # their class indices (n,)


def regions(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray) -> Regions:
    """The class ``predict`` gives each point of a grid around ``x`` (argmax of probabilities,
    or ``p > 0.5`` for a single sigmoid output), padded by a tenth of the data's span."""
    labels = y.ravel().astype(int) if y.ndim == 1 or y.shape[1] == 1 else y.argmax(axis=1)
    pad = 0.1 * (x.max(axis=0) - x.min(axis=0))
    low, high = x.min(axis=0) - pad, x.max(axis=0) + pad
    u, v = np.meshgrid(np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID))
    with np.errstate(all="ignore"):  # weights that overflow predict nan: drawn as class 0
        p = predict(np.c_[u.ravel(), v.ravel()].astype(x.dtype))
    predicted = (p[:, 0] > 0.5).astype(int) if p.shape[1] == 1 else p.argmax(axis=1)
    return Regions(low, high, predicted.reshape(u.shape), x, labels)


def picture(found: Regions) -> np.ndarray:
    """An ``(SIZE, SIZE, 3)`` ``uint8`` image of the regions with the points, top row up."""
    palette = np.array([rgb(c) for c in COLORS], dtype=float)
    cells = np.arange(SIZE) * GRID // SIZE
    classes = found.predicted[::-1][np.ix_(cells, cells)] % len(palette)
    image = 255.0 * (1 - TINT) + TINT * palette[classes]
    span = found.high - found.low
    columns = (found.x[:, 0] - found.low[0]) / span[0] * (SIZE - 1)
    rows = (found.high[1] - found.x[:, 1]) / span[1] * (SIZE - 1)
    ys, xs = np.mgrid[0:SIZE, 0:SIZE]
    for column, row, label in zip(columns, rows, found.labels % len(palette), strict=True):
        box = (slice(max(int(row - DOT) - 1, 0), int(row + DOT) + 2),
               slice(max(int(column - DOT) - 1, 0), int(column + DOT) + 2))  # fmt: skip
        distance = np.hypot(ys[box] - row, xs[box] - column)
        image[box][distance <= DOT + 0.7] = 40.0  # the rim
        image[box][distance <= DOT - 0.3] = palette[label]
    return image.round().astype(np.uint8)


def save_png(image: np.ndarray, path: Path) -> Path:
    """An RGB image as a PNG file (Pillow, which matplotlib uses too)."""
    from PIL import Image

    Image.fromarray(image).save(path)
    return path


def load_png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))
