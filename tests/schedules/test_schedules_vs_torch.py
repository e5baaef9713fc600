"""Each schedule against the PyTorch scheduler it corresponds to, over 200 steps.

nnlab's ``schedule(t)`` is the rate used at step ``t``; torch's scheduler ``step()`` runs after each
``optimizer.step()``, so the rate in the param group before step ``t`` is torch's ``lr_t``.
"""

import math

import pytest

from nnlab import schedules

torch = pytest.importorskip("torch")

STEPS = 200
LR = 0.05


def torch_rates(make_scheduler, steps=STEPS):
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=LR)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        w.grad = torch.zeros_like(w)
        optimizer.step()
        scheduler.step()
    return rates


def assert_same_rates(schedule, make_scheduler):
    expected = torch_rates(make_scheduler)
    actual = [schedule(t) for t in range(STEPS)]
    assert actual == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("decay", [0.0, 1e-3, 0.1])
def test_inverse_time_is_lambda_lr(decay):
    assert_same_rates(
        schedules.inverse_time(LR, decay),
        lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 / (1.0 + decay * t)),
    )


@pytest.mark.parametrize("decay", [0.0, 1e-3, 0.05])
def test_exponential_is_exponential_lr(decay):
    assert_same_rates(
        schedules.exponential(LR, decay),
        lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=math.exp(-decay)),
    )


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.99), (30, 0.5), (50, 0.1)])
def test_step_is_step_lr(step_size, gamma):
    assert_same_rates(
        schedules.step(LR, step_size, gamma),
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma),
    )


@pytest.mark.parametrize("min_lr", [0.0, 1e-3])
def test_cosine_is_cosine_annealing_lr_up_to_total_steps(min_lr):
    # torch's CosineAnnealingLR climbs back up after T_max; nnlab holds the minimum, so compare
    # over exactly T_max = STEPS steps.
    assert_same_rates(
        schedules.cosine(LR, STEPS, min_learning_rate=min_lr),
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS, eta_min=min_lr),
    )
