"""AdaGrad (the book's form; PyTorch's ``Adagrad`` with ``initial_accumulator_value=0``):

G_t = G_{t-1} + g_t^2,    delta_t = -lr_t * g_t / (sqrt(G_t) + epsilon)
"""

from typing import NamedTuple

import numpy as np

from nnlab.checks import in_range
from nnlab.optim.base import Params, UpdateRule, zeros_like
from nnlab.optim.registry import register


class AdagradState(NamedTuple):
    cache: Params
    deltas: Params
    count: int


@register
def adagrad(epsilon: float = 1e-7) -> UpdateRule:
    in_range("epsilon", epsilon, 0.0, low_open=True)

    def init(params: Params) -> AdagradState:
        return AdagradState(zeros_like(params), zeros_like(params), 0)

    def update(
        grads: Params, state: AdagradState, lr: float, params: Params | None = None
    ) -> tuple[Params, AdagradState]:
        for key, grad in grads.items():
            cache, delta = state.cache[key], state.deltas[key]
            np.multiply(grad, grad, out=delta)
            cache += delta
            np.sqrt(cache, out=delta)
            delta += epsilon
            np.divide(grad, delta, out=delta)
            delta *= -lr
        return state.deltas, state._replace(count=state.count + 1)

    return UpdateRule(init, update)
