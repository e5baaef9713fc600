"""Datasets generated from explicit random generators, with an independent validation set."""

from dataclasses import dataclass

import numpy as np

from nnlab.checks import in_range, one_of, positive_int
from nnlab.data.sine import sine
from nnlab.data.spiral import spiral
from nnlab.data.vertical import vertical

# name -> (task, default noise)
KINDS = {
    "spiral": ("categorical", 0.2),
    "vertical": ("categorical", 0.1),
    "binary_spiral": ("binary", 0.2),
    "sine": ("regression", 0.0),
}


@dataclass(frozen=True)
class Dataset:
    name: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    n_outputs: int

    @property
    def n_inputs(self) -> int:
        return self.x_train.shape[1]


def make(
    name: str,
    *,
    samples: int,
    classes: int = 3,
    validation_samples: int = 0,
    noise: float | None = None,
    train_rng: np.random.Generator,
    val_rng: np.random.Generator,
    dtype: np.dtype = np.float64,
) -> Dataset:
    """Build dataset ``name`` with ``samples`` per class (per set for ``sine``) for training and
    ``validation_samples`` for validation (none if 0), each from its own generator.

    ``binary_spiral`` is a two-arm spiral with targets shaped ``(n, 1)`` for sigmoid + binary
    cross-entropy (the book's binary logistic regression data).
    """
    task, default_noise = one_of("name", name, KINDS)
    positive_int("samples", samples)
    positive_int("validation_samples", validation_samples, minimum=0)
    noise = in_range("noise", default_noise if noise is None else noise, 0.0)
    if name == "binary_spiral":
        classes = 2
    elif task == "categorical":
        positive_int("classes", classes, minimum=2)

    def draw(n: int, rng: np.random.Generator, training: bool):
        if name == "sine":
            x, y = sine(n, rng, noise, grid=training)
        else:
            x, y = (vertical if name == "vertical" else spiral)(n, classes, rng, noise)
        if name == "binary_spiral":
            y = y.reshape(-1, 1)
        # features in the compute dtype; class labels stay integers
        return np.ascontiguousarray(x, dtype), (y if task == "categorical" else y.astype(dtype))

    x_train, y_train = draw(samples, train_rng, training=True)
    x_val, y_val = draw(validation_samples, val_rng, False) if validation_samples else (None, None)
    n_outputs = classes if task == "categorical" else y_train.shape[1]
    return Dataset(name, task, x_train, y_train, x_val, y_val, n_outputs)


__all__ = ["KINDS", "Dataset", "make", "sine", "spiral", "vertical"]
