"""The first steps of every rule on a one-element parameter, against numbers worked out by hand.

Gradients are fixed (they do not depend on the parameter) so every intermediate quantity can be
written down: g_1 = 2.0, g_2 = 1.0 unless stated otherwise, starting from x_0 = 1.0.
"""

import math

import numpy as np
import pytest

from nnlab import schedules
from nnlab.optim import adagrad, adam, apply_updates, rmsprop, sgd

EPS = 1e-7


def run_fixed_grads(rule, schedule, grads, x0=1.0):
    """Apply ``rule`` with the given sequence of scalar gradients; return deltas and iterates."""
    params = {"w": np.array([x0])}
    state = rule.init(params)
    deltas_seen, xs = [], []
    for t, g in enumerate(grads):
        deltas, state = rule.update({"w": np.array([g])}, state, schedule(t))
        deltas_seen.append(float(deltas["w"][0]))
        apply_updates(params, deltas)
        xs.append(float(params["w"][0]))
    return deltas_seen, xs


def test_sgd_plain_first_two_steps():
    # delta_t = -lr * g_t, lr = 0.1
    deltas, xs = run_fixed_grads(sgd(), schedules.constant(0.1), [2.0, 1.0])
    assert deltas == pytest.approx([-0.2, -0.1], rel=1e-15)
    assert xs == pytest.approx([0.8, 0.7], rel=1e-15)


def test_sgd_momentum_first_two_steps():
    # v_1 = 0.5 * 0 - 0.1 * 2 = -0.2                  x_1 = 0.8
    # v_2 = 0.5 * (-0.2) - 0.1 * 1 = -0.1 - 0.1 = -0.2  x_2 = 0.6
    deltas, xs = run_fixed_grads(sgd(momentum=0.5), schedules.constant(0.1), [2.0, 1.0])
    assert deltas == pytest.approx([-0.2, -0.2], rel=1e-15)
    assert xs == pytest.approx([0.8, 0.6], rel=1e-15)


def test_adagrad_first_two_steps():
    # lr = 0.1.   G_1 = 0 + 2^2 = 4    delta_1 = -0.1 * 2 / (sqrt(4) + eps) = -0.1 * 2 / 2.0000001
    #             G_2 = 4 + 1^2 = 5    delta_2 = -0.1 * 1 / (sqrt(5) + eps)
    deltas, xs = run_fixed_grads(adagrad(EPS), schedules.constant(0.1), [2.0, 1.0])
    expected = [-0.2 / 2.0000001, -0.1 / (2.2360679774997896 + EPS)]
    assert deltas == pytest.approx(expected, rel=1e-13)
    assert deltas[0] == pytest.approx(-0.099999995, rel=1e-9)
    assert deltas[1] == pytest.approx(-0.04472135755, rel=1e-9)
    assert xs == pytest.approx([1.0 + expected[0], 1.0 + expected[0] + expected[1]], rel=1e-13)


def test_adagrad_with_decay_uses_each_steps_rate():
    # inverse_time(0.1, 1.0): lr_0 = 0.1, lr_1 = 0.05; G as above.
    deltas, _ = run_fixed_grads(adagrad(EPS), schedules.inverse_time(0.1, 1.0), [2.0, 1.0])
    assert deltas == pytest.approx([-0.2 / 2.0000001, -0.05 / (math.sqrt(5.0) + EPS)], rel=1e-13)


def test_rmsprop_first_two_steps():
    # rho = 0.9, lr = 0.1.
    # E_1 = 0.9 * 0 + 0.1 * 4 = 0.4         delta_1 = -0.1 * 2 / (sqrt(0.4) + eps)  ~ -0.316227716
    # E_2 = 0.9 * 0.4 + 0.1 * 1 = 0.46      delta_2 = -0.1 * 1 / (sqrt(0.46) + eps) ~ -0.147441934
    deltas, xs = run_fixed_grads(rmsprop(0.9, EPS), schedules.constant(0.1), [2.0, 1.0])
    expected = [-0.2 / (math.sqrt(0.4) + EPS), -0.1 / (math.sqrt(0.46) + EPS)]
    assert deltas == pytest.approx(expected, rel=1e-13)
    assert deltas == pytest.approx([-0.316227716, -0.147441934], rel=1e-8)
    assert xs[1] == pytest.approx(1.0 + sum(expected), rel=1e-13)


