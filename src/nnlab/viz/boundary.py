"""Decision regions of a 2-D classifier drawn with its training data on top: as a figure, or as
a panel of a larger one. The regions come from ``nnlab.viz.regions``."""

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from nnlab.viz.regions import Regions
from nnlab.viz.style import COLORS, new_figure


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
