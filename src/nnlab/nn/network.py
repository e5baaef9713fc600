"""A feed-forward network: a stack of layers, an output head, and the task's accuracy
(``nnlab.nn.mlp`` builds the book's)."""

from collections import Counter
from collections.abc import Sequence

import numpy as np

from nnlab.nn.trainable import Trainable


class Network:
    """Layers, a head and an accuracy.

    ``params`` and ``grads`` map names such as ``"dense1.weights"`` to the arrays of every
    ``Trainable`` layer (``<kind><n>.<name>``, see ``nnlab.nn.trainable``), so in-place updates
    reach the layers. The first layer must be a ``Trainable``: it is asked for no ``dx``.
    """

    def __init__(self, layers: Sequence, head, accuracy) -> None:
        if not layers or not isinstance(layers[0], Trainable):
            raise ValueError("a network must start with a layer with parameters, such as Dense")
        self.layers = list(layers)
        self.head = head
        self.accuracy = accuracy
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        trainable = [layer for layer in self.layers if isinstance(layer, Trainable)]
        numbers = Counter()
        for layer in trainable:
            numbers[layer.kind] += 1
            prefix = f"{layer.kind}{numbers[layer.kind]}"
            for name, array in layer.params().items():
                self.params[f"{prefix}.{name}"] = array
            for name, array in layer.grads().items():
                self.grads[f"{prefix}.{name}"] = array
        self._regularized = [layer for layer in trainable if layer.regularized]

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        """The last layer's output ``z``, before the head's activation."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def loss(self, x: np.ndarray, y: np.ndarray, training: bool = True) -> float:
        """Mean data loss on ``(x, y)``; keeps what ``backward`` and ``head.predictions`` need."""
        return self.head.forward(self.forward(x, training), y)

    def backward(self) -> None:
        """Fill ``grads`` with ``dL/dparams`` of the last ``loss`` call (data + penalties)."""
        dy = self.head.backward()
        for layer in reversed(self.layers[1:]):
            dy = layer.backward(dy)
        self.layers[0].backward(dy, need_dx=False)

    @property
    def regularized(self) -> bool:
        """Whether any layer adds a penalty to the loss (else data loss is the whole loss)."""
        return bool(self._regularized)

    def regularization_loss(self) -> float:
        if not self._regularized:
            return 0.0
        return sum(layer.regularization_loss() for layer in self._regularized)

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """``(mean data loss, accuracy)`` in evaluation mode (no dropout)."""
        loss = self.loss(x, y, training=False)
        correct, total = self.accuracy.correct(self.head.predictions, y)
        return loss, correct / total

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predictions (class probabilities, sigmoid outputs or regression values), a copy."""
        return self.head.predict(self.forward(x, training=False)).copy()
