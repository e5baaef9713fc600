import numpy as np
import pytest

from nnlab import data


def make(name, **kwargs):
    kwargs.setdefault("samples", 50)
    return data.make(
        name,
        train_rng=np.random.default_rng(1),
        val_rng=np.random.default_rng(2),
        **kwargs,
    )


def nnfs_spiral(samples, classes, randn):
    """The nnfs package's spiral_data, with its global np.random.randn passed in."""
    x = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype="uint8")
    for class_number in range(classes):
        ix = range(samples * class_number, samples * (class_number + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(class_number * 4, (class_number + 1) * 4, samples) + randn(samples) * 0.2
        x[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = class_number
    return x, y


def nnfs_vertical(samples, classes, randn):
    x = np.zeros((samples * classes, 2))
    y = np.zeros(samples * classes, dtype="uint8")
    for class_number in range(classes):
        ix = range(samples * class_number, samples * (class_number + 1))
        x[ix] = np.c_[randn(samples) * 0.1 + class_number / 3, randn(samples) * 0.1 + 0.5]
        y[ix] = class_number
    return x, y


@pytest.mark.parametrize(
    ("ours", "theirs"), [(data.spiral, nnfs_spiral), (data.vertical, nnfs_vertical)]
)
def test_generators_follow_the_nnfs_algorithms(ours, theirs):
    x, y = ours(40, 4, np.random.default_rng(7))
    expected_x, expected_y = theirs(40, 4, np.random.default_rng(7).standard_normal)
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)


def test_sine_is_the_book_grid():
    x, y = data.sine(1000, np.random.default_rng(0))
    np.testing.assert_array_equal(x[:, 0], np.arange(1000) / 1000)
    np.testing.assert_allclose(y[:, 0], np.sin(2 * np.pi * x[:, 0]))


def test_same_seed_same_data_and_validation_drawn_independently():
    first, second = make("spiral", validation_samples=50), make("spiral", validation_samples=50)
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.x_val, second.x_val)
    assert not np.array_equal(first.x_train, first.x_val)
    other = data.make(
        "spiral", samples=50, train_rng=np.random.default_rng(3), val_rng=np.random.default_rng(2)
    )
    assert not np.array_equal(first.x_train, other.x_train)


@pytest.mark.parametrize(
    ("name", "task", "outputs", "y_shape"),
    [
        ("spiral", "categorical", 4, (200,)),
        ("vertical", "categorical", 4, (200,)),
        ("binary_spiral", "binary", 1, (100, 1)),
        ("sine", "regression", 1, (50, 1)),
    ],
)
def test_shapes_tasks_and_dtypes(name, task, outputs, y_shape):
    dataset = make(name, classes=4, validation_samples=10, dtype=np.float32)
    assert dataset.task == task
    assert dataset.n_outputs == outputs
    assert dataset.y_train.shape == y_shape
    assert dataset.x_train.dtype == np.float32
    if task == "categorical":
        assert np.issubdtype(dataset.y_train.dtype, np.integer)
        assert set(np.unique(dataset.y_train)) == set(range(4))
    else:
        assert dataset.y_train.dtype == np.float32


def test_no_validation_set_when_zero():
    dataset = make("spiral", validation_samples=0)
    assert (dataset.x_val, dataset.y_val) == (None, None)


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("spirals", {}, "name must be one of spiral, vertical, binary_spiral, sine"),
        ("spiral", {"samples": 0}, "samples must be an integer >= 1, got 0"),
        ("spiral", {"classes": 1}, "classes must be an integer >= 2, got 1"),
        ("vertical", {"noise": -0.1}, r"noise must be in \[0, inf\), got -0.1"),
        ("sine", {"validation_samples": -1}, "validation_samples must be an integer >= 0"),
    ],
)
def test_bad_arguments(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make(name, **kwargs)
