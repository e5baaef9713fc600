"""Weight initialisers: ``(rng, fan_in, fan_out, dtype) -> W`` of shape ``(fan_in, fan_out)``.

- ``book``:   ``W = 0.01 * N(0, 1)``, the "Neural Networks from Scratch" default.
- ``he``:     ``W = sqrt(2 / fan_in) * N(0, 1)`` (He et al., 2015), for ReLU layers.
- ``glorot``: ``W ~ U(-a, a)``, ``a = sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio, 2010).
"""

from collections.abc import Callable

import numpy as np

from nnlab.checks import one_of

Initializer = Callable[[np.random.Generator, int, int, np.dtype], np.ndarray]


def book(rng: np.random.Generator, fan_in: int, fan_out: int, dtype=np.float64) -> np.ndarray:
    return (0.01 * rng.standard_normal((fan_in, fan_out))).astype(dtype)


def he(rng: np.random.Generator, fan_in: int, fan_out: int, dtype=np.float64) -> np.ndarray:
    return (np.sqrt(2.0 / fan_in) * rng.standard_normal((fan_in, fan_out))).astype(dtype)


def glorot(rng: np.random.Generator, fan_in: int, fan_out: int, dtype=np.float64) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(dtype)


INITIALIZERS: dict[str, Initializer] = {"book": book, "he": he, "glorot": glorot}


def get(name: str) -> Initializer:
    """The initialiser called ``name``; ``ValueError`` naming the allowed ones otherwise."""
    return one_of("init", name, INITIALIZERS)
