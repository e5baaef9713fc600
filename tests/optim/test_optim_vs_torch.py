"""Trajectories of nnlab's update rules against ``torch.optim`` in float64.

The problem is a small two-layer tanh network with a log-cosh loss plus an L2 term, so the
gradients depend on the parameters and are not those of a quadratic. At every step the gradient is
computed once with torch autograd at the torch parameters; torch's optimizer steps with it and the
SAME arrays (copied to NumPy) go to the nnlab rule. Both parameter sets must agree to 1e-6 after
every one of the 100 steps.

nnlab's ``schedule(t)`` is the rate used at step ``t = 0, 1, 2, ...``; a torch scheduler's
``step()`` is called after each ``optimizer.step()``, so at step ``t`` torch uses
``base_lr * factor(t)`` too.
"""

import math

import numpy as np
import pytest
from optimcheck import max_abs_diff

from nnlab import schedules
from nnlab.optim import adagrad, adam, add_decayed_weights, apply_updates, chain, rmsprop, sgd

torch = pytest.importorskip("torch")

STEPS = 100
TOLERANCE = 1e-6


def _problem():
    rng = np.random.default_rng(2024)
    params = {
        "dense1.weights": rng.normal(0.0, 0.8, size=(3, 5)),
        "dense1.biases": rng.normal(0.0, 0.3, size=(1, 5)),
        "dense2.weights": rng.normal(0.0, 0.8, size=(5, 2)),
        "dense2.biases": rng.normal(0.0, 0.3, size=(1, 2)),
    }
    x = torch.tensor(rng.normal(size=(8, 3)), dtype=torch.float64)
    y = torch.tensor(rng.normal(size=(8, 2)), dtype=torch.float64)

    def loss_fn(p):
        hidden = torch.tanh(x @ p["dense1.weights"] + p["dense1.biases"])
        out = hidden @ p["dense2.weights"] + p["dense2.biases"]
        l2 = sum((w**2).sum() for w in p.values())
        return torch.log(torch.cosh(out - y)).sum() + 0.05 * l2

    return params, loss_fn


def _max_diff(params, tparams):
    return max_abs_diff(params, {k: p.detach().numpy() for k, p in tparams.items()})


def run_against_torch(
    rule, schedule, make_optimizer, make_scheduler=None, check_torch_lr=True, tolerance=TOLERANCE
):
    """Step both for ``STEPS`` steps and return the largest difference seen. With a ``tolerance``,
    assert agreement after every step (and that the parameters actually moved)."""
    initial, loss_fn = _problem()
    tparams = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in initial.items()
    }
    optimizer = make_optimizer(list(tparams.values()))
    scheduler = make_scheduler(optimizer) if make_scheduler is not None else None
    params = {k: v.copy() for k, v in initial.items()}
    state = rule.init(params)
    worst = 0.0
    for t in range(STEPS):
        lr = schedule(t)
        if check_torch_lr:
            torch_lr = optimizer.param_groups[0]["lr"]
            assert torch_lr == pytest.approx(lr, rel=1e-9), f"lr at step {t}"
        optimizer.zero_grad()
        loss_fn(tparams).backward()
        grads = {k: p.grad.detach().numpy().copy() for k, p in tparams.items()}
        deltas, state = rule.update(grads, state, lr, params)
        apply_updates(params, deltas)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        diff = _max_diff(params, tparams)
        worst = max(worst, diff)
        if tolerance is not None:
            assert diff <= tolerance, f"step {t}: max |nnlab - torch| = {diff:.3e}"
    travelled = max_abs_diff(params, initial)
    assert travelled > 0.05, f"parameters barely moved ({travelled:.3e}); the test is vacuous"
    return worst


def _lambda(factor):
    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=factor)


# --- SGD -------------------------------------------------------------------------------------


@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_sgd_constant_lr_matches_torch(momentum):
    lr = 0.02
    run_against_torch(
        sgd(momentum=momentum),
        schedules.constant(lr),
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum, dampening=0, nesterov=False),
    )


def test_sgd_without_momentum_and_decaying_lr_matches_torch():
    # Without momentum there is no buffer for the two conventions to disagree about.
    lr, decay = 0.05, 0.05
    run_against_torch(
        sgd(momentum=0.0),
        schedules.inverse_time(lr, decay),
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=0.0),
        _lambda(lambda t: 1.0 / (1.0 + decay * t)),
    )


# --- Adagrad ---------------------------------------------------------------------------------


def test_adagrad_with_lr_decay_matches_torch():
    # torch's Adagrad applies lr / (1 + (k - 1) * lr_decay) at its k-th step (k = 1, 2, ...),
    # i.e. inverse_time(lr, lr_decay)(t) at nnlab's step t = k - 1.
    lr, decay = 0.1, 0.05
    run_against_torch(
        adagrad(epsilon=1e-7),
        schedules.inverse_time(lr, decay),
        lambda ps: torch.optim.Adagrad(
            ps, lr=lr, lr_decay=decay, eps=1e-7, initial_accumulator_value=0.0
        ),
        check_torch_lr=False,  # torch keeps the base rate in the param group
    )


