"""Bad arguments raise ``ValueError`` naming the argument, what is allowed and what was given."""

import math
import re

import numpy as np
import pytest
from support.errors import raises_exactly

from nnlab.nn import activations, init, mlp
from nnlab.nn.layers import Dense, Dropout
from nnlab.nn.losses import make_head

ACTIVATIONS_MSG = "activation must be one of relu, sigmoid, tanh, linear, softmax; got 'swish'"
INIT_MSG = "init must be one of book, he, glorot; got 'xavier'"
PENALTY_NAMES = [
    "weight_regularizer_l1",
    "weight_regularizer_l2",
    "bias_regularizer_l1",
    "bias_regularizer_l2",
]


def _mlp(**kwargs):
    args = {"task": "categorical", "rng": np.random.default_rng(0)}
    args.update(kwargs)
    return mlp(2, args.pop("hidden", [4]), args.pop("n_outputs", 3), **args)


def test_unknown_activation():
    with pytest.raises(ValueError, match=re.escape(ACTIVATIONS_MSG)):
        activations.get("swish")
    with pytest.raises(ValueError, match=re.escape(ACTIVATIONS_MSG)):
        _mlp(activation="swish")


def test_unknown_init():
    with pytest.raises(ValueError, match=re.escape(INIT_MSG)):
        init.get("xavier")
    with pytest.raises(ValueError, match=re.escape(INIT_MSG)):
        Dense(2, 3, rng=np.random.default_rng(0), init="xavier")
    with pytest.raises(ValueError, match=re.escape(INIT_MSG)):
        _mlp(init="xavier")


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (1.0, "dropout must be in [0, 1), got 1.0"),
        (1.5, "dropout must be in [0, 1), got 1.5"),
        (-0.1, "dropout must be in [0, 1), got -0.1"),
        (math.nan, "dropout must be in [0, 1), got nan"),
        ("0.5", "dropout must be a number in [0, 1), got '0.5'"),
        (True, "dropout must be a number in [0, 1), got True"),
    ],
)
def test_bad_dropout(rate, message):
    with raises_exactly(message):
        Dropout(rate, rng=np.random.default_rng(0))
    with raises_exactly(message):
        _mlp(dropout=rate)
    with raises_exactly(message):
        _mlp(dropout=rate, hidden=[])  # checked even when no dropout layer would be built


@pytest.mark.parametrize("name", PENALTY_NAMES)
def test_negative_regularizer(name):
    message = f"{name} must be in [0, inf), got -0.01"
    with pytest.raises(ValueError, match=re.escape(message)):
        Dense(2, 3, rng=np.random.default_rng(0), **{name: -0.01})
    with pytest.raises(ValueError, match=re.escape(message)):
        _mlp(**{name: -0.01})


@pytest.mark.parametrize("name", PENALTY_NAMES)
def test_nan_regularizer(name):
    with pytest.raises(ValueError, match=re.escape(f"{name} must be in [0, inf), got nan")):
        Dense(2, 3, rng=np.random.default_rng(0), **{name: math.nan})


@pytest.mark.parametrize("name", PENALTY_NAMES)
def test_infinite_regularizer(name):
    """``[0, inf)`` excludes infinity (the message says so), and an infinite penalty would make
    every loss ``inf`` and every L2 gradient ``inf``/``nan``."""
    with pytest.raises(ValueError, match=re.escape(f"{name} must be in [0, inf), got inf")):
        Dense(2, 3, rng=np.random.default_rng(0), **{name: math.inf})
    with pytest.raises(ValueError, match=re.escape(f"{name} must be in [0, inf), got inf")):
        _mlp(**{name: math.inf})


@pytest.mark.parametrize(
    ("task", "loss", "allowed"),
    [
        ("categorical", "mse", "categorical_crossentropy"),
        ("categorical", "binary_crossentropy", "categorical_crossentropy"),
        ("binary", "categorical_crossentropy", "binary_crossentropy"),
        ("regression", "binary_crossentropy", "mse, mae"),
        ("regression", "hinge", "mse, mae"),
    ],
)
def test_loss_not_allowed_for_task(task, loss, allowed):
    message = f"loss for a {task} task must be one of {allowed}; got {loss!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        _mlp(task=task, loss=loss, y_train=np.zeros((4, 3)))


def test_unknown_loss_in_make_head():
    message = (
        "loss must be one of categorical_crossentropy, binary_crossentropy, mse, mae; got 'hinge'"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        make_head("linear", "hinge")


def test_unknown_task():
    message = "task must be one of categorical, binary, regression; got 'ranking'"
    with pytest.raises(ValueError, match=re.escape(message)):
        _mlp(task="ranking")


@pytest.mark.parametrize(("hidden", "bad"), [([0], "0"), ([4, -3], "-3"), ([2.5], "2.5")])
def test_bad_hidden_size(hidden, bad):
    message = f"hidden size must be an integer >= 1, got {bad}"
    with pytest.raises(ValueError, match=re.escape(message)):
        _mlp(hidden=hidden)


@pytest.mark.parametrize(("argument", "value"), [("n_inputs", 0), ("n_outputs", 0)])
def test_bad_layer_size(argument, value):
    sizes = {"n_inputs": 2, "n_outputs": 3, argument: value}
    message = f"{argument} must be an integer >= 1, got {value}"
    with pytest.raises(ValueError, match=re.escape(message)):
        Dense(sizes["n_inputs"], sizes["n_outputs"], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=re.escape(message)):
        mlp(sizes["n_inputs"], [4], sizes["n_outputs"], task="binary", rng=np.random.default_rng(0))


def test_regression_needs_y_train():
    with pytest.raises(ValueError, match="regression network needs y_train"):
        _mlp(task="regression")
