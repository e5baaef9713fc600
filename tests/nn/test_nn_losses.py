"""Losses and output heads: values, clipping and gradients."""

import math
import warnings

import numpy as np
import pytest
from gradcheck import assert_gradient, away_from_zero, reference_sigmoid, reference_softmax

from nnlab.nn.activations import Linear, Sigmoid, Softmax
from nnlab.nn.losses import (
    CLIP,
    ActivationHead,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanAbsoluteError,
    MeanSquaredError,
    SoftmaxCrossEntropy,
    make_head,
)

# "Neural Networks from Scratch", chapter 9: softmax outputs, targets and the combined gradient
BOOK_OUTPUTS = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])
BOOK_TARGETS = np.array([0, 1, 1])
BOOK_LOSS = 0.38506088005216804
BOOK_GRADIENT = np.array(
    [
        [-0.1, 0.03333333, 0.06666667],
        [0.03333333, -0.16666667, 0.13333333],
        [0.00666667, -0.03333333, 0.02666667],
    ]
)


def _onehot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


# --- plain losses: dL/dp by finite differences on L = mean(per-sample loss) --------------------


def _loss_case(rng: np.random.Generator, kind: str):
    n, k = 6, 4
    if kind == "cce_sparse":
        return CategoricalCrossentropy(), rng.uniform(0.05, 0.9, (n, k)), rng.integers(0, k, n)
    if kind == "cce_onehot":
        y = _onehot(rng.integers(0, k, n), k)
        return CategoricalCrossentropy(), rng.uniform(0.05, 0.9, (n, k)), y
    if kind == "bce":
        y = rng.integers(0, 2, (n, k)).astype(np.float64)
        return BinaryCrossentropy(), rng.uniform(0.05, 0.95, (n, k)), y
    y = rng.standard_normal((n, k))
    if kind == "mse":
        return MeanSquaredError(), rng.standard_normal((n, k)), y
    # MAE: predictions at least 0.1 from the targets, away from the kink of |p - y|
    return MeanAbsoluteError(), y + away_from_zero(rng, (n, k), 0.1, 1.0), y


LOSS_KINDS = ["cce_sparse", "cce_onehot", "bce", "mse", "mae"]


@pytest.mark.parametrize("kind", LOSS_KINDS)
def test_loss_backward_matches_finite_differences(rng, kind):
    loss, p, y = _loss_case(rng, kind)

    def mean_loss() -> float:
        return float(np.mean(loss.forward(p, y)))

    per_sample = loss.forward(p, y)
    assert per_sample.shape == (len(p),)
    assert_gradient(loss.backward(p, y), mean_loss, p, name=kind)


def test_categorical_crossentropy_sparse_equals_onehot(rng):
    p = rng.uniform(0.05, 0.9, (6, 4))
    labels = rng.integers(0, 4, 6)
    loss = CategoricalCrossentropy()
    np.testing.assert_allclose(
        loss.forward(p, labels), loss.forward(p, _onehot(labels, 4)), rtol=1e-14
    )
    np.testing.assert_allclose(
        loss.backward(p, labels), loss.backward(p, _onehot(labels, 4)), rtol=1e-14
    )


def test_categorical_crossentropy_book_value():
    loss = CategoricalCrossentropy()
    per_sample = loss.forward(BOOK_OUTPUTS, BOOK_TARGETS)
    np.testing.assert_allclose(per_sample, -np.log([0.7, 0.5, 0.9]), rtol=1e-12)
    assert float(np.mean(per_sample)) == pytest.approx(BOOK_LOSS, rel=1e-12)
    onehot = _onehot(BOOK_TARGETS, 3)
    assert float(np.mean(loss.forward(BOOK_OUTPUTS, onehot))) == pytest.approx(BOOK_LOSS, rel=1e-12)


