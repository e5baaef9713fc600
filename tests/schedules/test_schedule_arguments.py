"""Bad schedule arguments raise one ValueError naming the argument, the allowed range and the
value received."""

import math

import numpy as np
import pytest
from support.errors import assert_range_error, raises_exactly

from nnlab import schedules

# every schedule's factory with everything but learning_rate fixed to valid values
FACTORIES = {
    "constant": lambda lr: schedules.constant(lr),
    "inverse_time": lambda lr: schedules.inverse_time(lr, 0.01),
    "exponential": lambda lr: schedules.exponential(lr, 0.01),
    "step": lambda lr: schedules.step(lr, 10),
    "cosine": lambda lr: schedules.cosine(lr, 100),
}


@pytest.mark.parametrize("name", list(FACTORIES))
@pytest.mark.parametrize("lr", [0, 0.0, -0.1, math.nan, math.inf])
def test_learning_rate_must_be_positive_and_finite(name, lr):
    # "(0, inf)" excludes inf: an infinite rate would turn the first update into inf or nan.
    assert_range_error(lambda: FACTORIES[name](lr), "learning_rate", "(0, inf)", lr)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_learning_rate_must_be_a_number(name):
    with raises_exactly("learning_rate must be a number in (0, inf), got '0.1'"):
        FACTORIES[name]("0.1")


@pytest.mark.parametrize(
    ("make", "name", "interval", "value"),
    [
        (lambda: schedules.inverse_time(0.1, -0.01), "decay", "[0, inf)", -0.01),
        (lambda: schedules.inverse_time(0.1, decay=-1), "decay", "[0, inf)", -1),
        # inverse_time(lr, inf)(0) would be lr / (1 + inf * 0) = nan
        (lambda: schedules.inverse_time(0.1, math.inf), "decay", "[0, inf)", math.inf),
        (lambda: schedules.exponential(0.1, -0.5), "decay", "[0, inf)", -0.5),
        (lambda: schedules.exponential(0.1, math.inf), "decay", "[0, inf)", math.inf),
        (lambda: schedules.step(0.1, 10, gamma=0), "gamma", "(0, 1]", 0),
        (lambda: schedules.step(0.1, 10, gamma=1.5), "gamma", "(0, 1]", 1.5),
        (lambda: schedules.step(0.1, 10, gamma=-0.1), "gamma", "(0, 1]", -0.1),
        (
            lambda: schedules.cosine(0.1, 100, min_learning_rate=0.2),
            "min_learning_rate",
            "[0, 0.1]",
            0.2,
        ),
        (lambda: schedules.cosine(0.1, 100, 0.2), "min_learning_rate", "[0, 0.1]", 0.2),
        (lambda: schedules.cosine(0.1, 100, -0.01), "min_learning_rate", "[0, 0.1]", -0.01),
        # a 6-digit rounding would print "must be in [0, 0.1], got 0.1", contradicting itself
        (lambda: schedules.cosine(0.1, 100, 0.1000001), "min_learning_rate", "[0, 0.1]", 0.1000001),
    ],
)
def test_out_of_range_arguments(make, name, interval, value):
    assert_range_error(make, name, interval, value)


def test_cosine_message_reads_as_documented():
    with raises_exactly("min_learning_rate must be in [0, 0.1], got 0.2"):
        schedules.cosine(0.1, 100, min_learning_rate=0.2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedules.step(0.1, 0), "step_size must be an integer >= 1, got 0"),
        (lambda: schedules.step(0.1, -3), "step_size must be an integer >= 1, got -3"),
        (lambda: schedules.step(0.1, 2.0), "step_size must be an integer >= 1, got 2.0"),
        (lambda: schedules.step(0.1, True), "step_size must be an integer >= 1, got True"),
        (lambda: schedules.step(0.1, "3"), "step_size must be an integer >= 1, got '3'"),
        (lambda: schedules.cosine(0.1, 0), "total_steps must be an integer >= 1, got 0"),
        (lambda: schedules.cosine(0.1, 10.0), "total_steps must be an integer >= 1, got 10.0"),
    ],
)
def test_bad_step_counts(make, message):
    with raises_exactly(message):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: schedules.constant(1e-12),
        lambda: schedules.inverse_time(0.1, 0),
        lambda: schedules.exponential(0.1, 0.0),
        lambda: schedules.step(0.1, 1, gamma=1.0),
        lambda: schedules.step(0.1, 1, gamma=1e-9),
        lambda: schedules.cosine(0.1, 1),
        lambda: schedules.cosine(0.1, 10, min_learning_rate=0.0),
        lambda: schedules.cosine(0.1, 10, min_learning_rate=0.1),
        # NumPy scalars (what a config or a random draw often yields) are numbers too
        lambda: schedules.inverse_time(np.float32(0.05), np.float64(1e-3)),
        lambda: schedules.step(np.float64(0.1), np.int64(10), np.float32(0.5)),
        lambda: schedules.cosine(0.1, np.int32(100)),
    ],
)
def test_boundary_values_inside_the_range_are_accepted(make):
    assert make()(0) > 0
