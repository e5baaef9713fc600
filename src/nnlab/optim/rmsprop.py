"""RMSProp (the book's form, identical to PyTorch's ``RMSprop`` with ``alpha = rho``):

E_t = rho * E_{t-1} + (1 - rho) * g_t^2,    delta_t = -lr_t * g_t / (sqrt(E_t) + epsilon)
"""

from typing import NamedTuple

import numpy as np

from nnlab.checks import in_range
from nnlab.optim.base import Params, UpdateRule, zeros_like
from nnlab.optim.registry import register


class RmspropState(NamedTuple):
    cache: Params
    deltas: Params
    count: int


@register
def rmsprop(rho: float = 0.9, epsilon: float = 1e-7) -> UpdateRule:
    in_range("rho", rho, 0.0, 1.0, high_open=True)
    in_range("epsilon", epsilon, 0.0, low_open=True)

    def init(params: Params) -> RmspropState:
        return RmspropState(zeros_like(params), zeros_like(params), 0)

    def update(
        grads: Params, state: RmspropState, lr: float, params: Params | None = None
    ) -> tuple[Params, RmspropState]:
        for key, grad in grads.items():
            cache, delta = state.cache[key], state.deltas[key]
            np.multiply(grad, grad, out=delta)
            delta *= 1.0 - rho
            cache *= rho
            cache += delta
            np.sqrt(cache, out=delta)
            delta += epsilon
            np.divide(grad, delta, out=delta)
            delta *= -lr
        return state.deltas, state._replace(count=state.count + 1)

    return UpdateRule(init, update)
