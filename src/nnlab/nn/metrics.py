"""Accuracy: the number of correct predictions in a batch, per task.

- categorical: ``argmax_j p_ij == y_i`` (sparse labels, or the argmax of one-hot rows);
- binary: ``[p_ij > 0.5] == y_ij`` for every output (a sample counts once per output, as in the
  book, so accuracy is the fraction of correct outputs);
- regression: ``|p_ij - y_ij| < precision`` with the book's ``precision = std(y_train) / 250``.
"""

import numpy as np

from nnlab.nn.losses import sparse_labels


class CategoricalAccuracy:
    def correct(self, p: np.ndarray, y: np.ndarray) -> tuple[int, int]:
        """``(number correct, number of predictions)``."""
        labels = sparse_labels(y)
        return int(np.count_nonzero(p.argmax(1) == labels)), len(p)


class BinaryAccuracy:
    def correct(self, p: np.ndarray, y: np.ndarray) -> tuple[int, int]:
        return int(np.count_nonzero((p > 0.5) == (y > 0.5))), p.size


class RegressionAccuracy:
    def __init__(self, y_train: np.ndarray, divisor: float = 250.0) -> None:
        self.precision = float(np.std(y_train)) / divisor

    def correct(self, p: np.ndarray, y: np.ndarray) -> tuple[int, int]:
        return int(np.count_nonzero(np.abs(p - y) < self.precision)), p.size
