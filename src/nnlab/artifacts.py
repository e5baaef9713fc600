"""A run's files, written to its output folder whatever the tracker: the per-epoch history as
CSV (one row per epoch, empty where a metric was not measured) and the weights as ``.npz``
(plain arrays, loadable with ``np.load(path)`` without pickle)."""

import csv
import math
from pathlib import Path

import numpy as np

from nnlab.train import History

HISTORY_FILE = "history.csv"
WEIGHTS_FILE = "weights.npz"


def write_history(history: History, path: Path) -> Path:
    keys = sorted(history.metrics)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *keys])
        columns = [history.metrics[key] for key in keys]
        for row, epoch in enumerate(history.epochs):
            writer.writerow([epoch, *(_cell(column[row]) for column in columns)])
    return path


def read_history(path: Path) -> History:
    history = History()
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            epoch = int(row.pop("epoch"))
            history.append(
                epoch, {key: float(value) if value else math.nan for key, value in row.items()}
            )
    return history


def write_weights(params: dict[str, np.ndarray], path: Path) -> Path:
    np.savez(path, **params)
    return path


def read_weights(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _cell(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))
