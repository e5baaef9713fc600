"""Layers with parameters or randomness: ``Dense`` and ``Dropout``.

Every layer has ``forward(x, training) -> y`` and ``backward(dy) -> dx``; a layer with parameters
is a ``Trainable`` (``nnlab.nn.trainable``): ``params()`` and ``grads()`` are dicts of arrays that
keep their identity for the layer's life (optimizers update ``params()`` in place and read
``grads()`` after ``backward``).
"""

import numpy as np

from nnlab.checks import in_range, positive_int
from nnlab.nn import init as initializers
from nnlab.nn.buffers import Scratch
from nnlab.nn.trainable import Trainable


class Dense(Trainable):
    r"""Fully connected layer ``y = x W + b`` with optional L1/L2 penalties.

    Shapes: ``x (n, i)``, ``W (i, o)``, ``b (o,)``. With upstream gradient ``g = dL/dy``:
    ``dL/dW = x^T g``, ``dL/db = sum_n g``, ``dL/dx = g W^T``. All three are matrix products
    (the sum as ``1^T g``), which BLAS computes several times faster than NumPy's column
    reductions and strided transposes for the narrow matrices of small networks.

    Regularisation adds ``R = l1_w * sum|W| + l2_w * sum W^2 + l1_b * sum|b| + l2_b * sum b^2``
    to the loss, so ``dR/dW = l1_w * sign(W) + 2 * l2_w * W`` (likewise for ``b``).

    ``weights``, ``biases``, ``dweights`` and ``dbiases`` are bound once: ``layer.weights = W``
    raises, ``layer.weights[...] = W`` copies ``W`` in (see ``nnlab.nn.trainable``).
    """

    kind = "dense"
    parameters = {"weights": "dweights", "biases": "dbiases"}

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        *,
        rng: np.random.Generator,
        init: str = "book",
        dtype: np.dtype = np.float64,
        weight_regularizer_l1: float = 0.0,
        weight_regularizer_l2: float = 0.0,
        bias_regularizer_l1: float = 0.0,
        bias_regularizer_l2: float = 0.0,
    ) -> None:
        positive_int("n_inputs", n_inputs)
        positive_int("n_outputs", n_outputs)
        self.weight_regularizer_l1 = in_range("weight_regularizer_l1", weight_regularizer_l1, 0)
        self.weight_regularizer_l2 = in_range("weight_regularizer_l2", weight_regularizer_l2, 0)
        self.bias_regularizer_l1 = in_range("bias_regularizer_l1", bias_regularizer_l1, 0)
        self.bias_regularizer_l2 = in_range("bias_regularizer_l2", bias_regularizer_l2, 0)
        self.weights = initializers.get(init)(rng, n_inputs, n_outputs, dtype)
        self.biases = np.zeros(n_outputs, dtype)
        self.dweights = np.zeros_like(self.weights)
        self.dbiases = np.zeros_like(self.biases)
        self.regularized = any(
            (weight_regularizer_l1, weight_regularizer_l2, bias_regularizer_l1, bias_regularizer_l2)
        )
        self._outputs = Scratch(dtype)
        self._dinputs = Scratch(dtype)
        self._ones: dict[int, np.ndarray] = {}
        self._weights_t = np.empty((n_outputs, n_inputs), dtype)
        self._inputs: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self._inputs = x
        out = self._outputs.get((x.shape[0], self._biases.shape[0]))
        np.matmul(x, self._weights, out=out)
        out += self._biases
        return out

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        np.matmul(self._inputs.T, dy, out=self._dweights)
        np.matmul(self._ones_for(dy.shape[0]), dy, out=self._dbiases)
        if self.regularized:
            self._add_penalty_gradients()
        if not need_dx:
            return None
        dx = self._dinputs.get(self._inputs.shape)
        np.copyto(self._weights_t, self._weights.T)
        np.matmul(dy, self._weights_t, out=dx)
        return dx

    def _ones_for(self, n: int) -> np.ndarray:
        ones = self._ones.get(n)
        if ones is None:
            ones = self._ones[n] = np.ones(n, self._dbiases.dtype)
        return ones

    def regularization_loss(self) -> float:
        loss = 0.0
        for value, l1, l2 in self._penalised():
            if l1:
                loss += l1 * float(np.abs(value).sum())
            if l2:
                loss += l2 * float(np.square(value).sum())
        return loss

    def _add_penalty_gradients(self) -> None:
        for (value, l1, l2), grad in zip(
            self._penalised(), (self._dweights, self._dbiases), strict=True
        ):
            if l1:
                grad += l1 * np.sign(value)
            if l2:
                grad += (2.0 * l2) * value

    def _penalised(self):
        return (
            (self._weights, self.weight_regularizer_l1, self.weight_regularizer_l2),
            (self._biases, self.bias_regularizer_l1, self.bias_regularizer_l2),
        )


class Dropout:
    r"""Inverted dropout: in training ``y = x * m / (1 - rate)`` with ``m ~ Bernoulli(1 - rate)``;
    at evaluation ``y = x``. ``dL/dx = dL/dy * m / (1 - rate)``."""

    def __init__(self, rate: float, *, rng: np.random.Generator, dtype=np.float64) -> None:
        self.rate = in_range("dropout", rate, 0.0, 1.0, high_open=True)
        self._rng = rng
        self._dtype = dtype
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        self._mask = mask = np.multiply(
            self._rng.random(x.shape) < keep, 1.0 / keep, dtype=self._dtype
        )
        return x * mask

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray:
        if self._mask is None:
            return dy
        return dy * self._mask
