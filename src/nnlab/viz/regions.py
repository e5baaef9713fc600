"""Decision regions of a 2-D classifier, as a picture made straight from NumPy arrays (no
plotting library): the class a network gives each point of a grid around its training data,
tinted, with the training points on top in their class's colour.

``regions`` asks the network for ``GRID x GRID`` points, ``BLOCK`` at a time (a hidden layer
of the whole grid at once outgrows the CPU's cache: two to three times slower); ``picture``
paints them at ``SIZE`` pixels a side (each grid cell a block of pixels), blending each class's
colour at ``TINT`` over white, and stamps every training point as a disc of radius ``DOT`` with
a dark rim, later points over earlier ones. A run's picture is saved with its figures; a report
lays several side by side.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnlab.viz.colors import COLORS, rgb

GRID, SIZE, TINT, DOT = 200, 400, 0.3, 3.2
BLOCK = 1024  # grid points per call of the network
RIM = DOT + 0.7  # pixels this close to a point are its disc: its colour within DOT - 0.3


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
        grid = np.c_[u.ravel(), v.ravel()].astype(x.dtype)
        p = np.concatenate([predict(grid[i : i + BLOCK]) for i in range(0, len(grid), BLOCK)])
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
    pixels, point, distance = _discs(rows, columns)
    color = palette[found.labels[point] % len(palette)]
    color[distance > DOT - 0.3] = 40.0  # the rim
    image.reshape(-1, 3)[pixels] = color
    return image.round().astype(np.uint8)


def _discs(rows: np.ndarray, columns: np.ndarray):
    """The pixels within ``RIM`` of the points at ``(rows, columns)`` (flat indices into a
    ``SIZE x SIZE`` image), each with the last point that reaches it and its distance to it."""
    reach = np.arange(-int(RIM) - 1, int(RIM) + 2)  # a pixel within RIM is this near in each axis
    near_rows = np.floor(rows).astype(int)[:, None, None] + reach[None, :, None]
    near_columns = np.floor(columns).astype(int)[:, None, None] + reach[None, None, :]
    distance = np.hypot(near_rows - rows[:, None, None], near_columns - columns[:, None, None])
    inside = (distance <= RIM) & (near_rows >= 0) & (near_rows < SIZE)
    inside &= (near_columns >= 0) & (near_columns < SIZE)
    pixels = (near_rows * SIZE + near_columns)[inside]  # point by point, in order
    point = np.broadcast_to(np.arange(len(rows))[:, None, None], inside.shape)[inside]
    _, from_last = np.unique(pixels[::-1], return_index=True)
    last = len(pixels) - 1 - from_last
    return pixels[last], point[last], distance[inside][last]


def save_png(image: np.ndarray, path: Path) -> Path:
    """An RGB image as a PNG file (Pillow, which matplotlib uses too), written under another
    name and then renamed: a reader (a sweep's report, while the tracker draws the pictures of
    its runs) finds the whole file or none."""
    from PIL import Image

    partial = path.with_name(f".{path.name}.partial")
    Image.fromarray(image).save(partial, format="PNG")
    os.replace(partial, path)
    return path


def load_png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))
