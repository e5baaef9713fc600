"""Whole networks from ``mlp``: gradients, forward values, float32 and prediction copies."""

import numpy as np
import pytest
from gradcheck import assert_gradient, away_from_zero, reference_sigmoid, reference_softmax
from support.errors import raises_exactly

from nnlab.nn import Network, mlp
from nnlab.nn.activations import ReLU, Sigmoid, Tanh
from nnlab.nn.layers import Dense, Dropout
from nnlab.nn.losses import ActivationHead, SoftmaxCrossEntropy
from nnlab.nn.metrics import BinaryAccuracy, CategoricalAccuracy, RegressionAccuracy

L2 = {"weight_regularizer_l2": 1e-2, "bias_regularizer_l2": 2e-2}
ALL_PENALTIES = {
    "weight_regularizer_l1": 5e-3,
    "weight_regularizer_l2": 1e-2,
    "bias_regularizer_l1": 3e-3,
    "bias_regularizer_l2": 2e-2,
}

# name -> (n_inputs, hidden, n_outputs, mlp keyword arguments)
CASES = {
    "categorical_tanh_l2": (2, [5, 4], 3, {"task": "categorical", "activation": "tanh", **L2}),
    "categorical_onehot_l1_l2": (
        2,
        [5, 4],
        3,
        {"task": "categorical", "activation": "sigmoid", **ALL_PENALTIES},
    ),
    "categorical_wide_relu": (3, [6], 20, {"task": "categorical", "activation": "relu"}),
    "binary_tanh": (3, [6], 2, {"task": "binary", "activation": "tanh", **L2}),
    "regression_tanh_mse": (1, [8, 8], 1, {"task": "regression", "activation": "tanh", **L2}),
    "regression_tanh_mae": (
        1,
        [6],
        2,
        {"task": "regression", "activation": "tanh", "loss": "mae", **ALL_PENALTIES},
    ),
    "no_hidden_layer": (4, [], 3, {"task": "categorical", **ALL_PENALTIES}),
}


def _targets(rng: np.random.Generator, case: str, n: int, n_outputs: int) -> np.ndarray:
    task = CASES[case][3]["task"]
    if task == "categorical":
        labels = rng.integers(0, n_outputs, n)
        return np.eye(n_outputs)[labels] if "onehot" in case else labels
    if task == "binary":
        return rng.integers(0, 2, (n, n_outputs)).astype(np.float64)
    return rng.standard_normal((n, n_outputs))


def _network(rng: np.random.Generator, case: str, dtype=np.float64, **extra) -> Network:
    n_inputs, hidden, n_outputs, kwargs = CASES[case]
    y_train = rng.standard_normal((10, n_outputs))
    net = mlp(
        n_inputs, hidden, n_outputs, rng=rng, init="glorot", y_train=y_train, dtype=dtype,
        **kwargs, **extra,
    )  # fmt: skip
    # non-zero biases (and no parameter near an L1 kink at 0)
    for name, value in net.params.items():
        if name.endswith("biases"):
            value[...] = away_from_zero(rng, value.shape, 0.05, 0.5)
        else:
            value[np.abs(value) < 0.05] = 0.05
    return net


@pytest.mark.parametrize("case", CASES)
def test_network_gradients_match_finite_differences(rng, case):
    net = _network(rng, case)
    n_inputs, _, n_outputs, _ = CASES[case]
    n = 7
    x = rng.standard_normal((n, n_inputs))
    y = _targets(rng, case, n, n_outputs)
    if CASES[case][3].get("loss") == "mae":
        # keep |prediction - target| away from the kink of the absolute value
        y = net.predict(x) + away_from_zero(rng, (n, n_outputs), 0.1, 1.0)

    def total_loss() -> float:
        return net.loss(x, y) + net.regularization_loss()

    net.loss(x, y)
    if "relu" in case:
        # finite differences must not cross the ReLU kink
        z = net.layers[0].forward(x)
        assert np.abs(z).min() > 1e-4
        net.loss(x, y)
    net.backward()
    analytic = {name: grad.copy() for name, grad in net.grads.items()}
    assert set(analytic) == set(net.params)
    for name, value in net.params.items():
        assert_gradient(analytic[name], total_loss, value, name=name)


