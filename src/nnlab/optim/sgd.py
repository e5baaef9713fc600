"""Stochastic gradient descent with the book's momentum:

    v_t = momentum * v_{t-1} - lr_t * g_t,    delta_t = v_t    (v_0 = 0)

With a constant learning rate this is PyTorch's ``SGD(momentum=mu)`` (``b_t = mu b_{t-1} + g_t``,
``delta = -lr b_t``, so ``v_t = -lr b_t``). With a decaying rate the two differ: the book keeps
each step's own ``lr_t`` inside the velocity, PyTorch multiplies the whole buffer by the current
rate. nnlab follows the book.
"""

from typing import NamedTuple

import numpy as np

from nnlab.checks import in_range
from nnlab.optim.base import Params, UpdateRule, zeros_like
from nnlab.optim.registry import register


class SgdState(NamedTuple):
    velocity: Params
    scratch: Params
    count: int


@register
def sgd(momentum: float = 0.0) -> UpdateRule:
    in_range("momentum", momentum, 0.0, 1.0, high_open=True)

    def init(params: Params) -> SgdState:
        return SgdState(zeros_like(params), zeros_like(params), 0)

    def update(
        grads: Params, state: SgdState, lr: float, params: Params | None = None
    ) -> tuple[Params, SgdState]:
        for key, grad in grads.items():
            velocity = state.velocity[key]
            if momentum:
                scratch = state.scratch[key]
                np.multiply(grad, lr, out=scratch)
                velocity *= momentum
                velocity -= scratch
            else:
                np.multiply(grad, -lr, out=velocity)
        return state.velocity, state._replace(count=state.count + 1)

    return UpdateRule(init, update)
