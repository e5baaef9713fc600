"""Properties every update rule must have, parametrised over the four rules."""

import numpy as np
import pytest
from optimcheck import make_params, max_abs_diff

from nnlab import schedules
from nnlab.optim import RULES, adagrad, adam, apply_updates, rmsprop, sgd

# name -> (factory with default-ish hyper-parameters, constant learning rate for the quadratic)
CASES = {
    "sgd": (lambda: sgd(), 0.1),
    "sgd_momentum": (lambda: sgd(momentum=0.9), 0.1),
    "adagrad": (lambda: adagrad(), 1.0),
    "rmsprop": (lambda: rmsprop(), 0.05),
    "adam": (lambda: adam(), 0.05),
}
ALL = pytest.mark.parametrize("name", list(CASES))


def quadratic_grads(params, centre):
    """Gradient of 0.5 * |x - c|^2."""
    return {k: params[k] - centre[k] for k in params}


def test_cases_cover_every_registered_rule():
    assert set(RULES) == {"sgd", "adagrad", "rmsprop", "adam"}
    assert {name.split("_")[0] for name in CASES} == set(RULES)


def _descend(name, rng, schedule):
    """Minimise ``0.5 * |x - c|^2`` from random ``x`` and ``c`` with rule ``name`` at rate
    ``schedule(t)``; return ``max |x - c|`` before the first step and after the last."""
    make_rule, _ = CASES[name]
    params = make_params(rng)
    centre = {k: rng.normal(size=v.shape) for k, v in params.items()}
    rule = make_rule()
    state = rule.init(params)
    start = max_abs_diff(params, centre)
    for t in range(1000):
        deltas, state = rule.update(quadratic_grads(params, centre), state, schedule(t))
        apply_updates(params, deltas)
    return start, max_abs_diff(params, centre)


@ALL
def test_converges_on_a_quadratic(name, rng):
    lr = CASES[name][1]
    start, error = _descend(name, rng, schedules.constant(lr))
    assert start > 1.0
    # At a constant rate RMSprop ends in a +-lr/2 cycle round the minimum: once E_t ~ g_t^2 every
    # step has length ~lr whatever the gradient's size. It settles when the rate decays (below).
    tolerance = 0.5 * lr * (1 + 1e-6) if name == "rmsprop" else 1e-4
    assert error < tolerance, f"{name}: max |x - c| = {error:.3e} after 1000 steps"


@ALL
def test_converges_on_a_quadratic_with_a_decaying_rate(name, rng):
    lr = CASES[name][1]
    _, error = _descend(name, rng, schedules.cosine(lr, 1000))
    assert error < 1e-3, f"{name}: max |x - c| = {error:.3e} after 1000 steps"


@ALL
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_state_buffers_mirror_params(name, dtype, rng):
    make_rule, lr = CASES[name]
    params = make_params(rng, dtype)
    rule = make_rule()
    state = rule.init(params)
    for _ in range(3):
        grads = {k: rng.normal(size=v.shape).astype(dtype) for k, v in params.items()}
        deltas, state = rule.update(grads, state, lr)
        apply_updates(params, deltas)
    buffers = [field for field in state if isinstance(field, dict)]
    assert buffers, "state holds no per-parameter buffers"
    for buffer in [*buffers, deltas]:
        assert list(buffer) == list(params)
        for key, value in buffer.items():
            assert isinstance(value, np.ndarray)
            assert value.shape == params[key].shape, key
            assert value.dtype == params[key].dtype, key
            assert not np.shares_memory(value, params[key]), key
    assert state.count == 3


@ALL
def test_update_does_not_mutate_grads_or_params(name, rng):
    make_rule, lr = CASES[name]
    params = make_params(rng)
    rule = make_rule()
    state = rule.init(params)
    for _ in range(3):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        params_before = {k: v.copy() for k, v in params.items()}
        grads_before = {k: v.copy() for k, v in grads.items()}
        deltas, state = rule.update(grads, state, lr)
        for key in params:
            np.testing.assert_array_equal(params[key], params_before[key])
            np.testing.assert_array_equal(grads[key], grads_before[key])
            assert not np.shares_memory(deltas[key], grads[key])
            assert np.any(deltas[key] != 0.0)
        apply_updates(params, deltas)
        for key in params:
            np.testing.assert_array_equal(params[key], params_before[key] + deltas[key])