def test_categorical_crossentropy_clips_zero_and_one():
    loss = CategoricalCrossentropy()
    p = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        values = loss.forward(p, np.array([0, 1]))
        grad = loss.backward(p, np.array([0, 1]))
    assert values[0] == pytest.approx(-math.log(1e-7), rel=1e-12)
    assert values[0] == pytest.approx(16.11809565095832, rel=1e-12)
    assert values[1] == pytest.approx(-math.log(1 - 1e-7), rel=1e-9)
    assert np.all(np.isfinite(grad))
    assert grad[0, 0] == pytest.approx(-1.0 / CLIP / 2, rel=1e-12)


def test_binary_crossentropy_values_and_clipping():
    loss = BinaryCrossentropy()
    p = np.array([[0.8, 0.3], [0.0, 1.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        values = loss.forward(p, y)
        grad = loss.backward(p, y)
    assert values[0] == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2, rel=1e-12)
    assert values[1] == pytest.approx(-math.log(1e-7), rel=1e-7)
    assert np.all(np.isfinite(grad))


def test_regression_loss_values():
    p = np.array([[1.0, 2.0], [0.5, -0.5]])
    y = np.array([[0.0, 4.0], [0.5, 0.5]])
    np.testing.assert_allclose(MeanSquaredError().forward(p, y), [2.5, 0.5], rtol=1e-14)
    np.testing.assert_allclose(MeanAbsoluteError().forward(p, y), [1.5, 0.5], rtol=1e-14)
    np.testing.assert_allclose(MeanSquaredError().backward(p, y), -2 * (y - p) / 2 / 2, rtol=1e-14)
    np.testing.assert_allclose(
        MeanAbsoluteError().backward(p, y), [[0.25, -0.25], [0.0, -0.25]], rtol=1e-14
    )


# --- the fused softmax + cross-entropy head ------------------------------------------------------


def test_make_head_fuses_softmax_with_categorical_crossentropy():
    assert isinstance(make_head("softmax", "categorical_crossentropy"), SoftmaxCrossEntropy)
    head = make_head("sigmoid", "binary_crossentropy")
    assert isinstance(head, ActivationHead)
    assert isinstance(head.activation, Sigmoid)
    assert isinstance(head.loss, BinaryCrossentropy)
    head = make_head("linear", "mae")
    assert isinstance(head.activation, Linear)
    assert isinstance(head.loss, MeanAbsoluteError)
    head = make_head("softmax", "mse")  # only categorical cross-entropy is fused
    assert isinstance(head, ActivationHead)
    assert isinstance(head.activation, Softmax)


@pytest.mark.parametrize("classes", [3, 20])
def test_softmax_crossentropy_gradient(rng, classes):
    n = 7
    z = 2.0 * rng.standard_normal((n, classes))
    y = rng.integers(0, classes, n)
    head = SoftmaxCrossEntropy()

    def loss() -> float:
        return head.forward(z, y)

    value = head.forward(z, y)
    expected_loss = -np.mean(np.log(reference_softmax(z)[np.arange(n), y]))
    assert value == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(head.predictions, reference_softmax(z), rtol=1e-12)
    dz = head.backward().copy()
    np.testing.assert_allclose(
        dz, (reference_softmax(z) - _onehot(y, classes)) / n, rtol=1e-10, atol=1e-15
    )
    assert_gradient(dz, loss, z, name="softmax+cce")


def test_softmax_crossentropy_sparse_equals_onehot(rng):
    z = rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, 5)
    head = SoftmaxCrossEntropy()
    sparse_loss = head.forward(z, labels)
    sparse_grad = head.backward().copy()
    onehot_loss = head.forward(z, _onehot(labels, 4))
    onehot_grad = head.backward().copy()
    assert sparse_loss == onehot_loss
    np.testing.assert_array_equal(sparse_grad, onehot_grad)


def test_softmax_crossentropy_forward_does_not_alter_predictions(rng):
    """The loss clips and logs the picked confidences; the stored probabilities stay intact."""
    z = rng.standard_normal((5, 4))
    head = SoftmaxCrossEntropy()
    head.forward(z, rng.integers(0, 4, 5))
    np.testing.assert_allclose(head.predictions, reference_softmax(z), rtol=1e-12)
    np.testing.assert_allclose(head.predictions.sum(axis=1), 1.0, rtol=1e-12)


def test_softmax_crossentropy_book_values():
    head = SoftmaxCrossEntropy()
    loss = head.forward(np.log(BOOK_OUTPUTS), BOOK_TARGETS)
    assert loss == pytest.approx(BOOK_LOSS, rel=1e-12)
    np.testing.assert_allclose(head.predictions, BOOK_OUTPUTS, rtol=1e-12)
    np.testing.assert_allclose(head.backward(), BOOK_GRADIENT, rtol=0, atol=1e-8)


def test_unfused_softmax_and_crossentropy_give_the_book_gradient():
    softmax = Softmax()
    softmax.forward(np.log(BOOK_OUTPUTS))
    loss = CategoricalCrossentropy()
    dz = softmax.backward(loss.backward(BOOK_OUTPUTS, BOOK_TARGETS))
    np.testing.assert_allclose(dz, BOOK_GRADIENT, rtol=0, atol=1e-8)


def test_fused_and_unfused_heads_agree(rng):
    z = rng.standard_normal((8, 5))
    y = rng.integers(0, 5, 8)
    fused = SoftmaxCrossEntropy()
    chained = ActivationHead(Softmax(), CategoricalCrossentropy())
    assert fused.forward(z, y) == pytest.approx(chained.forward(z, y), rel=1e-12)
    np.testing.assert_allclose(fused.backward(), chained.backward(), rtol=1e-9, atol=1e-15)


def test_softmax_crossentropy_clips_a_zero_probability():
    head = SoftmaxCrossEntropy()
    z = np.array([[0.0, -800.0, 0.0], [0.0, 800.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss = head.forward(z, np.array([1, 1]))
        dz = head.backward()
    # sample 0: p = 0 -> -log(1e-7); sample 1: p = 1 -> -log(1 - 1e-7)
    assert loss == pytest.approx((-math.log(1e-7) - math.log(1 - 1e-7)) / 2, rel=1e-9)
    np.testing.assert_allclose(dz, [[0.25, -0.5, 0.25], [0.0, 0.0, 0.0]], atol=1e-15)


# --- activation + loss heads -------------------------------------------------------------------


def _head_case(rng: np.random.Generator, kind: str):
    n, k = 6, 2
    z = 2.0 * rng.standard_normal((n, k))
    if kind == "sigmoid+bce":
        y = rng.integers(0, 2, (n, k)).astype(np.float64)
        expected = (reference_sigmoid(z) - y) / k / n  # the well-known simplification
    elif kind == "linear+mse":
        y = rng.standard_normal((n, k))
        expected = -2.0 * (y - z) / k / n
    else:  # linear+mae, predictions away from the targets
        y = z + away_from_zero(rng, (n, k), 0.1, 1.0)
        expected = np.sign(z - y) / k / n
    activation, loss = kind.split("+")
    name = {"bce": "binary_crossentropy", "mse": "mse", "mae": "mae"}[loss]
    return make_head(activation, name), z, y, expected


@pytest.mark.parametrize("kind", ["sigmoid+bce", "linear+mse", "linear+mae"])
def test_activation_head_gradient(rng, kind):
    head, z, y, expected = _head_case(rng, kind)

    def loss() -> float:
        return head.forward(z, y)

    head.forward(z, y)
    dz = head.backward().copy()
    np.testing.assert_allclose(dz, expected, rtol=1e-9, atol=1e-15)
    assert_gradient(dz, loss, z, name=kind)


def test_activation_head_loss_value(rng):
    z = rng.standard_normal((5, 2))
    y = rng.integers(0, 2, (5, 2)).astype(np.float64)
    head = make_head("sigmoid", "binary_crossentropy")
    p = reference_sigmoid(z)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert head.forward(z, y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(head.predictions, p, rtol=1e-12)
    np.testing.assert_allclose(head.predict(z), p, rtol=1e-12)
