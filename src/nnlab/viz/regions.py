"""Decision regions of a 2-D classifier: the class a network gives each point of a grid around
its training data. NumPy only, so a training process computes them without importing
matplotlib; ``nnlab.viz.boundary`` draws them."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GRID = 300


@dataclass
class Regions:
    u: np.ndarray  # grid x coordinates (GRID, GRID)
    v: np.ndarray  # grid y coordinates (GRID, GRID)
    predicted: np.ndarray  # class index at each grid point (GRID, GRID)
    x: np.ndarray  # training inputs (n, 2)
    labels: np.ndarray  # their class indices (n,)
    classes: int


def save_regions(found: Regions, path: Path) -> Path:
    np.savez(path, u=found.u, v=found.v, predicted=found.predicted, x=found.x,
             labels=found.labels, classes=found.classes)  # fmt: skip
    return path


def load_regions(path: Path) -> Regions:
    with np.load(path, allow_pickle=False) as saved:
        return Regions(saved["u"], saved["v"], saved["predicted"], saved["x"], saved["labels"],
                       int(saved["classes"]))  # fmt: skip


def regions(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, y: np.ndarray) -> Regions:
    """The class ``predict`` gives each point of a grid around ``x`` (argmax of probabilities,
    or ``p > 0.5`` for a single sigmoid output)."""
    labels = y.ravel().astype(int) if y.ndim == 1 or y.shape[1] == 1 else y.argmax(axis=1)
    pad = 0.1 * (x.max(axis=0) - x.min(axis=0))
    low, high = x.min(axis=0) - pad, x.max(axis=0) + pad
    u, v = np.meshgrid(np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID))
    p = predict(np.c_[u.ravel(), v.ravel()].astype(x.dtype))
    predicted = (p[:, 0] > 0.5).astype(int) if p.shape[1] == 1 else p.argmax(axis=1)
    classes = max(p.shape[1], 2)
    return Regions(u, v, predicted.reshape(u.shape), x, labels, classes)
