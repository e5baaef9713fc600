"""Weight initialisers: scale, bounds, dtype and reproducibility."""

import numpy as np
import pytest

from nnlab.nn import init
from nnlab.nn.layers import Dense

FAN_IN, FAN_OUT = 200, 300  # 60,000 draws: the sample std is within ~0.6% of the true one


def test_registry():
    assert set(init.INITIALIZERS) == {"book", "he", "glorot"}
    assert init.get("book") is init.book
    assert init.get("he") is init.he
    assert init.get("glorot") is init.glorot


def test_book_std(rng):
    w = init.book(rng, FAN_IN, FAN_OUT)
    assert w.shape == (FAN_IN, FAN_OUT)
    assert w.std() == pytest.approx(0.01, rel=0.03)
    assert abs(w.mean()) < 0.01 * 0.03


@pytest.mark.parametrize("fan_in", [2, 64, 200])
def test_he_std(rng, fan_in):
    w = init.he(rng, fan_in, 60_000 // fan_in)
    assert w.shape == (fan_in, 60_000 // fan_in)
    assert w.std() == pytest.approx(np.sqrt(2.0 / fan_in), rel=0.03)


@pytest.mark.parametrize(("fan_in", "fan_out"), [(2, 30_000), (200, 300), (300, 200)])
def test_glorot_bound(rng, fan_in, fan_out):
    w = init.glorot(rng, fan_in, fan_out)
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    assert w.shape == (fan_in, fan_out)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / np.sqrt(3.0), rel=0.03)  # uniform on (-a, a)


@pytest.mark.parametrize("name", ["book", "he", "glorot"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_respected(rng, name, dtype):
    assert init.get(name)(rng, 3, 4, dtype).dtype == dtype
    layer = Dense(3, 4, rng=rng, init=name, dtype=dtype)
    assert layer.weights.dtype == dtype
    assert layer.biases.dtype == dtype
    assert layer.dweights.dtype == dtype
    assert layer.dbiases.dtype == dtype


@pytest.mark.parametrize("name", ["book", "he", "glorot"])
def test_same_seed_same_weights(name):
    a = init.get(name)(np.random.default_rng(7), 5, 6)
    b = init.get(name)(np.random.default_rng(7), 5, 6)
    c = init.get(name)(np.random.default_rng(8), 5, 6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", ["book", "he", "glorot"])
def test_float32_is_the_rounded_float64_draw(name):
    w64 = init.get(name)(np.random.default_rng(7), 5, 6, np.float64)
    w32 = init.get(name)(np.random.default_rng(7), 5, 6, np.float32)
    np.testing.assert_array_equal(w32, w64.astype(np.float32))


def test_dense_uses_the_named_initialiser(rng):
    layer = Dense(FAN_IN, FAN_OUT, rng=np.random.default_rng(3), init="he")
    np.testing.assert_array_equal(layer.weights, init.he(np.random.default_rng(3), FAN_IN, FAN_OUT))
    np.testing.assert_array_equal(layer.biases, np.zeros(FAN_OUT))
    assert Dense(4, 5, rng=rng).weights.std() < 0.03  # the default is the book's 0.01 scale
