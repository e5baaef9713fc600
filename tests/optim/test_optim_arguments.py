"""Bad hyper-parameters raise one ValueError naming the argument, the allowed range and the
value received; the boundary values inside the range are accepted.

How a round value is printed ("got 1" or "got 1.0") is not pinned down: the value after "got" is
parsed and compared with the one passed.
"""

import math

import numpy as np
import pytest
from support.errors import assert_range_error, raises_exactly

from nnlab.optim import adagrad, adam, rmsprop, sgd


def test_momentum_message_reads_as_documented():
    with raises_exactly("momentum must be in [0, 1), got 1.5"):
        sgd(momentum=1.5)


@pytest.mark.parametrize(
    ("make", "name", "interval", "value"),
    [
        pytest.param(lambda: sgd(momentum=1.5), "momentum", "[0, 1)", 1.5, id="sgd-momentum-1.5"),
        pytest.param(lambda: sgd(momentum=1.0), "momentum", "[0, 1)", 1.0, id="sgd-momentum-1"),
        pytest.param(lambda: sgd(momentum=1), "momentum", "[0, 1)", 1, id="sgd-momentum-int-1"),
        pytest.param(lambda: sgd(-0.1), "momentum", "[0, 1)", -0.1, id="sgd-momentum-neg"),
        pytest.param(lambda: sgd(math.nan), "momentum", "[0, 1)", math.nan, id="sgd-momentum-nan"),
        pytest.param(lambda: rmsprop(rho=1), "rho", "[0, 1)", 1, id="rmsprop-rho-1"),
        pytest.param(lambda: rmsprop(rho=-0.5), "rho", "[0, 1)", -0.5, id="rmsprop-rho-neg"),
        pytest.param(lambda: rmsprop(epsilon=0), "epsilon", "(0, inf)", 0, id="rmsprop-eps-0"),
        pytest.param(lambda: rmsprop(0.9, -1e-8), "epsilon", "(0, inf)", -1e-8, id="rmsprop-eps"),
        pytest.param(lambda: adam(beta_2=1.0), "beta_2", "[0, 1)", 1.0, id="adam-beta_2-1"),
        pytest.param(lambda: adam(beta_1=1.0), "beta_1", "[0, 1)", 1.0, id="adam-beta_1-1"),
        pytest.param(lambda: adam(beta_1=-0.1), "beta_1", "[0, 1)", -0.1, id="adam-beta_1-neg"),
        pytest.param(lambda: adam(epsilon=0.0), "epsilon", "(0, inf)", 0.0, id="adam-eps-0"),
        pytest.param(lambda: adagrad(epsilon=0), "epsilon", "(0, inf)", 0, id="adagrad-eps-0"),
        pytest.param(lambda: adagrad(-1.0), "epsilon", "(0, inf)", -1.0, id="adagrad-eps-neg"),
        # "(0, inf)" excludes inf; an infinite epsilon silently makes every delta -lr * g / inf = 0.
        pytest.param(lambda: adagrad(math.inf), "epsilon", "(0, inf)", math.inf, id="adagrad-inf"),
        pytest.param(lambda: rmsprop(0.9, math.inf), "epsilon", "(0, inf)", math.inf, id="rms-inf"),
        pytest.param(
            lambda: adam(epsilon=math.inf), "epsilon", "(0, inf)", math.inf, id="adam-inf"
        ),
    ],
)
def test_out_of_range_hyper_parameters(make, name, interval, value):
    assert_range_error(make, name, interval, value)


def test_message_shows_the_value_received_unrounded():
    # 1.000000001 is refused; the message must show that value, not a 6-digit rounding ("got 1").
    assert_range_error(lambda: sgd(momentum=1.000000001), "momentum", "[0, 1)", 1.000000001)
    assert_range_error(lambda: adam(beta_2=1.0000001), "beta_2", "[0, 1)", 1.0000001)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: sgd(momentum="0.9"), "momentum must be a number in [0, 1), got '0.9'"),
        (lambda: sgd(momentum=None), "momentum must be a number in [0, 1), got None"),
        (lambda: sgd(momentum=True), "momentum must be a number in [0, 1), got True"),
        (lambda: adam(beta_1=[0.9]), "beta_1 must be a number in [0, 1), got [0.9]"),
        (lambda: adagrad(epsilon="1e-7"), "epsilon must be a number in (0, inf), got '1e-7'"),
    ],
)
def test_non_numbers_are_rejected(make, message):
    with raises_exactly(message):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: sgd(momentum=0),
        lambda: sgd(momentum=0.0),
        lambda: sgd(momentum=0.999999),
        lambda: rmsprop(rho=0.0),
        lambda: rmsprop(rho=0.999, epsilon=1e-12),
        lambda: adam(beta_1=0.0, beta_2=0.0),
        lambda: adam(beta_1=0.99, beta_2=0.9999, epsilon=1e-12),
        lambda: adagrad(epsilon=1),
        # NumPy scalars (what a config or a random draw often yields) are numbers too
        lambda: sgd(momentum=np.float32(0.9)),
        lambda: adam(np.float64(0.9), np.float32(0.99), np.float32(1e-7)),
    ],
)
def test_values_inside_the_range_are_accepted(make):
    rule = make()
    assert callable(rule.init)
    assert callable(rule.update)


def test_numpy_scalar_out_of_range_is_still_refused():
    assert_range_error(lambda: sgd(momentum=np.float64(1.5)), "momentum", "[0, 1)", 1.5)
