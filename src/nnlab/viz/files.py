"""A run's figures as PNG files: its learning curves, and its decision regions when the data
are 2-D classes."""

from pathlib import Path

import numpy as np

from nnlab.train import History
from nnlab.viz.boundary import draw_regions
from nnlab.viz.curves import run_figure
from nnlab.viz.regions import Regions


def save_run_figures(
    history: History, title: str, folder: Path, regions: Regions | None = None
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    with np.errstate(all="ignore"):  # a diverged run's inf and nan are drawn, not warned about
        figures = {"curves": run_figure(history, title)}
    if regions is not None:
        figures["decision_boundary"] = draw_regions(regions, f"{title}: decision regions")
    paths = []
    for name, figure in figures.items():
        path = folder / f"{name}.png"
        with np.errstate(all="ignore"):
            figure.savefig(path)
        paths.append(path)
    return paths
