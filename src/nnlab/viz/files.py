"""A run's figures as PNG files: its learning curves (matplotlib), and its decision regions when
the data are 2-D classes (``nnlab.viz.regions``, straight from NumPy)."""

from pathlib import Path

import numpy as np

from nnlab.train import History
from nnlab.viz.regions import save_png

CURVES, REGIONS = "curves.png", "decision_boundary.png"


def save_run_figures(
    folder: Path, title: str, history: History | None, regions: np.ndarray | None
) -> None:
    """Into ``folder``: the curves of ``history`` and the ``regions`` picture, those given."""
    folder.mkdir(parents=True, exist_ok=True)
    if regions is not None:
        save_png(regions, folder / REGIONS)
    if history is not None:
        from nnlab.viz.curves import run_figure

        with np.errstate(all="ignore"):  # a diverged run's inf and nan are drawn, not warned
            run_figure(history, title).savefig(folder / CURVES)
