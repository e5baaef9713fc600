"""The parameter protocol (``nnlab.nn.trainable``): a layer defined here, outside the package,
is named, differentiated and trained through ``Network`` and every update rule; parameter and
gradient attributes are bound once."""

import re

import numpy as np
import pytest
from gradcheck import assert_gradient, away_from_zero

from nnlab import data, optim, schedules, train
from nnlab.nn import Network, Trainable
from nnlab.nn.activations import Tanh
from nnlab.nn.layers import Dense
from nnlab.nn.losses import SoftmaxCrossEntropy
from nnlab.nn.metrics import CategoricalAccuracy


class Scale(Trainable):
    r"""Elementwise learnable scale ``y = x * s``, ``s`` of shape ``(features,)``, with the penalty
    ``R = l2 * sum s^2``. With ``g = dL/dy``: ``dL/ds = sum_n x * g + 2 l2 s``, ``dL/dx = g * s``.
    """

    kind = "scale"
    parameters = {"scale": "dscale"}

    def __init__(self, features: int, l2: float = 0.0) -> None:
        self.scale = np.ones(features)
        self.dscale = np.zeros(features)
        self.l2 = l2
        self.regularized = l2 > 0

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        self._inputs = x
        return x * self._scale

    def backward(self, dy: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        np.add.reduce(self._inputs * dy, axis=0, out=self._dscale)
        self._dscale += (2.0 * self.l2) * self._scale
        return dy * self._scale if need_dx else None

    def regularization_loss(self) -> float:
        return self.l2 * float(np.square(self._scale).sum())


def _network(rng: np.random.Generator) -> Network:
    """Scale(2) -> Dense(2, 5) -> tanh -> Scale(5) -> Dense(5, 3) -> softmax cross-entropy."""
    layers = [
        Scale(2, l2=0.05),
        Dense(2, 5, rng=rng, init="glorot"),
        Tanh(),
        Scale(5),
        Dense(5, 3, rng=rng, init="glorot"),
    ]
    return Network(layers, SoftmaxCrossEntropy(), CategoricalAccuracy())


def test_parameters_of_every_trainable_layer_are_named_by_kind_and_number(rng):
    net = _network(rng)
    scale1, dense1, _, scale2, dense2 = net.layers
    assert list(net.params) == [
        "scale1.scale",
        "dense1.weights",
        "dense1.biases",
        "scale2.scale",
        "dense2.weights",
        "dense2.biases",
    ]
    assert list(net.grads) == list(net.params)
    assert net.params["scale1.scale"] is scale1.scale
    assert net.grads["scale2.scale"] is scale2.dscale
    assert net.params["dense2.weights"] is dense2.weights
    assert net.grads["dense1.biases"] is dense1.dbiases


def test_gradients_of_a_new_layer_match_finite_differences(rng):
    net = _network(rng)
    for name in ("scale1.scale", "scale2.scale"):
        net.params[name][...] = away_from_zero(rng, net.params[name].shape, 0.3, 1.2)
    x = rng.standard_normal((7, 2))
    y = rng.integers(0, 3, 7)

    def total_loss() -> float:
        return net.loss(x, y) + net.regularization_loss()

    net.loss(x, y)
    net.backward()
    analytic = {name: grad.copy() for name, grad in net.grads.items()}
    assert np.any(analytic["scale1.scale"] != 0)
    for name, value in net.params.items():
        assert_gradient(analytic[name], total_loss, value, name=name)


def test_network_regularization_loss_includes_a_new_layers_penalty(rng):
    net = _network(rng)
    net.params["scale1.scale"][...] = [0.5, -2.0]
    assert net.regularization_loss() == pytest.approx(0.05 * (0.25 + 4.0), rel=1e-15)


def _train(rule: optim.UpdateRule, rng: np.random.Generator):
    net = _network(rng)
    dataset = data.make(
        "spiral",
        samples=30,
        classes=3,
        train_rng=np.random.default_rng(1),
        val_rng=np.random.default_rng(2),
    )
    start = {name: value.copy() for name, value in net.params.items()}
    history = train.fit(net, dataset, rule, schedules.constant(0.02), epochs=50)
    return net, start, history.metrics["train/loss"]


RULES = {
    **optim.RULES,
    "chain": lambda: optim.chain(
        optim.clip_by_global_norm(1.0), optim.adam(), optim.add_decayed_weights(1e-2)
    ),
}


@pytest.mark.parametrize("name", RULES)
def test_a_new_layer_trains_through_every_rule(name, rng):
    net, start, losses = _train(RULES[name](), rng)
    scale1, scale2 = net.layers[0], net.layers[3]
    assert np.all(scale1.scale != start["scale1.scale"])
    assert np.all(scale2.scale != start["scale2.scale"])
    assert losses[-1] < losses[0]


def test_rebinding_a_parameter_raises_and_names_the_in_place_form(rng):
    net = _network(rng)
    dense = net.layers[1]
    weights = dense.weights
    with pytest.raises(
        AttributeError,
        match=re.escape(
            "Dense.weights cannot be rebound: the network and its optimizer hold this array; "
            "copy into it with layer.weights[...] = value"
        ),
    ):
        dense.weights = np.ones((2, 5))
    assert dense.weights is weights is net.params["dense1.weights"]
    for layer, name in [(dense, "biases"), (dense, "dweights"), (dense, "dbiases")]:
        with pytest.raises(AttributeError, match=re.escape(f"layer.{name}[...] = value")):
            setattr(layer, name, np.zeros_like(getattr(layer, name)))
    with pytest.raises(AttributeError, match=r"^Scale\.scale cannot be rebound"):
        net.layers[0].scale = np.ones(2)


def test_in_place_assignment_reaches_the_network(rng):
    net = _network(rng)
    dense = net.layers[1]
    weights = dense.weights
    dense.weights[...] = 7.0
    dense.weights *= 0.5  # augmented assignment hands back the same array: allowed
    assert dense.weights is weights
    np.testing.assert_array_equal(net.params["dense1.weights"], np.full((2, 5), 3.5))


def test_a_layer_that_rebinds_its_gradient_fails_loudly(rng):
    class Rebinding(Scale):
        def backward(self, dy, need_dx=True):
            self.dscale = np.add.reduce(self._inputs * dy, axis=0)  # a new array
            return dy * self._scale

    layers = [Dense(2, 3, rng=rng), Rebinding(3), Dense(3, 3, rng=rng)]
    net = Network(layers, SoftmaxCrossEntropy(), CategoricalAccuracy())
    net.loss(rng.standard_normal((4, 2)), np.array([0, 1, 2, 0]))
    with pytest.raises(AttributeError, match=r"^Rebinding\.dscale cannot be rebound"):
        net.backward()
