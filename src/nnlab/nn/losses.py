r"""Losses and the output heads that pair them with the last activation.

A loss maps predictions ``p (n, k)`` and targets to per-sample losses ``l (n,)``; the data loss
is their mean, so every ``backward`` returns ``dL/dp`` already divided by ``n``.

- Categorical cross-entropy: ``l_i = -log p_{i, y_i}`` (sparse labels) or ``-sum_j y_ij log p_ij``
  (one-hot), ``p`` clipped to ``[1e-7, 1 - 1e-7]``; ``dL/dp = -y / p / n``.
- Binary cross-entropy: ``l_i = -1/k sum_j [y log p + (1 - y) log(1 - p)]``, same clipping;
  ``dL/dp = -(y / p - (1 - y) / (1 - p)) / k / n``.
- Mean squared error: ``l_i = 1/k sum_j (y - p)^2``; ``dL/dp = -2 (y - p) / k / n``.
- Mean absolute error: ``l_i = 1/k sum_j |y - p|``; ``dL/dp = sign(p - y) / k / n``.

A head is ``forward(z, y) -> data loss`` on the last layer's pre-activation ``z`` (keeping
``predictions``) and ``backward() -> dL/dz``. Softmax feeding categorical cross-entropy is always
the fused ``SoftmaxCrossEntropy``, whose gradient is ``dL/dz = (softmax(z) - onehot(y)) / n``.
"""

import numpy as np

from nnlab.checks import one_of
from nnlab.nn import activations
from nnlab.nn.buffers import Scratch, rows

CLIP = 1e-7


def sparse_labels(y: np.ndarray) -> np.ndarray:
    """Class indices from sparse labels ``(n,)`` or one-hot rows ``(n, classes)``."""
    return y if y.ndim == 1 else np.argmax(y, axis=1)


class CategoricalCrossentropy:
    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        clipped = np.clip(p, CLIP, 1 - CLIP)
        if y.ndim == 1:
            confidences = clipped[np.arange(len(p)), y]
        else:
            confidences = np.sum(clipped * y, axis=1)
        return -np.log(confidences)

    def backward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        onehot = np.eye(p.shape[1], dtype=p.dtype)[y] if y.ndim == 1 else y
        return -onehot / np.clip(p, CLIP, 1 - CLIP) / len(p)


class BinaryCrossentropy:
    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        clipped = np.clip(p, CLIP, 1 - CLIP)
        return -np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped), axis=-1)

    def backward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        clipped = np.clip(p, CLIP, 1 - CLIP)
        return -(y / clipped - (1 - y) / (1 - clipped)) / p.shape[1] / len(p)


class MeanSquaredError:
    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.mean((y - p) ** 2, axis=-1)

    def backward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        return -2.0 * (y - p) / p.shape[1] / len(p)


class MeanAbsoluteError:
    def forward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.mean(np.abs(y - p), axis=-1)

    def backward(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.sign(p - y) / p.shape[1] / len(p)


LOSSES = {
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mse": MeanSquaredError,
    "mae": MeanAbsoluteError,
}


class ActivationHead:
    """The last activation followed by a loss, differentiated by the chain rule."""

    def __init__(self, activation, loss) -> None:
        self.activation = activation
        self.loss = loss
        self.predictions: np.ndarray | None = None

    def forward(self, z: np.ndarray, y: np.ndarray) -> float:
        self.predictions = self.activation.forward(z)
        self._targets = y
        return float(np.mean(self.loss.forward(self.predictions, y)))

    def backward(self) -> np.ndarray:
        return self.activation.backward(self.loss.backward(self.predictions, self._targets))

    def predict(self, z: np.ndarray) -> np.ndarray:
        self.predictions = self.activation.forward(z)
        return self.predictions


class SoftmaxCrossEntropy:
    """Softmax + categorical cross-entropy as one function (the book's combined class)."""

    def __init__(self, dtype: np.dtype = np.float64) -> None:
        self._probabilities = Scratch(dtype)
        self._gradients = Scratch(dtype)
        self._rows = Scratch(dtype)
        self._low, self._high = np.asarray(CLIP, dtype), np.asarray(1 - CLIP, dtype)
        self.predictions: np.ndarray | None = None

    def predict(self, z: np.ndarray) -> np.ndarray:
        self.predictions = p = self._probabilities.get(z.shape)
        return activations.softmax(z, p, self._rows)

    def forward(self, z: np.ndarray, y: np.ndarray) -> float:
        n = z.shape[0]
        p = self.predict(z)
        self._labels = labels = sparse_labels(y)
        confidences = p[rows(n), labels]
        np.maximum(confidences, self._low, out=confidences)
        np.minimum(confidences, self._high, out=confidences)
        np.log(confidences, out=confidences)
        return -float(np.add.reduce(confidences)) / n

    def backward(self) -> np.ndarray:
        p = self.predictions
        n = p.shape[0]
        dz = self._gradients.get(p.shape)
        np.copyto(dz, p)
        dz[rows(n), self._labels] -= 1.0
        dz *= 1.0 / n
        return dz


def make_head(activation: str, loss: str, dtype: np.dtype = np.float64):
    """The head for an output ``activation`` and a ``loss``: fused when softmax meets categorical
    cross-entropy, the chain of the two otherwise."""
    loss_class = one_of("loss", loss, LOSSES)
    if activation == "softmax" and loss_class is CategoricalCrossentropy:
        return SoftmaxCrossEntropy(dtype)
    return ActivationHead(activations.get(activation, dtype), loss_class())
