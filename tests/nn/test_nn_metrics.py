"""Accuracy per task: categorical, binary, regression."""

import numpy as np
import pytest

from nnlab.nn.metrics import BinaryAccuracy, CategoricalAccuracy, RegressionAccuracy

BOOK_OUTPUTS = np.array([[0.7, 0.1, 0.2], [0.1, 0.5, 0.4], [0.02, 0.9, 0.08]])


@pytest.mark.parametrize(
    ("labels", "correct"), [([0, 1, 1], 3), ([0, 2, 1], 2), ([1, 2, 0], 0), ([2, 1, 0], 1)]
)
@pytest.mark.parametrize("onehot", [False, True], ids=["sparse", "onehot"])
def test_categorical_accuracy(labels, correct, onehot):
    y = np.array(labels)
    if onehot:
        y = np.eye(3)[y]
    assert CategoricalAccuracy().correct(BOOK_OUTPUTS, y) == (correct, 3)


def test_categorical_accuracy_random_against_argmax(rng):
    p = rng.random((200, 5))
    y = rng.integers(0, 5, 200)
    correct, total = CategoricalAccuracy().correct(p, y)
    assert total == 200
    assert correct == int(np.sum(np.argmax(p, axis=1) == y))
    assert 0 < correct < 200


def test_binary_accuracy_counts_every_output():
    p = np.array([[0.9, 0.2], [0.4, 0.6], [0.5, 0.51], [0.0, 1.0]])
    y = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    # 0.5 is not above 0.5, so it predicts class 0
    expected = np.array([[1, 1], [0, 1], [1, 1], [0, 1]]).sum()
    assert BinaryAccuracy().correct(p, y) == (int(expected), 8)


def test_binary_accuracy_single_output_column(rng):
    p = rng.random((50, 1))
    y = rng.integers(0, 2, (50, 1)).astype(np.float64)
    correct, total = BinaryAccuracy().correct(p, y)
    assert total == 50
    assert correct == int(np.sum((p > 0.5) == (y == 1)))


def test_regression_precision_is_std_over_250():
    y_train = np.array([[0.0], [2.0], [4.0], [6.0]])
    acc = RegressionAccuracy(y_train)
    assert acc.precision == pytest.approx(np.sqrt(5.0) / 250, rel=1e-14)
    assert RegressionAccuracy(y_train, divisor=10.0).precision == pytest.approx(np.sqrt(5.0) / 10)


def test_regression_accuracy_counts_within_precision():
    y_train = np.array([[0.0], [2.0], [4.0], [6.0]])
    acc = RegressionAccuracy(y_train)
    eps = acc.precision
    y = np.array([[1.0], [1.0], [1.0], [1.0], [1.0]])
    p = y + np.array([[0.0], [0.5 * eps], [-0.99 * eps], [1.01 * eps], [-2 * eps]])
    assert acc.correct(p, y) == (3, 5)


def test_regression_accuracy_multi_output(rng):
    y_train = rng.standard_normal((100, 2))
    acc = RegressionAccuracy(y_train)
    assert acc.precision == pytest.approx(float(np.std(y_train)) / 250)
    y = rng.standard_normal((10, 2))
    p = y.copy()
    p[:3, 0] += 10 * acc.precision
    assert acc.correct(p, y) == (17, 20)