def test_params_and_grads_names_and_identity(rng):
    net = _network(rng, "categorical_tanh_l2")
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    assert list(net.params) == [
        "dense1.weights",
        "dense1.biases",
        "dense2.weights",
        "dense2.biases",
        "dense3.weights",
        "dense3.biases",
    ]
    assert list(net.grads) == list(net.params)
    for number, layer in enumerate(dense, start=1):
        assert net.params[f"dense{number}.weights"] is layer.weights
        assert net.params[f"dense{number}.biases"] is layer.biases
        assert net.grads[f"dense{number}.weights"] is layer.dweights
        assert net.grads[f"dense{number}.biases"] is layer.dbiases
    assert [p.shape for p in net.params.values()] == [(2, 5), (5,), (5, 4), (4,), (4, 3), (3,)]


def test_mlp_architecture(rng):
    net = mlp(2, [64, 32], 3, task="categorical", rng=rng, dropout=0.1)
    kinds = [type(layer) for layer in net.layers]
    assert kinds == [Dense, ReLU, Dropout, Dense, ReLU, Dropout, Dense]
    assert isinstance(net.head, SoftmaxCrossEntropy)
    assert isinstance(net.accuracy, CategoricalAccuracy)

    net = mlp(2, [8], 1, task="binary", rng=rng, activation="tanh")
    assert [type(layer) for layer in net.layers] == [Dense, Tanh, Dense]
    assert isinstance(net.head, ActivationHead)
    assert isinstance(net.head.activation, Sigmoid)
    assert isinstance(net.accuracy, BinaryAccuracy)

    y_train = np.linspace(0.0, 1.0, 11)
    net = mlp(1, [8], 1, task="regression", rng=rng, y_train=y_train)
    assert isinstance(net.accuracy, RegressionAccuracy)
    assert net.accuracy.precision == pytest.approx(np.std(y_train) / 250)


def test_regularization_loss_sums_every_dense_layer(rng):
    net = _network(rng, "categorical_onehot_l1_l2")
    expected = sum(
        ALL_PENALTIES["weight_regularizer_l1"] * np.abs(value).sum()
        + ALL_PENALTIES["weight_regularizer_l2"] * np.square(value).sum()
        if name.endswith("weights")
        else ALL_PENALTIES["bias_regularizer_l1"] * np.abs(value).sum()
        + ALL_PENALTIES["bias_regularizer_l2"] * np.square(value).sum()
        for name, value in net.params.items()
    )
    assert net.regularization_loss() == pytest.approx(expected, rel=1e-12)
    assert _network(rng, "categorical_wide_relu").regularization_loss() == 0


def _manual_forward(net: Network, x: np.ndarray, hidden, output) -> np.ndarray:
    p = net.params
    n_dense = len(p) // 2
    for i in range(1, n_dense + 1):
        x = x @ p[f"dense{i}.weights"] + p[f"dense{i}.biases"]
        x = hidden(x) if i < n_dense else output(x)
    return x


@pytest.mark.parametrize(
    ("case", "output"),
    [
        ("categorical_tanh_l2", reference_softmax),
        ("binary_tanh", reference_sigmoid),
        ("regression_tanh_mse", lambda z: z),
    ],
)
def test_predict_matches_manual_forward(rng, case, output):
    net = _network(rng, case)
    x = rng.standard_normal((9, CASES[case][0]))
    np.testing.assert_allclose(
        net.predict(x), _manual_forward(net, x, np.tanh, output), rtol=1e-10, atol=1e-14
    )


@pytest.mark.parametrize("case", ["categorical_tanh_l2", "binary_tanh", "regression_tanh_mse"])
def test_predict_returns_independent_copies(rng, case):
    net = _network(rng, case)
    x1 = rng.standard_normal((6, CASES[case][0]))
    x2 = rng.standard_normal((6, CASES[case][0]))  # same shape: the same buffers are reused
    first = net.predict(x1)
    saved = first.copy()
    second = net.predict(x2)
    np.testing.assert_array_equal(first, saved)
    assert not np.allclose(first, second)
    assert not np.shares_memory(first, second)
    # a later loss/backward pass must not touch earlier predictions either
    net.loss(x2, _targets(rng, case, 6, CASES[case][2]))
    net.backward()
    np.testing.assert_array_equal(first, saved)


