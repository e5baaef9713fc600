"""Activations: ``forward(x, training) -> y`` and ``backward(dy) -> dx``, no parameters.

- ReLU:    ``y = max(0, x)``,            ``dx = dy * [x > 0]``
- Sigmoid: ``y = 1 / (1 + e^-x) = (1 + tanh(x/2)) / 2``, ``dx = dy * y (1 - y)``
- Tanh:    ``y = tanh x``,               ``dx = dy * (1 - y^2)``
- Linear:  ``y = x``,                    ``dx = dy``
- Softmax: ``y_j = e^{x_j} / sum_k e^{x_k}``, ``dx = y * (dy - sum_j dy_j y_j)`` per row: the
  Jacobian ``diag(y) - y y^T`` applied to ``dy`` for all rows at once (no per-sample loop).
  Softmax feeding categorical cross-entropy goes through the fused ``SoftmaxCrossEntropy`` instead.

With ``inplace=True`` (how a network builds them) an activation writes ``y`` over ``x`` and
``dx`` over ``dy``: inside a network both are scratch arrays of the neighbouring dense layers
that nothing reads afterwards, and skipping the copies is a large share of a small network's
step. Standalone, an activation leaves its inputs alone.
"""

import numpy as np

from nnlab.checks import one_of
from nnlab.nn.buffers import Scratch


class _Activation:
    def __init__(self, dtype: np.dtype = np.float64, inplace: bool = False) -> None:
        self.inplace = inplace
        self._outputs = Scratch(dtype)
        self._dinputs = Scratch(dtype)
        self.output: np.ndarray | None = None

    def _out(self, x: np.ndarray) -> np.ndarray:
        return x if self.inplace else self._outputs.get(x.shape)

    def _dx(self, dy: np.ndarray) -> np.ndarray:
        return dy if self.inplace else self._dinputs.get(dy.shape)


class ReLU(_Activation):
    def __init__(self, dtype: np.dtype = np.float64, inplace: bool = False) -> None:
        super().__init__(dtype, inplace)
        self._masks = Scratch(np.bool_)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self._mask = mask = self._masks.get(x.shape)
        np.greater(x, 0, out=mask)
        self.output = out = self._out(x)
        np.multiply(x, mask, out=out)
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx = self._dx(dy)
        np.multiply(dy, self._mask, out=dx)
        return dx


class Sigmoid(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.output = out = self._out(x)
        np.multiply(x, 0.5, out=out)
        np.tanh(out, out=out)
        out += 1.0
        out *= 0.5
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        y = self.output
        dx = self._dx(dy)
        np.multiply(dy, y, out=dx)
        dx *= 1.0 - y
        return dx


class Tanh(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.output = out = self._out(x)
        np.tanh(x, out=out)
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dx = self._dx(dy)
        np.multiply(dy, 1.0 - np.square(self.output), out=dx)
        return dx


class Linear(_Activation):
    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.output = x
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy


class Softmax(_Activation):
    def __init__(self, dtype: np.dtype = np.float64, inplace: bool = False) -> None:
        super().__init__(dtype, inplace)
        self._rows = Scratch(dtype)

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self.output = out = self._outputs.get(x.shape)
        softmax(x, out, self._rows)
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        y = self.output
        dot = np.add.reduce(dy * y, axis=1, keepdims=True)
        dx = self._dinputs.get(dy.shape)
        np.subtract(dy, dot, out=dx)
        dx *= y
        return dx


def softmax(x: np.ndarray, out: np.ndarray, rows: Scratch) -> np.ndarray:
    """Row-wise ``softmax(x)`` into ``out``, shifted by the row maximum so ``exp`` cannot overflow.

    Narrow outputs (the usual 2 to 16 classes) reduce column by column: NumPy's ``axis=1``
    reductions over a short inner axis cost several times more than a few vector operations.
    ``rows`` provides the two per-row scratch vectors.
    """
    n = x.shape[0]
    row = rows.get((2, n))
    np.subtract(x, _row_reduce(np.maximum, x, row[0])[:, None], out=out)
    np.exp(out, out=out)
    out /= _row_reduce(np.add, out, row[1])[:, None]
    return out


def _row_reduce(ufunc: np.ufunc, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    columns = x.shape[1]
    if columns > 16:
        return ufunc.reduce(x, axis=1, out=out)
    np.copyto(out, x[:, 0])
    for j in range(1, columns):
        ufunc(out, x[:, j], out=out)
    return out


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "linear": Linear, "softmax": Softmax}


def get(name: str, dtype: np.dtype = np.float64, inplace: bool = False) -> _Activation:
    """A new activation called ``name``."""
    return one_of("activation", name, ACTIVATIONS)(dtype, inplace)
