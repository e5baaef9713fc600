"""The book's networks, the model nnlab trains: ``mlp(2, [64], 3, task="categorical")`` is
Dense(2, 64) -> ReLU -> Dense(64, 3) -> softmax + categorical cross-entropy. Its keyword
parameters are the ``model`` config's keys (``nnlab.run.schema`` derives them from here), so a
layer added to the model is a parameter here and a module of its own.
"""

from collections.abc import Sequence

import numpy as np

from nnlab.checks import in_range, one_of, positive_int
from nnlab.nn import activations
from nnlab.nn.layers import Dense, Dropout
from nnlab.nn.losses import make_head
from nnlab.nn.metrics import BinaryAccuracy, CategoricalAccuracy, RegressionAccuracy
from nnlab.nn.network import Network

# task -> (output activation, default loss, losses the task allows)
TASKS = {
    "categorical": ("softmax", "categorical_crossentropy", ("categorical_crossentropy",)),
    "binary": ("sigmoid", "binary_crossentropy", ("binary_crossentropy",)),
    "regression": ("linear", "mse", ("mse", "mae")),
}


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
