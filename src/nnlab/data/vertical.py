"""Vertical data (the nnfs package's ``vertical_data``): one Gaussian blob per class, side by side.

For class ``c``: ``x = (c / 3 + noise * N(0, 1), 0.5 + noise * N(0, 1))``.
"""

import numpy as np


def vertical(
    samples: int, classes: int, rng: np.random.Generator, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """``X (samples * classes, 2)`` and integer labels ``y (samples * classes,)``."""
    x = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype=np.intp)
    for c in range(classes):
        rows = slice(samples * c, samples * (c + 1))
        x[rows] = np.c_[
            rng.standard_normal(samples) * noise + c / 3, rng.standard_normal(samples) * noise + 0.5
        ]
        y[rows] = c
    return x, y
