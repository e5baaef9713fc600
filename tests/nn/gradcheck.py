"""Central finite differences for gradient checks in float64, and plain reference versions of
the activations the tests compare nnlab's against."""

from collections.abc import Callable

import numpy as np

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-8


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """``d f() / d x`` by central differences, perturbing ``x`` in place (restored afterwards).

    ``f`` takes no arguments and must read ``x`` (the same array object) each time it is called.
    """
    assert x.dtype == np.float64, "finite differences need float64"
    grad = np.empty_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        plus = float(f())
        x[index] = original - eps
        minus = float(f())
        x[index] = original
        grad[index] = (plus - minus) / (2.0 * eps)
    return grad


def assert_gradient(
    analytic: np.ndarray,
    f: Callable[[], float],
    x: np.ndarray,
    *,
    eps: float = EPS,
    rtol: float = RTOL,
    atol: float = ATOL,
    name: str = "",
) -> None:
    """``analytic`` matches the central-difference gradient of ``f`` with respect to ``x``."""
    analytic = np.array(analytic, copy=True)  # the caller's array may be a reused buffer
    numeric = numerical_gradient(f, x, eps)
    assert analytic.shape == x.shape, f"{name}: gradient shape {analytic.shape} != {x.shape}"
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol, err_msg=name)


def away_from_zero(
    rng: np.random.Generator, shape: tuple[int, ...], low: float = 0.2, high: float = 1.5
) -> np.ndarray:
    """Random values with ``low <= |v| <= high`` and random signs (no kinks at 0 nearby)."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def reference_sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^-x)``, written so that ``exp`` cannot overflow for large ``|x|``."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def reference_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise ``e^{x_j} / sum_k e^{x_k}``, shifted by the row maximum."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
