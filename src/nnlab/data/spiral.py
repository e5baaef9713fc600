"""Spiral data (the nnfs package's ``spiral_data``): ``classes`` interleaved arms in 2-D.

For class ``c`` and ``samples`` points: ``r = linspace(0, 1)``,
``t = linspace(4c, 4(c + 1)) + noise * N(0, 1)``, ``x = (r sin 2.5t, r cos 2.5t)``.
"""

import numpy as np


def spiral(
    samples: int, classes: int, rng: np.random.Generator, noise: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """``X (samples * classes, 2)`` and integer labels ``y (samples * classes,)``."""
    x = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype=np.intp)
    for c in range(classes):
        rows = slice(samples * c, samples * (c + 1))
        r = np.linspace(0.0, 1.0, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + rng.standard_normal(samples) * noise
        x[rows] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[rows] = c
    return x, y
