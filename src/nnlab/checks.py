"""Argument checks shared by every factory: one ``ValueError`` naming the argument, the allowed
values and the value received, e.g. ``momentum must be in [0, 1), got 1.5``."""

import math
import numbers
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
    """Return ``value`` if it is a real number inside the interval, else raise.

    The interval is written the mathematical way in the message: ``[0, 1)``, ``(0, inf)``; an
    infinite end is always open, so ``inf`` itself is refused.
    """
    low_open = low_open or low == -math.inf
    high_open = high_open or high == math.inf
    interval = f"{'(' if low_open else '['}{_fmt(low)}, {_fmt(high)}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isnan(value) or too_low or too_high:
        raise ValueError(f"{name} must be in {interval}, got {float(value)}")
    return value


def positive_int(name: str, value: int, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer ``>= minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
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
