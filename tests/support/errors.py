"""Assertions on the ``ValueError`` messages of ``nnlab.checks``.

How a round value is printed after "got" ("got 1" or "got 1.0") is not pinned down by
``assert_range_error``: the value is parsed and compared with the one passed.
"""

import math
import re

import pytest


def raises_exactly(message):
    """``pytest.raises(ValueError)`` whose message must be ``message``, all of it."""
    return pytest.raises(ValueError, match="^" + re.escape(message) + "$")


def assert_range_error(make, name, interval, value):
    """``make()`` raises ``{name} must be in {interval}, got {value}``, the value after "got"
    being compared as a number (``nan`` matches ``nan``)."""
    prefix = f"{name} must be in {interval}, got "
    with pytest.raises(ValueError, match="^" + re.escape(prefix)) as info:
        make()
    message = str(info.value)
    shown = float(message[len(prefix) :])
    assert shown == value or (math.isnan(shown) and math.isnan(value)), message
