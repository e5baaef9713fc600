"""Learning-rate schedules: factories returning ``step -> lr`` for steps ``t = 0, 1, 2, ...``.

- ``constant``:      ``lr_t = lr``
- ``inverse_time``:  ``lr_t = lr / (1 + decay * t)``  (the book's "decay")
- ``exponential``:   ``lr_t = lr * exp(-decay * t)``  (PyTorch's ``ExponentialLR`` with
  ``gamma = exp(-decay)``; at the same ``decay`` it starts falling as fast as ``inverse_time``)
- ``step``:          ``lr_t = lr * gamma^floor(t / step_size)``
- ``cosine``:        ``lr_t = min_lr + (lr - min_lr) (1 + cos(pi * min(t, T) / T)) / 2``,
  ``T = total_steps``

Any schedule combines with any update rule: the trainer calls ``schedule(t)`` and passes the rate
to the rule.
"""

import math
from collections.abc import Callable

from nnlab.checks import in_range, positive_int

Schedule = Callable[[int], float]


def constant(learning_rate: float) -> Schedule:
    _check_rate(learning_rate)
    return lambda step: learning_rate


def inverse_time(learning_rate: float, decay: float) -> Schedule:
    _check_rate(learning_rate)
    in_range("decay", decay, 0.0)
    return lambda step: learning_rate * (1.0 / (1.0 + decay * step))


def exponential(learning_rate: float, decay: float) -> Schedule:
    _check_rate(learning_rate)
    in_range("decay", decay, 0.0)
    return lambda step: learning_rate * math.exp(-decay * step)


def step(learning_rate: float, step_size: int, gamma: float = 0.1) -> Schedule:
    _check_rate(learning_rate)
    positive_int("step_size", step_size)
    in_range("gamma", gamma, 0.0, 1.0, low_open=True)
    return lambda t: learning_rate * gamma ** (t // step_size)


def cosine(learning_rate: float, total_steps: int, min_learning_rate: float = 0.0) -> Schedule:
    _check_rate(learning_rate)
    positive_int("total_steps", total_steps)
    in_range("min_learning_rate", min_learning_rate, 0.0, learning_rate)
    span = learning_rate - min_learning_rate
    return lambda t: (
        min_learning_rate
        + span * 0.5 * (1.0 + math.cos(math.pi * min(t, total_steps) / total_steps))
    )


def _check_rate(learning_rate: float) -> None:
    in_range("learning_rate", learning_rate, 0.0, low_open=True)


SCHEDULES = {
    "constant": constant,
    "inverse_time": inverse_time,
    "exponential": exponential,
    "step": step,
    "cosine": cosine,
}
