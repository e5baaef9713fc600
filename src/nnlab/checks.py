"""Argument checks shared by every factory: one ``ValueError`` naming the argument, the allowed
values and the value received, e.g. ``momentum must be in [0, 1), got 1.5``."""

import math
from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def in_range(
    name: str,
    value: float,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` if it is a finite-or-allowed number inside the interval, else raise.

    The interval is written the mathematical way in the message: ``[0, 1)``, ``(0, inf)``.
    """
    left = "(" if low_open or low == -math.inf else "["
    right = ")" if high_open or high == math.inf else "]"
    interval = f"{left}{_fmt(low)}, {_fmt(high)}{right}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        raise ValueError(f"{name} must be in {interval}, got {_fmt(value)}")
    return value


def positive_int(name: str, value: int, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer ``>= minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def one_of(name: str, value: str, options: Mapping[str, T]) -> T:
    """Look ``value`` up in ``options``; raise naming the allowed keys if it is not there."""
    try:
        return options[value]
    except (KeyError, TypeError):
        allowed = ", ".join(options)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}") from None


def _fmt(x: float) -> str:
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"