def test_adam_first_two_steps_with_bias_correction():
    # beta_1 = 0.9, beta_2 = 0.999, lr = 0.01.
    # t = 1: m_1 = 0.1 * 2 = 0.2            v_1 = 0.001 * 4 = 0.004
    #        m^ = 0.2 / (1 - 0.9) = 2       v^ = 0.004 / (1 - 0.999) = 4
    #        delta_1 = -0.01 * 2 / (2 + eps)                          ~ -0.0099999995
    # t = 2: m_2 = 0.9 * 0.2 + 0.1 * 1 = 0.28
    #        v_2 = 0.999 * 0.004 + 0.001 * 1 = 0.004996
    #        m^ = 0.28 / (1 - 0.81) = 0.28 / 0.19 = 1.4736842105...
    #        v^ = 0.004996 / (1 - 0.998001) = 0.004996 / 0.001999 = 2.4992496248...
    #        delta_2 = -0.01 * m^ / (1.5809015228... + eps)            ~ -0.0093217958
    deltas, xs = run_fixed_grads(adam(0.9, 0.999, EPS), schedules.constant(0.01), [2.0, 1.0])
    m_hat_2 = 0.28 / 0.19
    v_hat_2 = 0.004996 / 0.001999
    expected = [-0.01 * 2.0 / (2.0 + EPS), -0.01 * m_hat_2 / (math.sqrt(v_hat_2) + EPS)]
    assert deltas == pytest.approx(expected, rel=1e-10)
    assert deltas[1] == pytest.approx(-0.0093217958, rel=1e-8)
    assert xs[1] == pytest.approx(1.0 + sum(expected), rel=1e-12)


def test_adam_first_step_is_lr_times_sign_of_gradient():
    # With bias correction the first step is -lr * g / (|g| + eps), whatever the betas.
    for g in (3.0, -0.5):
        deltas, _ = run_fixed_grads(adam(0.5, 0.9, EPS), schedules.constant(0.01), [g])
        assert deltas[0] == pytest.approx(-0.01 * g / (abs(g) + EPS), rel=1e-12)


def test_sgd_momentum_with_decaying_lr_follows_the_book():
    """nnlab follows the book's momentum: v_t = mu * v_{t-1} - lr_t * g_t, delta_t = v_t, so each
    step's own rate stays inside the velocity (not PyTorch's b_t = mu b_{t-1} + g_t,
    delta_t = -lr_t * b_t, which rescales the whole buffer by the current rate).

    mu = 0.9, inverse_time(0.1, 1.0): lr_0 = 0.1, lr_1 = 0.05, lr_2 = 0.1 / 3.
    g = 1, 2, -1:
        v_1 = -0.1 * 1                        = -0.1           x_1 = 0.9
        v_2 = 0.9 * (-0.1) - 0.05 * 2         = -0.19          x_2 = 0.71
        v_3 = 0.9 * (-0.19) - (0.1 / 3) * (-1) = -0.1376666...  x_3 = 0.5723333...
    """
    deltas, xs = run_fixed_grads(sgd(momentum=0.9), schedules.inverse_time(0.1, 1.0), [1, 2, -1])
    assert deltas == pytest.approx([-0.1, -0.19, -0.171 + 0.1 / 3], rel=1e-13)
    assert xs == pytest.approx([0.9, 0.71, 0.5723333333333333], rel=1e-13)


def test_torch_sgd_momentum_with_decaying_lr_differs_from_the_book():
    """The same three steps in PyTorch give the other rule, so the docstring above is a real
    difference: b_1 = 1, x_1 = 1 - 0.1 * 1 = 0.9; b_2 = 0.9 + 2 = 2.9, x_2 = 0.9 - 0.05 * 2.9 =
    0.755; b_3 = 2.61 - 1 = 1.61, x_3 = 0.755 - 1.61 / 30 = 0.70133..."""
    torch = pytest.importorskip("torch")
    w = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lambda t: 1.0 / (1.0 + t))
    torch_xs = []
    for g in (1.0, 2.0, -1.0):
        w.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        sched.step()
        torch_xs.append(float(w.detach()[0]))
    assert torch_xs == pytest.approx([0.9, 0.755, 0.755 - 1.61 / 30], rel=1e-13)

    _, nnlab_xs = run_fixed_grads(sgd(momentum=0.9), schedules.inverse_time(0.1, 1.0), [1, 2, -1])
    assert nnlab_xs[0] == pytest.approx(torch_xs[0], rel=1e-13)  # identical first step
    assert abs(nnlab_xs[1] - torch_xs[1]) == pytest.approx(0.045, rel=1e-9)
    assert abs(nnlab_xs[2] - torch_xs[2]) > 0.1