def test_adagrad_constant_lr_matches_torch():
    lr = 0.1
    run_against_torch(
        adagrad(epsilon=1e-7),
        schedules.constant(lr),
        lambda ps: torch.optim.Adagrad(ps, lr=lr, eps=1e-7, initial_accumulator_value=0.0),
    )


# --- RMSprop ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.9, 0.99])
def test_rmsprop_constant_lr_matches_torch(rho):
    lr = 0.01
    run_against_torch(
        rmsprop(rho, 1e-7),
        schedules.constant(lr),
        lambda ps: torch.optim.RMSprop(
            ps, lr=lr, alpha=rho, eps=1e-7, momentum=0.0, centered=False
        ),
    )


def test_rmsprop_inverse_time_matches_torch():
    lr, decay, rho = 0.01, 0.05, 0.9
    run_against_torch(
        rmsprop(rho, 1e-7),
        schedules.inverse_time(lr, decay),
        lambda ps: torch.optim.RMSprop(
            ps, lr=lr, alpha=rho, eps=1e-7, momentum=0.0, centered=False
        ),
        _lambda(lambda t: 1.0 / (1.0 + decay * t)),
    )


# --- Adam ------------------------------------------------------------------------------------


def _torch_adam(lr, betas=(0.9, 0.999)):
    return lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=1e-7)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9)])
def test_adam_constant_lr_matches_torch(betas):
    lr = 0.01
    run_against_torch(adam(*betas, 1e-7), schedules.constant(lr), _torch_adam(lr, betas))


ADAM_LR = 0.02


# each nnlab schedule starting at ADAM_LR, with the torch scheduler that should follow it
@pytest.mark.parametrize(
    ("schedule", "make_scheduler"),
    [
        pytest.param(
            schedules.inverse_time(ADAM_LR, 0.05),
            _lambda(lambda t: 1.0 / (1.0 + 0.05 * t)),
            id="inverse_time",
        ),
        pytest.param(
            schedules.exponential(ADAM_LR, 0.02),
            lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=math.exp(-0.02)),
            id="exponential",
        ),
        pytest.param(
            schedules.step(ADAM_LR, 20, 0.5),
            lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5),
            id="step",
        ),
        pytest.param(
            schedules.cosine(ADAM_LR, STEPS, min_learning_rate=1e-3),
            lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS, eta_min=1e-3),
            id="cosine",
        ),
    ],
)
def test_adam_with_a_schedule_matches_torch(schedule, make_scheduler):
    run_against_torch(adam(0.9, 0.999, 1e-7), schedule, _torch_adam(ADAM_LR), make_scheduler)


# --- AdamW: Adam chained with decoupled weight decay -------------------------------------------


def _torch_adamw(lr, weight_decay):
    return lambda ps: torch.optim.AdamW(
        ps, lr=lr, betas=(0.9, 0.999), eps=1e-7, weight_decay=weight_decay
    )


@pytest.mark.parametrize(
    ("schedule", "make_scheduler"),
    [
        pytest.param(schedules.constant(ADAM_LR), None, id="constant"),
        pytest.param(
            schedules.inverse_time(ADAM_LR, 0.05),
            _lambda(lambda t: 1.0 / (1.0 + 0.05 * t)),
            id="inverse_time",
        ),
    ],
)
def test_adam_with_decayed_weights_matches_torch_adamw(schedule, make_scheduler):
    """torch's AdamW scales ``theta <- theta (1 - lr_t wd)`` and then takes the Adam step from it;
    nnlab adds ``-lr_t wd theta`` to Adam's delta. Equal in exact arithmetic, and within rounding
    (~1e-15) here, so the tolerance is far tighter than the other rules' 1e-6."""
    weight_decay = 0.1
    run_against_torch(
        chain(adam(0.9, 0.999, 1e-7), add_decayed_weights(weight_decay)),
        schedule,
        _torch_adamw(ADAM_LR, weight_decay),
        make_scheduler,
        tolerance=1e-12,
    )


def test_adamw_comparison_sees_the_decay():
    """Without the decay the same comparison fails by far: the test above is not vacuous."""
    worst = run_against_torch(
        adam(0.9, 0.999, 1e-7),
        schedules.constant(ADAM_LR),
        _torch_adamw(ADAM_LR, 0.1),
        tolerance=None,
    )
    assert worst > 1e-3


# --- where the book and torch part ways ------------------------------------------------------


def test_sgd_momentum_with_decaying_lr_departs_from_torch():
    """On the same problem, momentum plus a decaying rate gives a different trajectory: nnlab keeps
    each ``lr_t`` inside the velocity, torch rescales its whole buffer by the current rate."""
    lr, decay, momentum = 0.02, 0.1, 0.9
    worst = run_against_torch(
        sgd(momentum=momentum),
        schedules.inverse_time(lr, decay),
        lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum),
        _lambda(lambda t: 1.0 / (1.0 + decay * t)),
        tolerance=None,
    )
    assert worst > 1e-3
