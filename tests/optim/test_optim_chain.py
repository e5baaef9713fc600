"""``chain`` and the transforms it composes with rules: clipping by the global norm (before a
rule) and decoupled weight decay (after it)."""

import itertools

import numpy as np
import pytest
from optimcheck import make_params, random_grads
from support.errors import assert_range_error

from nnlab import schedules
from nnlab.optim import (
    RULES,
    adam,
    add_decayed_weights,
    apply_updates,
    chain,
    clip_by_global_norm,
    sgd,
)

# every registered rule at its defaults, and SGD with momentum
SINGLE = {**RULES, "sgd_momentum": lambda: sgd(0.9)}


SCHEDULE = schedules.inverse_time(0.05, 0.1)


def trajectory(rule, rng, steps=30, dtype=np.float64):
    """Deltas (copies) and final params and state of ``steps`` updates on random gradients drawn
    from ``rng``, at the rates of ``SCHEDULE``."""
    params = make_params(rng, dtype)
    state = rule.init(params)
    seen = []
    for t in range(steps):
        deltas, state = rule.update(random_grads(rng, params), state, SCHEDULE(t), params)
        seen.append({key: delta.copy() for key, delta in deltas.items()})
        apply_updates(params, deltas)
    return seen, params, state


def arrays(state):
    """Every array in a (nested) state."""
    if isinstance(state, np.ndarray):
        yield state
    elif isinstance(state, dict):
        for value in state.values():
            yield from arrays(value)
    elif isinstance(state, tuple):
        for value in state:
            yield from arrays(value)


def assert_same_run(a, b):
    """Two ``trajectory`` results equal bit for bit."""
    for deltas_a, deltas_b in zip(a[0], b[0], strict=True):
        for key in deltas_a:
            np.testing.assert_array_equal(deltas_a[key], deltas_b[key])
    for key in a[1]:
        np.testing.assert_array_equal(a[1][key], b[1][key])


# --- chain -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SINGLE)
def test_chain_of_one_rule_is_the_rule_bit_for_bit(name):
    alone = trajectory(SINGLE[name](), np.random.default_rng(7))
    chained = trajectory(chain(SINGLE[name]()), np.random.default_rng(7))
    assert_same_run(alone, chained)
    assert len(chained[2]) == 1
    for x, y in zip(arrays(alone[2]), arrays(chained[2][0]), strict=True):
        np.testing.assert_array_equal(x, y)


def test_each_transform_keeps_its_own_state(rng):
    transforms = (clip_by_global_norm(1.0), sgd(momentum=0.9), add_decayed_weights(0.1))
    params = make_params(rng)
    state = chain(*transforms).init(params)
    assert [type(inner) for inner in state] == [type(t.init(params)) for t in transforms]
    for x, y in itertools.combinations(arrays(state), 2):
        assert not np.shares_memory(x, y)


def test_a_transform_used_twice_keeps_two_states():
    # the second SGD takes the first one's deltas for gradients: v2 = 0.9 v2 - lr * v1
    momentum = sgd(momentum=0.9)
    reused = trajectory(chain(momentum, momentum), np.random.default_rng(3))
    fresh = trajectory(chain(sgd(momentum=0.9), sgd(momentum=0.9)), np.random.default_rng(3))
    assert_same_run(reused, fresh)
    first, second = reused[2]
    assert not np.array_equal(first.velocity["dense1.weights"], second.velocity["dense1.weights"])


def test_chain_does_not_modify_gradients_or_params(rng):
    rule = chain(clip_by_global_norm(0.1), sgd(momentum=0.9), add_decayed_weights(0.1))
    params = make_params(rng)
    state = rule.init(params)
    for _ in range(3):
        grads = random_grads(rng, params)
        inputs = (grads, params)
        before = [{key: value.copy() for key, value in d.items()} for d in inputs]
        deltas, state = rule.update(grads, state, 0.1, params)
        for now, then in zip(inputs, before, strict=True):
            for key in now:
                np.testing.assert_array_equal(now[key], then[key])
                assert not np.shares_memory(deltas[key], now[key])
        apply_updates(params, deltas)


def test_chain_needs_a_transform():
    with pytest.raises(ValueError, match="^chain needs at least one transform$"):
        chain()


# --- clip_by_global_norm ---------------------------------------------------------------------


def test_clip_by_global_norm_hand_computed():
    # ||g|| = sqrt(3^2 + 0^2 + (-4)^2) = 5 > 1: every entry times 1/5
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[-4.0]])}
    params = {key: np.zeros_like(value) for key, value in grads.items()}
    rule = clip_by_global_norm(1.0)
    clipped, _ = rule.update(grads, rule.init(params), 0.1, params)
    assert clipped["a"].tolist() == pytest.approx([0.6, 0.0], rel=1e-15)
    assert clipped["b"].tolist() == [[pytest.approx(-0.8, rel=1e-15)]]
    np.testing.assert_array_equal(grads["a"], [3.0, 0.0])  # the input is left alone


@pytest.mark.parametrize("max_norm", [5.0, 10.0])
def test_clip_by_global_norm_passes_small_gradients_through(max_norm):
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[-4.0]])}  # ||g|| = 5
    rule = clip_by_global_norm(max_norm)
    out, _ = rule.update(grads, rule.init(grads), 0.1, grads)
    assert out["a"] is grads["a"]
    assert out["b"] is grads["b"]


