"""Sine regression (the nnfs package's ``sine_data``): ``y = sin(2 pi x)`` on ``x in [0, 1)``.

The training set is the book's grid ``x = k / samples``; a validation set takes ``x ~ U(0, 1)``
(``grid=False``) so it holds points the network never saw. ``noise`` adds ``noise * N(0, 1)`` to
``y``.
"""

import numpy as np


def sine(
    samples: int, rng: np.random.Generator, noise: float = 0.0, grid: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``X (samples, 1)`` and targets ``y (samples, 1)``."""
    x = np.arange(samples) / samples if grid else np.sort(rng.random(samples))
    y = np.sin(2 * np.pi * x)
    if noise:
        y = y + noise * rng.standard_normal(samples)
    return x.reshape(-1, 1), y.reshape(-1, 1)
