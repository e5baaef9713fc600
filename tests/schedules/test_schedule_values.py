"""Exact values of every schedule at chosen steps ``t = 0, 1, 2, ...``."""

import math

import pytest

from nnlab import schedules
from nnlab.schedules import SCHEDULES

EXACT = {"rel": 1e-15, "abs": 0.0}


def test_registry_lists_every_schedule():
    assert SCHEDULES == {
        "constant": schedules.constant,
        "inverse_time": schedules.inverse_time,
        "exponential": schedules.exponential,
        "step": schedules.step,
        "cosine": schedules.cosine,
    }


@pytest.mark.parametrize("lr", [1.0, 0.05, 1e-5])
def test_constant(lr):
    schedule = schedules.constant(lr)
    assert [schedule(t) for t in (0, 1, 2, 50, 10**6)] == [lr] * 5


def test_inverse_time_is_the_books_decay():
    # lr_t = lr / (1 + decay * t): lr = 1, decay = 0.1 -> 1, 1/1.1, 1/1.2, ..., 1/2 at t = 10
    schedule = schedules.inverse_time(1.0, 0.1)
    assert schedule(0) == 1.0
    assert schedule(1) == pytest.approx(0.9090909090909091, **EXACT)
    assert schedule(2) == pytest.approx(0.8333333333333334, **EXACT)
    assert schedule(3) == pytest.approx(1 / 1.3, **EXACT)
    assert schedule(10) == pytest.approx(0.5, **EXACT)
    assert schedule(90) == pytest.approx(0.1, **EXACT)


def test_inverse_time_scales_with_learning_rate():
    # lr = 0.05, decay = 1e-3 (a typical book setting): 0.05 / (1 + 1e-3 * t)
    schedule = schedules.inverse_time(0.05, 1e-3)
    assert schedule(0) == 0.05
    assert schedule(1000) == pytest.approx(0.025, **EXACT)
    assert schedule(4000) == pytest.approx(0.01, **EXACT)


def test_exponential():
    # lr_t = lr * exp(-decay * t): lr = 0.5, decay = 0.1 -> 0.5, 0.5/e at t = 10, 0.5/e^2 at 20
    schedule = schedules.exponential(0.5, 0.1)
    assert schedule(0) == 0.5
    assert schedule(1) == pytest.approx(0.45241870901797976, **EXACT)
    assert schedule(10) == pytest.approx(0.18393972058572117, **EXACT)
    assert schedule(20) == pytest.approx(0.5 * math.exp(-2.0), **EXACT)


def test_exponential_and_inverse_time_start_falling_at_the_same_rate():
    # d/dt lr/(1 + d t) = d/dt lr exp(-d t) = -lr d at t = 0
    lr, decay, h = 0.2, 0.01, 1e-3
    inv, exp = schedules.inverse_time(lr, decay), schedules.exponential(lr, decay)
    assert (inv(h) - inv(0)) / h == pytest.approx(-lr * decay, rel=1e-3)
    assert (exp(h) - exp(0)) / h == pytest.approx(-lr * decay, rel=1e-3)


def test_step():
    # lr_t = lr * gamma^floor(t / step_size): lr = 1, step_size = 3, gamma = 0.5
    schedule = schedules.step(1.0, 3, 0.5)
    values = [schedule(t) for t in range(10)]
    assert values == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]


def test_step_default_gamma_is_a_tenth():
    schedule = schedules.step(0.2, step_size=100)
    assert schedule(99) == 0.2
    assert schedule(100) == pytest.approx(0.02, **EXACT)
    assert schedule(250) == pytest.approx(0.002, **EXACT)


def test_step_with_gamma_one_is_constant():
    schedule = schedules.step(0.3, 1, gamma=1.0)
    assert [schedule(t) for t in range(0, 1000, 97)] == [0.3] * 11


def test_cosine():
    # lr_t = min + (lr - min) (1 + cos(pi min(t, T) / T)) / 2: lr = 1, min = 0.1, T = 10
    schedule = schedules.cosine(1.0, 10, min_learning_rate=0.1)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.55, **EXACT)  # the midpoint
    assert schedule(10) == pytest.approx(0.1, **EXACT)
    assert schedule(2) == pytest.approx(0.1 + 0.9 * (1 + math.cos(0.2 * math.pi)) / 2, **EXACT)
    assert schedule(2) == pytest.approx(0.9140576474687264, rel=1e-12)
    assert schedule(8) == pytest.approx(1.1 - schedule(2), rel=1e-12)  # symmetric about T/2


@pytest.mark.parametrize("t", [10, 11, 20, 1000, 10**9])
def test_cosine_stays_at_minimum_after_total_steps(t):
    assert schedules.cosine(1.0, 10, min_learning_rate=0.1)(t) == pytest.approx(0.1, **EXACT)


def test_cosine_default_minimum_is_zero():
    schedule = schedules.cosine(0.4, 100)
    assert schedule(0) == 0.4
    assert schedule(50) == pytest.approx(0.2, **EXACT)
    assert schedule(100) == 0.0
    assert schedule(150) == 0.0


def test_cosine_with_minimum_equal_to_rate_is_constant():
    schedule = schedules.cosine(0.1, 10, min_learning_rate=0.1)
    assert [schedule(t) for t in range(15)] == [0.1] * 15


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.inverse_time(0.5, 0.01),
        schedules.exponential(0.5, 0.01),
        schedules.step(0.5, 7, 0.7),
        schedules.cosine(0.5, 200, 0.01),
    ],
    ids=["inverse_time", "exponential", "step", "cosine"],
)
def test_decaying_schedules_start_at_lr_and_never_increase(schedule):
    values = [schedule(t) for t in range(400)]
    assert values[0] == 0.5
    assert all(b <= a for a, b in zip(values[:-1], values[1:], strict=True))
    assert values[-1] < values[0]
    assert all(v > 0 for v in values)


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.constant(0.5),
        schedules.inverse_time(0.5, 0.01),
        schedules.exponential(0.5, 0.01),
        schedules.step(0.5, 7, 0.7),
        schedules.cosine(0.5, 200, 0.01),
    ],
    ids=["constant", "inverse_time", "exponential", "step", "cosine"],
)
def test_schedules_are_pure_functions_of_the_step(schedule):
    forwards = [schedule(t) for t in range(50)]
    backwards = [schedule(t) for t in reversed(range(50))][::-1]
    assert forwards == backwards
    assert all(isinstance(v, float) for v in forwards)
