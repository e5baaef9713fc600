"""Decision regions of a 2-D classifier with its training data on top.

``regions`` evaluates the network on a grid (NumPy only, cheap to send between processes);
``draw_regions`` turns that into a figure or into a panel of a larger one.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from nnlab.viz.style import COLORS, new_figure

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


def draw_regions(found: Regions, title: str, ax=None) -> Figure | None:
    """Colour the plane by predicted class and scatter the data in the same colours. Draws
    into ``ax`` if given (returns ``None``), else into a new figure."""
    figure = None
    if ax is None:
        figure, ax = new_figure(5.2, 4.8)
    cmap = ListedColormap(COLORS[: found.classes])
    levels = np.arange(found.classes + 1) - 0.5
    ax.contourf(found.u, found.v, found.predicted, levels=levels, cmap=cmap, alpha=0.3)
    ax.scatter(found.x[:, 0], found.x[:, 1], c=found.labels, cmap=cmap, vmin=-0.5,
               vmax=found.classes - 0.5, s=12, edgecolors="k", linewidths=0.3)  # fmt: skip
    ax.set_title(title, fontsize=10)
    ax.set_xlim(found.u.min(), found.u.max())
    ax.set_ylim(found.v.min(), found.v.max())
    ax.set_aspect("equal")
    ax.grid(False)
    return figure
