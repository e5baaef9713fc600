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
    columns = [[str(epoch) for epoch in history.epochs]]
    columns += [[_cell(value) for value in history.metrics[key]] for key in keys]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *keys])
        writer.writerows(zip(*columns, strict=True))
    return path


def read_history(path: Path) -> History:
    with open(path, newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        columns = list(zip(*rows, strict=True))
    history = History()
    if columns:
        history.epochs = [int(epoch) for epoch in columns[0]]
        history.metrics = {
            key: [float(value) if value else math.nan for value in column]
            for key, column in zip(header[1:], columns[1:], strict=True)
        }
    return history


def write_weights(params: dict[str, np.ndarray], path: Path) -> Path:
    np.savez(path, **params)
    return path


def read_weights(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _cell(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))
