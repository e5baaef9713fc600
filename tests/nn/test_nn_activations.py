"""Activations: values and gradients (finite differences, explicit softmax Jacobian)."""

import warnings

import numpy as np
import pytest
from gradcheck import assert_gradient, away_from_zero, reference_sigmoid, reference_softmax

from nnlab.nn import activations
from nnlab.nn.activations import ACTIVATIONS, Linear, ReLU, Sigmoid, Softmax, Tanh

REFERENCE = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": reference_sigmoid,
    "tanh": np.tanh,
    "linear": lambda x: x,
    "softmax": reference_softmax,
}


def test_factory_knows_every_activation():
    assert set(ACTIVATIONS) == set(REFERENCE)
    expected = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "linear": Linear}
    expected["softmax"] = Softmax
    for name, cls in expected.items():
        assert type(activations.get(name)) is cls


def _inputs(rng: np.random.Generator, name: str, shape=(6, 5)) -> np.ndarray:
    if name == "relu":
        return away_from_zero(rng, shape, 0.05, 2.0)  # away from the kink at 0
    return 2.0 * rng.standard_normal(shape)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_forward_matches_reference(rng, name):
    x = _inputs(rng, name)
    y = activations.get(name).forward(x)
    np.testing.assert_allclose(y, REFERENCE[name](x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(6, 5), (4, 20)], ids=["narrow", "wide"])
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_backward_matches_finite_differences(rng, name, shape):
    x = _inputs(rng, name, shape)
    g = rng.standard_normal(shape)
    act = activations.get(name)

    def loss() -> float:
        return float(np.sum(act.forward(x) * g))

    act.forward(x)
    assert_gradient(act.backward(g), loss, x, name=name)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_float32_in_float32_out(rng, name):
    x = _inputs(rng, name).astype(np.float32)
    act = activations.get(name, np.float32)
    y = act.forward(x)
    dx = act.backward(np.ones_like(x))
    assert y.dtype == np.float32
    assert dx.dtype == np.float32
    np.testing.assert_allclose(y, REFERENCE[name](x.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_relu_gradient_is_the_step_function(rng):
    x = np.array([[-2.0, -1e-3, 1e-3, 3.0]])
    act = ReLU()
    np.testing.assert_array_equal(act.forward(x), [[0.0, 0.0, 1e-3, 3.0]])
    np.testing.assert_array_equal(act.backward(np.full((1, 4), 5.0)), [[0.0, 0.0, 5.0, 5.0]])


def test_sigmoid_large_inputs_do_not_overflow():
    x = np.array([[-1000.0, -745.0, -40.0, -10.0, 0.0, 10.0, 40.0, 745.0, 1000.0]])
    act = Sigmoid()
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        y = act.forward(x)
        dx = act.backward(np.ones_like(x))
    assert np.all(np.isfinite(y))
    assert np.all(np.isfinite(dx))
    assert np.all((y >= 0.0) & (y <= 1.0))
    assert y[0, 0] == pytest.approx(0.0, abs=1e-15)
    assert y[0, -1] == 1.0
    assert y[0, 4] == 0.5
    np.testing.assert_allclose(y, reference_sigmoid(x), rtol=1e-6, atol=1e-15)
    np.testing.assert_allclose(
        dx, reference_sigmoid(x) * reference_sigmoid(-x), rtol=1e-6, atol=1e-15
    )


def test_sigmoid_gradient_at_large_inputs(rng):
    x = np.array([[-60.0, -30.0, 30.0, 60.0], [-8.0, 8.0, -15.0, 15.0]])
    g = rng.standard_normal(x.shape)
    act = Sigmoid()

    def loss() -> float:
        return float(np.sum(act.forward(x) * g))

    act.forward(x)
    assert_gradient(act.backward(g), loss, x, name="sigmoid")


@pytest.mark.parametrize("classes", [3, 16, 17, 40])
def test_softmax_backward_equals_explicit_jacobian(rng, classes):
    x = 3.0 * rng.standard_normal((7, classes))
    dy = rng.standard_normal((7, classes))
    act = Softmax()
    s = act.forward(x).copy()
    dx = act.backward(dy)
    expected = np.stack(
        [(np.diag(s_i) - np.outer(s_i, s_i)) @ dy_i for s_i, dy_i in zip(s, dy, strict=True)]
    )
    np.testing.assert_allclose(dx, expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("classes", [3, 16, 17, 40])
def test_softmax_forward_rows_are_distributions_and_shift_invariant(rng, classes):
    x = 3.0 * rng.standard_normal((7, classes))
    act = Softmax()
    s = act.forward(x).copy()
    np.testing.assert_allclose(s, reference_softmax(x), rtol=1e-12)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        shifted = act.forward(x + 1000.0)
    np.testing.assert_allclose(shifted, s, rtol=1e-9)


def test_softmax_rows_are_independent(rng):
    """Changing one row of the input leaves the other rows' outputs alone."""
    x = rng.standard_normal((4, 3))
    act = Softmax()
    before = act.forward(x).copy()
    x2 = x.copy()
    x2[2] += np.array([5.0, -1.0, 0.3])
    after = act.forward(x2)
    np.testing.assert_array_equal(after[[0, 1, 3]], before[[0, 1, 3]])
    assert not np.allclose(after[2], before[2])


def test_linear_backward_passes_gradient_through(rng):
    x = rng.standard_normal((3, 2))
    dy = rng.standard_normal((3, 2))
    act = Linear()
    np.testing.assert_array_equal(act.forward(x), x)
    np.testing.assert_array_equal(act.backward(dy), dy)


def test_tanh_backward_value(rng):
    x = rng.standard_normal((3, 4))
    dy = rng.standard_normal((3, 4))
    act = Tanh()
    act.forward(x)
    np.testing.assert_allclose(act.backward(dy), dy * (1 - np.tanh(x) ** 2), rtol=1e-12)
