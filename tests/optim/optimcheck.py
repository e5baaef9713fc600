"""Helpers shared by the update-rule tests."""

import numpy as np


def max_abs_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> float:
    """The largest ``|a[k] - b[k]|`` over every entry of every array of ``a``."""
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)