def test_clipping_before_sgd_with_momentum_hand_computed():
    # lr = 0.1, momentum = 0.5.
    # step 1: g = (3, 0 | -4), ||g|| = 5 -> (0.6, 0 | -0.8);  v_1 = -0.1 g = (-0.06, 0 | 0.08)
    # step 2: g = (0.3, 0 | 0.4), ||g|| = 0.5 <= 1, unclipped;
    #         v_2 = 0.5 v_1 - 0.1 g = (-0.03 - 0.03, 0 | 0.04 - 0.04) = (-0.06, 0 | 0)
    rule = chain(clip_by_global_norm(1.0), sgd(momentum=0.5))
    params = {"a": np.zeros(2), "b": np.zeros((1, 1))}
    state = rule.init(params)
    steps = [
        ({"a": np.array([3.0, 0.0]), "b": np.array([[-4.0]])}, [-0.06, 0.0], 0.08),
        ({"a": np.array([0.3, 0.0]), "b": np.array([[0.4]])}, [-0.06, 0.0], 0.0),
    ]
    for grads, a, b in steps:
        deltas, state = rule.update(grads, state, 0.1, params)
        assert deltas["a"].tolist() == pytest.approx(a, rel=1e-14, abs=1e-17)
        assert deltas["b"][0, 0] == pytest.approx(b, rel=1e-14, abs=1e-17)


# --- add_decayed_weights ---------------------------------------------------------------------


def test_decayed_weights_after_sgd_hand_computed():
    # lr = 0.5, weight_decay = 0.1: delta = -lr g - lr wd theta
    # step 1: theta = (2, -4), g = (1, 0): delta = (-0.5 - 0.1, 0 + 0.2) = (-0.6, 0.2)
    # step 2: theta = (1.4, -3.8), g = 0:  delta = -0.05 theta = (-0.07, 0.19)
    rule = chain(sgd(), add_decayed_weights(0.1))
    params = {"w": np.array([2.0, -4.0])}
    state = rule.init(params)
    for g, expected in [([1.0, 0.0], [-0.6, 0.2]), ([0.0, 0.0], [-0.07, 0.19])]:
        deltas, state = rule.update({"w": np.array(g)}, state, 0.5, params)
        assert deltas["w"].tolist() == pytest.approx(expected, rel=1e-14)
        apply_updates(params, deltas)
    assert params["w"].tolist() == pytest.approx([1.33, -3.61], rel=1e-14)


def test_params_are_needed_only_by_the_decay(rng):
    params = make_params(rng)
    grads = random_grads(rng, params)
    clipped_sgd = chain(clip_by_global_norm(1.0), sgd())
    with_params, _ = clipped_sgd.update(grads, clipped_sgd.init(params), 0.1, params)
    without, _ = clipped_sgd.update(grads, clipped_sgd.init(params), 0.1)
    for key in params:
        np.testing.assert_array_equal(with_params[key], without[key])
    adamw = chain(adam(), add_decayed_weights(0.1))
    with pytest.raises(TypeError, match="^add_decayed_weights needs the parameters"):
        adamw.update(grads, adamw.init(params), 0.1)


@pytest.mark.parametrize("name", SINGLE)
def test_decay_is_decoupled_from_the_rules_state(name):
    """The decay changes the deltas, never what the rule keeps (momentum, moments): the rule's
    state is bit for bit the one it has alone on the same gradients."""
    rng = np.random.default_rng(5)
    params = make_params(rng)  # the same values each step: neither rule is applied
    alone, decayed = SINGLE[name](), chain(SINGLE[name](), add_decayed_weights(0.1))
    state_a, state_b = alone.init(params), decayed.init(params)
    for _ in range(10):
        grads = random_grads(rng, params)
        deltas_a, state_a = alone.update(grads, state_a, 0.05, params)
        deltas_b, state_b = decayed.update(grads, state_b, 0.05, params)
        for key in params:
            np.testing.assert_array_equal(deltas_b[key], deltas_a[key] - 0.05 * 0.1 * params[key])
    for x, y in zip(arrays(state_a), arrays(state_b[0]), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "rule",
    [chain(clip_by_global_norm(0.5), adam()), chain(adam(), add_decayed_weights(0.1))],
    ids=["clip_adam", "adamw"],
)
def test_float32_stays_float32(rule, rng):
    deltas, params, state = trajectory(rule, rng, steps=5, dtype=np.float32)
    for array in [*arrays(state), *deltas[-1].values(), *params.values()]:
        assert array.dtype == np.float32


@pytest.mark.parametrize(
    ("make", "name", "interval", "value"),
    [
        (lambda: clip_by_global_norm(0.0), "max_norm", "(0, inf)", 0.0),
        (lambda: clip_by_global_norm(-1), "max_norm", "(0, inf)", -1),
        (lambda: add_decayed_weights(-0.1), "weight_decay", "[0, inf)", -0.1),
        (lambda: add_decayed_weights(float("nan")), "weight_decay", "[0, inf)", float("nan")),
    ],
)
def test_bad_transform_arguments(make, name, interval, value):
    assert_range_error(make, name, interval, value)
