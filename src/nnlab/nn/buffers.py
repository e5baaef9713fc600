"""Reusable output arrays, so the arrays a layer hands on are not allocated again every step.

A layer keeps one ``Scratch`` per array it writes; ``get(shape)`` returns the array of that
shape, created on first use (training and validation batches of different sizes each get their
own). A returned array is overwritten by the next call with the same shape: callers that keep a
result across calls copy it (``Network.predict`` does).

This removes the per-step allocation of the outputs and input gradients of ``Dense`` and the
activations and of the fused softmax + cross-entropy head; it does not make a training step
allocation-free. Still allocated at every step: ``Dropout``'s mask and output, temporaries in the
backward passes of ``Sigmoid``, ``Tanh`` and ``Softmax``, the L1/L2 penalty gradients, the arrays
of the unfused losses, and small per-sample vectors such as the fused head's picked confidences.
"""

import numpy as np


class Scratch:
    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self._arrays: dict[tuple[int, ...], np.ndarray] = {}

    def get(self, shape: tuple[int, ...]) -> np.ndarray:
        array = self._arrays.get(shape)
        if array is None:
            array = self._arrays[shape] = np.empty(shape, self.dtype)
        return array


_ROWS: dict[int, np.ndarray] = {}


def rows(n: int) -> np.ndarray:
    """``arange(n)``, the row index that picks one entry per sample (shared, read-only)."""
    index = _ROWS.get(n)
    if index is None:
        index = _ROWS[n] = np.arange(n)
        index.flags.writeable = False
    return index
