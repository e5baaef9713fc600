"""Reusable scratch arrays, so a training step allocates nothing after its first call.

Layers write their outputs and gradients into arrays kept here, keyed by a tag and the shape.
A returned buffer is overwritten by the next call with the same shape: callers that keep a
result across calls copy it (``Network.predict`` does).
"""

import numpy as np


class Buffers:
    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self._arrays: dict[tuple, np.ndarray] = {}

    def get(self, tag: str, shape: tuple[int, ...], dtype: np.dtype | None = None) -> np.ndarray:
        """The array for ``(tag, shape)``, created uninitialised on first use."""
        key = (tag, shape)
        array = self._arrays.get(key)
        if array is None:
            array = self._arrays[key] = np.empty(shape, dtype or self.dtype)
        return array

    def rows(self, n: int) -> np.ndarray:
        """``arange(n)``, the row index used to pick one entry per sample."""
        key = ("rows", n)
        array = self._arrays.get(key)
        if array is None:
            array = self._arrays[key] = np.arange(n)
        return array
