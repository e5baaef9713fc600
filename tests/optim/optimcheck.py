"""Helpers shared by the update-rule tests."""

import numpy as np


def max_abs_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """The largest ``|a[k] - b[k]|`` over every entry of every array of ``a``."""
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def make_params(rng, dtype=np.float64):
    """Three parameter arrays of different shapes, drawn from ``N(0, 2^2)``."""
    return {
        "dense1.weights": rng.normal(0.0, 2.0, size=(3, 4)).astype(dtype),
        "dense1.biases": rng.normal(0.0, 2.0, size=(1, 4)).astype(dtype),
        "dense2.weights": rng.normal(0.0, 2.0, size=(4,)).astype(dtype),
    }


def random_grads(rng, params):
    """Standard normal gradients shaped and typed like ``params``."""
    return {key: rng.normal(size=value.shape).astype(value.dtype) for key, value in params.items()}