def test_evaluate_is_deterministic_with_dropout(rng):
    net = _network(rng, "categorical_tanh_l2", dropout=0.5)
    x = rng.standard_normal((40, 2))
    y = rng.integers(0, 3, 40)
    loss, accuracy = net.evaluate(x, y)
    assert net.evaluate(x, y) == (loss, accuracy)
    probs = _manual_forward(net, x, np.tanh, reference_softmax)
    assert loss == pytest.approx(-np.mean(np.log(probs[np.arange(40), y])), rel=1e-10)
    assert accuracy == pytest.approx(np.mean(np.argmax(probs, axis=1) == y))
    # training mode draws dropout masks, so two training losses differ
    assert net.loss(x, y, training=True) != net.loss(x, y, training=True)


def test_dropout_does_not_change_initial_weights(rng):
    a = mlp(2, [16, 8], 3, task="categorical", rng=np.random.default_rng(4))
    b = mlp(2, [16, 8], 3, task="categorical", rng=np.random.default_rng(4), dropout=0.3)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def test_same_seed_same_network():
    a = mlp(3, [7], 2, task="binary", rng=np.random.default_rng(21), init="he")
    b = mlp(3, [7], 2, task="binary", rng=np.random.default_rng(21), init="he")
    c = mlp(3, [7], 2, task="binary", rng=np.random.default_rng(22), init="he")
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["dense1.weights"], c.params["dense1.weights"])


def test_network_must_start_with_a_layer_with_parameters(rng):
    message = "a network must start with a layer with parameters, such as Dense"
    for layers in ([ReLU()], [Dropout(0.5, rng=rng), Dense(2, 3, rng=rng)], []):
        with raises_exactly(message):
            Network(layers, SoftmaxCrossEntropy(), CategoricalAccuracy())


# --- float32 -------------------------------------------------------------------------------------


FLOAT32_CASES = [
    "categorical_tanh_l2",
    "categorical_onehot_l1_l2",
    "binary_tanh",
    "regression_tanh_mse",
]


@pytest.mark.parametrize("case", FLOAT32_CASES)
@pytest.mark.parametrize("dropout", [0.0, 0.25])
def test_float32_network_stays_float32(rng, case, dropout):
    net = _network(rng, case, dtype=np.float32, dropout=dropout)
    assert all(value.dtype == np.float32 for value in net.params.values())
    n_inputs, _, n_outputs, _ = CASES[case]
    x = rng.standard_normal((8, n_inputs)).astype(np.float32)
    y = _targets(rng, case, 8, n_outputs)
    if y.dtype.kind == "f":
        y = y.astype(np.float32)

    # forward, layer by layer
    out = x
    for layer in net.layers:
        out = layer.forward(out, True)
        assert out.dtype == np.float32, type(layer).__name__
    loss = net.loss(x, y)
    assert np.isfinite(loss)
    assert net.head.predictions.dtype == np.float32

    # backward, layer by layer, then through the network
    dy = net.head.backward()
    assert dy.dtype == np.float32
    for layer in reversed(net.layers[1:]):
        dy = layer.backward(dy)
        assert dy.dtype == np.float32, type(layer).__name__
    net.loss(x, y)
    net.backward()
    for name, grad in net.grads.items():
        assert grad.dtype == np.float32, name
        assert np.all(np.isfinite(grad)), name
    assert net.predict(x).dtype == np.float32


@pytest.mark.parametrize("case", ["categorical_tanh_l2", "binary_tanh", "regression_tanh_mse"])
def test_float32_matches_float64(rng, case):
    net32 = _network(rng, case, dtype=np.float32)
    net64 = _network(rng, case)
    for name, value in net32.params.items():
        net64.params[name][...] = value
    n_inputs, _, n_outputs, _ = CASES[case]
    x = rng.standard_normal((8, n_inputs))
    y = _targets(rng, case, 8, n_outputs)
    y32 = y.astype(np.float32) if y.dtype.kind == "f" else y
    loss32 = net32.loss(x.astype(np.float32), y32)
    net32.backward()
    loss64 = net64.loss(x, y)
    net64.backward()
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    for name in net64.grads:
        np.testing.assert_allclose(
            net32.grads[name], net64.grads[name], rtol=1e-3, atol=1e-6, err_msg=name
        )
