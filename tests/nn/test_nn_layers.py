"""Dense (gradients incl. L1/L2 penalties) and Dropout."""

import numpy as np
import pytest
from gradcheck import assert_gradient, away_from_zero

from nnlab.nn.layers import Dense, Dropout

PENALTIES = {
    "none": {},
    "weight_l1": {"weight_regularizer_l1": 0.03},
    "weight_l2": {"weight_regularizer_l2": 0.05},
    "bias_l1": {"bias_regularizer_l1": 0.02},
    "bias_l2": {"bias_regularizer_l2": 0.07},
    "all": {
        "weight_regularizer_l1": 0.03,
        "weight_regularizer_l2": 0.05,
        "bias_regularizer_l1": 0.02,
        "bias_regularizer_l2": 0.07,
    },
}


def _dense(rng: np.random.Generator, n_in: int = 4, n_out: int = 3, **penalties) -> Dense:
    layer = Dense(n_in, n_out, rng=rng, init="glorot", **penalties)
    # parameters well away from 0, so the L1 kinks are never crossed by a finite difference
    layer.weights[...] = away_from_zero(rng, layer.weights.shape)
    layer.biases[...] = away_from_zero(rng, layer.biases.shape)
    return layer


@pytest.mark.parametrize("penalty", PENALTIES.values(), ids=PENALTIES.keys())
def test_dense_gradients_match_finite_differences(rng, penalty):
    layer = _dense(rng, **penalty)
    x = rng.standard_normal((5, 4))
    g = rng.standard_normal((5, 3))

    def total_loss() -> float:
        return float(np.sum(layer.forward(x) * g)) + layer.regularization_loss()

    layer.forward(x)
    dx = layer.backward(g).copy()
    dweights, dbiases = layer.dweights.copy(), layer.dbiases.copy()

    assert_gradient(dweights, total_loss, layer.weights, name="dW")
    assert_gradient(dbiases, total_loss, layer.biases, name="db")
    assert_gradient(dx, total_loss, x, name="dx")


@pytest.mark.parametrize("penalty", PENALTIES.values(), ids=PENALTIES.keys())
def test_dense_regularization_loss_value(rng, penalty):
    layer = _dense(rng, **penalty)
    w, b = layer.weights, layer.biases
    expected = (
        penalty.get("weight_regularizer_l1", 0.0) * np.abs(w).sum()
        + penalty.get("weight_regularizer_l2", 0.0) * np.square(w).sum()
        + penalty.get("bias_regularizer_l1", 0.0) * np.abs(b).sum()
        + penalty.get("bias_regularizer_l2", 0.0) * np.square(b).sum()
    )
    assert layer.regularization_loss() == pytest.approx(expected, rel=1e-12, abs=0.0)
    assert layer.regularized == bool(penalty)


def test_dense_penalty_gradient_alone(rng):
    """With a zero upstream gradient only the penalty's gradient is left."""
    penalty = PENALTIES["all"]
    layer = _dense(rng, **penalty)
    x = rng.standard_normal((6, 4))
    layer.forward(x)
    layer.backward(np.zeros((6, 3)))
    w, b = layer.weights, layer.biases
    np.testing.assert_allclose(layer.dweights, 0.03 * np.sign(w) + 2 * 0.05 * w, rtol=1e-12)
    np.testing.assert_allclose(layer.dbiases, 0.02 * np.sign(b) + 2 * 0.07 * b, rtol=1e-12)


def test_dense_forward_value(rng):
    layer = _dense(rng)
    x = rng.standard_normal((5, 4))
    np.testing.assert_allclose(layer.forward(x), x @ layer.weights + layer.biases, rtol=1e-12)


