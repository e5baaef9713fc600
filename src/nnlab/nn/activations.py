"""Activations: ``forward(x, training) -> y`` and ``backward(dy) -> dx``, no parameters.

- ReLU:    ``y = max(0, x)``,            ``dx = dy * [x > 0]``
- Sigmoid: ``y = 1 / (1 + e^-x) = (1 + tanh(x/2)) / 2``, ``dx = dy * y (1 - y)``
- Tanh:    ``y = tanh x``,               ``dx = dy * (1 - y^2)``
- Linear:  ``y = x``,                    ``dx = dy``
- Softmax: ``y_j = e^{x_j} / sum_k e^{x_k}``, ``dx = y * (dy - sum_j dy_j y_j)`` per row: the
  Jacobian ``diag(y) - y y^T`` applied to ``dy`` for all rows at once (no per-sample loop).
  Softmax feeding categorical cross-entropy goes through the fused ``SoftmaxCrossEntropy`` instead.
"""

import numpy as np

from nnlab.checks import one_of
from nnlab.nn.buffers import Buffers


class _Activation:
    def __init__(self, dtype: np.dtype = np.float64) -> None:
        self._buffers = Buffers(dtype)
        self.output: np.ndarray | None = None


class ReLU(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        mask = self._buffers.get("mask", x.shape, np.bool_)
        out = self._buffers.get("out", x.shape)
        np.greater(x, 0, out=mask)
        np.multiply(x, mask, out=out)
        self._mask = mask
        self.output = out
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx = self._buffers.get("dx", dy.shape)
        np.multiply(dy, self._mask, out=dx)
        return dx


class Sigmoid(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        out = self._buffers.get("out", x.shape)
        np.multiply(x, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        self.output = out
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx = self._buffers.get("dx", dy.shape)
        np.subtract(1.0, self.output, out=dx)
        dx *= self.output
        dx *= dy
        return dx


class Tanh(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        out = self._buffers.get("out", x.shape)
        np.tanh(x, out=out)
        self.output = out
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx = self._buffers.get("dx", dy.shape)
        np.square(self.output, out=dx)
        np.subtract(1.0, dx, out=dx)
        dx *= dy
        return dx


class Linear(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.output = x
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy


class Softmax(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        out = self._buffers.get("out", x.shape)
        softmax(x, out, self._buffers)
        self.output = out
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        y = self.output
        dx = self._buffers.get("dx", dy.shape)
        np.multiply(dy, y, out=dx)
        dot = np.add.reduce(dx, axis=1, keepdims=True)
        np.subtract(dy, dot, out=dx)
        dx *= y
        return dx


def softmax(x: np.ndarray, out: np.ndarray, buffers: Buffers) -> np.ndarray:
    """Row-wise ``softmax(x)`` into ``out``, shifted by the row maximum so ``exp`` cannot overflow.

    Narrow outputs (the usual 2 to 10 classes) reduce column by column: NumPy's ``axis=1``
    reductions over a short inner axis cost several times more than a few vector operations.
    """
    n, classes = x.shape
    np.subtract(x, _row_reduce(np.maximum, x, buffers.get("rowmax", (n,)))[:, None], out=out)
    np.exp(out, out=out)
    out /= _row_reduce(np.add, out, buffers.get("rowsum", (n,)))[:, None]
    return out


def _row_reduce(ufunc: np.ufunc, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    if x.shape[1] > 16:
        return ufunc.reduce(x, axis=1, out=out)
    np.copyto(out, x[:, 0])
    for j in range(1, x.shape[1]):
        ufunc(out, x[:, j], out=out)
    return out


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "linear": Linear, "softmax": Softmax}


def get(name: str, dtype: np.dtype = np.float64) -> _Activation:
    """A new activation called ``name``."""
    return one_of("activation", name, ACTIVATIONS)(dtype)
