r"""Gradient clipping by the global norm (Pascanu et al., 2013; ``optax.clip_by_global_norm``):

    ||g|| = sqrt(sum_k sum_i g_{k,i}^2)   over every array k,
    g <- g                        if ||g|| <= max_norm,
    g <- g * (max_norm / ||g||)   otherwise,

so all gradients shrink by one factor and keep their direction. PyTorch's
``clip_grad_norm_`` scales by ``max_norm / (||g|| + 1e-6)`` instead. Goes before a rule:
``chain(clip_by_global_norm(1.0), sgd(momentum=0.9))``.
"""

import math
from typing import NamedTuple

import numpy as np

from nnlab.checks import in_range
from nnlab.optim.base import Params, UpdateRule, zeros_like


class ClipState(NamedTuple):
    clipped: Params


def clip_by_global_norm(max_norm: float) -> UpdateRule:
    in_range("max_norm", max_norm, 0.0, low_open=True)

    def init(params: Params) -> ClipState:
        return ClipState(zeros_like(params))

    def update(
        grads: Params, state: ClipState, lr: float, params: Params | None = None
    ) -> tuple[Params, ClipState]:
        norm = math.sqrt(sum(float(np.vdot(grad, grad)) for grad in grads.values()))
        if norm <= max_norm:
            return grads, state
        scale = max_norm / norm
        for key, grad in grads.items():
            np.multiply(grad, scale, out=state.clipped[key])
        return state.clipped, state

    return UpdateRule(init, update)