def test_dense_backward_overwrites_rather_than_accumulates(rng):
    layer = _dense(rng, **PENALTIES["all"])
    x = rng.standard_normal((5, 4))
    g = rng.standard_normal((5, 3))
    layer.forward(x)
    layer.backward(g)
    first = layer.dweights.copy(), layer.dbiases.copy()
    layer.forward(x)
    layer.backward(g)
    np.testing.assert_array_equal(layer.dweights, first[0])
    np.testing.assert_array_equal(layer.dbiases, first[1])


def test_dense_backward_without_dx_still_fills_grads(rng):
    layer = _dense(rng, weight_regularizer_l2=0.1)
    x = rng.standard_normal((5, 4))
    g = rng.standard_normal((5, 3))
    layer.forward(x)
    assert layer.backward(g, need_dx=False) is None
    np.testing.assert_allclose(layer.dweights, x.T @ g + 0.2 * layer.weights, rtol=1e-12)
    np.testing.assert_allclose(layer.dbiases, g.sum(axis=0), rtol=1e-12)


def test_dense_params_and_grads_are_the_layers_own_arrays(rng):
    layer = _dense(rng)
    params, grads = layer.params(), layer.grads()
    assert params["weights"] is layer.weights
    assert params["biases"] is layer.biases
    assert grads["weights"] is layer.dweights
    assert grads["biases"] is layer.dbiases
    layer.forward(rng.standard_normal((2, 4)))
    layer.backward(rng.standard_normal((2, 3)))
    # backward writes into the same arrays, so a dict taken before backward sees the gradient
    assert grads["weights"] is layer.dweights
    assert np.any(grads["weights"] != 0)


# --- Dropout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_forward_and_backward_scale_by_the_same_mask(rng, rate):
    layer = Dropout(rate, rng=np.random.default_rng(3))
    x = away_from_zero(rng, (50, 40))  # no zero inputs, so a zero output means dropped
    out = layer.forward(x, training=True).copy()
    kept = out != 0
    assert 0 < kept.sum() < kept.size
    mask = kept / (1.0 - rate)
    np.testing.assert_allclose(out, x * mask, rtol=1e-12)

    dy = rng.standard_normal(x.shape)
    np.testing.assert_allclose(layer.backward(dy), dy * mask, rtol=1e-12)


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_keep_fraction_and_mean(rate):
    layer = Dropout(rate, rng=np.random.default_rng(11))
    x = np.ones((1000, 1000))
    out = layer.forward(x, training=True)
    keep = np.count_nonzero(out) / out.size
    # binomial standard deviation is below 5e-4 for 1e6 draws
    assert keep == pytest.approx(1.0 - rate, abs=3e-3)
    # inverted dropout keeps the expected activation
    assert out.mean() == pytest.approx(1.0, abs=3e-3 / (1.0 - rate))


def test_dropout_masks_differ_between_calls(rng):
    layer = Dropout(0.5, rng=np.random.default_rng(5))
    x = np.ones((20, 20))
    first = layer.forward(x).copy()
    second = layer.forward(x).copy()
    assert not np.array_equal(first, second)


def test_dropout_is_identity_when_not_training(rng):
    layer = Dropout(0.5, rng=np.random.default_rng(5))
    x = rng.standard_normal((8, 6))
    layer.forward(x, training=True)  # a mask from training must not leak into evaluation
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    dy = rng.standard_normal((8, 6))
    np.testing.assert_array_equal(layer.backward(dy), dy)


def test_dropout_rate_zero_is_identity_in_training(rng):
    layer = Dropout(0.0, rng=np.random.default_rng(5))
    x = rng.standard_normal((8, 6))
    np.testing.assert_array_equal(layer.forward(x, training=True), x)
    dy = rng.standard_normal((8, 6))
    np.testing.assert_array_equal(layer.backward(dy), dy)


def test_dropout_same_seed_same_mask(rng):
    x = rng.standard_normal((30, 7))
    a = Dropout(0.4, rng=np.random.default_rng(9)).forward(x)
    b = Dropout(0.4, rng=np.random.default_rng(9)).forward(x)
    np.testing.assert_array_equal(a, b)