@ALL
def test_float32_params_stay_float32(name, rng):
    make_rule, lr = CASES[name]
    params = make_params(rng, np.float32)
    centre = {k: rng.normal(size=v.shape).astype(np.float32) for k, v in params.items()}
    rule = make_rule()
    state = rule.init(params)
    for t in range(20):
        grads = quadratic_grads(params, centre)
        assert all(g.dtype == np.float32 for g in grads.values())
        deltas, state = rule.update(grads, state, schedules.inverse_time(lr, 0.1)(t))
        assert all(d.dtype == np.float32 for d in deltas.values())
        apply_updates(params, deltas)
    assert all(p.dtype == np.float32 for p in params.values())
    assert all(np.all(np.isfinite(p)) for p in params.values())


@ALL
def test_float32_trajectory_tracks_float64(name, rng):
    make_rule, lr = CASES[name]
    params64 = make_params(rng)
    params32 = {k: v.astype(np.float32) for k, v in params64.items()}
    centre = {k: rng.normal(size=v.shape) for k, v in params64.items()}
    rule = make_rule()
    state64, state32 = rule.init(params64), rule.init(params32)
    for _ in range(30):
        grads = quadratic_grads(params64, centre)
        deltas, state64 = rule.update(grads, state64, lr)
        apply_updates(params64, deltas)
        grads32 = {k: v.astype(np.float32) for k, v in grads.items()}
        deltas, state32 = rule.update(grads32, state32, lr)
        apply_updates(params32, deltas)
    for key in params64:
        np.testing.assert_allclose(params32[key], params64[key], atol=1e-4)


@ALL
def test_zero_gradient_gives_zero_delta_on_first_step(name, rng):
    make_rule, lr = CASES[name]
    params = make_params(rng)
    rule = make_rule()
    deltas, _ = rule.update({k: np.zeros_like(v) for k, v in params.items()}, rule.init(params), lr)
    for delta in deltas.values():
        assert np.all(delta == 0.0)
        assert np.all(np.isfinite(delta))


@ALL
def test_states_from_separate_inits_are_independent(name, rng):
    make_rule, lr = CASES[name]
    params = make_params(rng)
    rule = make_rule()
    state_a, state_b = rule.init(params), rule.init(params)
    grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
    deltas_a, state_a = rule.update(grads, state_a, lr)
    first_a = {k: v.copy() for k, v in deltas_a.items()}
    deltas_b, state_b = rule.update(grads, state_b, lr)
    for key in params:
        # state_b starts from zero buffers, so its first step equals state_a's first step
        np.testing.assert_array_equal(deltas_b[key], first_a[key])


def test_sgd_without_momentum_is_minus_lr_times_gradient(rng):
    params = make_params(rng)
    rule = sgd(momentum=0)
    state = rule.init(params)
    schedule = schedules.inverse_time(0.3, 0.5)
    for t in range(10):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        deltas, state = rule.update(grads, state, schedule(t))
        for key in params:
            # no memory of earlier gradients, whatever they were
            np.testing.assert_array_equal(deltas[key], -schedule(t) * grads[key])
        apply_updates(params, deltas)


def test_sgd_momentum_matches_closed_form_velocity(rng):
    # v_t = sum_{s<=t} mu^(t-s) * (-lr * g_s) with constant lr
    mu, lr = 0.9, 0.05
    params = make_params(rng)
    rule = sgd(momentum=mu)
    state = rule.init(params)
    history = []
    for _ in range(15):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        history.append(grads)
        deltas, state = rule.update(grads, state, lr)
        t = len(history) - 1
        for key in params:
            expected = sum(mu ** (t - s) * -lr * history[s][key] for s in range(t + 1))
            np.testing.assert_allclose(deltas[key], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("lr", [1.0, 0.05, 3e-4])
def test_inverse_time_with_zero_decay_is_constant(lr):
    decayed, flat = schedules.inverse_time(lr, decay=0), schedules.constant(lr)
    for t in [0, 1, 2, 3, 10, 99, 1000, 123_456, 10**9]:
        assert decayed(t) == flat(t) == lr
