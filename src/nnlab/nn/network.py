"""A feed-forward network: a stack of layers, an output head, and the task's accuracy.

``mlp`` builds the book's networks, e.g. ``mlp(2, [64], 3, task="categorical")`` is
Dense(2, 64) -> ReLU -> Dense(64, 3) -> softmax + categorical cross-entropy.
"""

from collections.abc import Sequence

import numpy as np

from nnlab.checks import in_range, one_of, positive_int
from nnlab.nn import activations
from nnlab.nn.layers import Dense, Dropout
from nnlab.nn.losses import make_head
from nnlab.nn.metrics import BinaryAccuracy, CategoricalAccuracy, RegressionAccuracy

# task -> (output activation, default loss, losses the task allows)
TASKS = {
    "categorical": ("softmax", "categorical_crossentropy", ("categorical_crossentropy",)),
    "binary": ("sigmoid", "binary_crossentropy", ("binary_crossentropy",)),
    "regression": ("linear", "mse", ("mse", "mae")),
}


class Network:
    """Layers, a head and an accuracy. ``params`` and ``grads`` map names such as
    ``"dense1.weights"`` to the layers' own arrays, so in-place updates reach the layers."""

    def __init__(self, layers: Sequence, head, accuracy) -> None:
        if not layers or not isinstance(layers[0], Dense):
            raise ValueError("a network must start with a Dense layer")
        self.layers = list(layers)
        self.head = head
        self.accuracy = accuracy
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        dense = [layer for layer in self.layers if isinstance(layer, Dense)]
        for number, layer in enumerate(dense, start=1):
            for kind, array in layer.params().items():
                self.params[f"dense{number}.{kind}"] = array
            for kind, array in layer.grads().items():
                self.grads[f"dense{number}.{kind}"] = array
        self._regularized = [layer for layer in dense if layer.regularized]

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


def mlp(
    n_inputs: int,
    hidden: Sequence[int],
    n_outputs: int,
    *,
    task: str,
    rng: np.random.Generator,
    y_train: np.ndarray | None = None,
    activation: str = "relu",
    loss: str | None = None,
    init: str = "book",
    dropout: float = 0.0,
    weight_regularizer_l1: float = 0.0,
    weight_regularizer_l2: float = 0.0,
    bias_regularizer_l1: float = 0.0,
    bias_regularizer_l2: float = 0.0,
    dtype: np.dtype = np.float64,
) -> Network:
    """A multi-layer perceptron ``n_inputs -> hidden... -> n_outputs`` for ``task``.

    Hidden layers use ``activation`` and, if ``dropout > 0``, a dropout layer after it; the output
    activation and default loss follow the task (softmax + cross-entropy, sigmoid + binary
    cross-entropy, linear + MSE). Regression accuracy needs ``y_train`` for its precision.
    """
    output_activation, default_loss, allowed_losses = one_of("task", task, TASKS)
    loss = loss or default_loss
    if loss not in allowed_losses:
        raise ValueError(
            f"loss for a {task} task must be one of {', '.join(allowed_losses)}; got {loss!r}"
        )
    one_of("activation", activation, activations.ACTIVATIONS)
    in_range("dropout", dropout, 0.0, 1.0, high_open=True)
    for size in hidden:
        positive_int("hidden size", size)
    penalties = {
        "weight_regularizer_l1": weight_regularizer_l1,
        "weight_regularizer_l2": weight_regularizer_l2,
        "bias_regularizer_l1": bias_regularizer_l1,
        "bias_regularizer_l2": bias_regularizer_l2,
    }
    sizes = [n_inputs, *hidden, n_outputs]
    dropout_rng = rng.spawn(1)[0]
    layers: list = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1], strict=True):
        layers.append(Dense(fan_in, fan_out, rng=rng, init=init, dtype=dtype, **penalties))
        layers.append(activations.get(activation, dtype, inplace=True))
        if dropout:
            layers.append(Dropout(dropout, rng=dropout_rng, dtype=dtype))
    layers.append(Dense(sizes[-2], sizes[-1], rng=rng, init=init, dtype=dtype, **penalties))
    head = make_head(output_activation, loss, dtype)
    if task == "categorical":
        accuracy = CategoricalAccuracy()
    elif task == "binary":
        accuracy = BinaryAccuracy()
    else:
        if y_train is None:
            raise ValueError("a regression network needs y_train to set its accuracy precision")
        accuracy = RegressionAccuracy(y_train)
    return Network(layers, head, accuracy)
