"""Adam with the book's bias correction (step ``t = 1, 2, ...``):

    m_t = beta_1 m_{t-1} + (1 - beta_1) g_t          v_t = beta_2 v_{t-1} + (1 - beta_2) g_t^2
    m^_t = m_t / (1 - beta_1^t)                       v^_t = v_t / (1 - beta_2^t)
    delta_t = -lr_t * m^_t / (sqrt(v^_t) + epsilon)

PyTorch's ``Adam`` computes the same quantity as ``-(lr / (1 - beta_1^t)) m_t /
(sqrt(v_t) / sqrt(1 - beta_2^t) + epsilon)``: equal in exact arithmetic, rounded differently.
"""

from typing import NamedTuple

import numpy as np

from nnlab.checks import in_range
from nnlab.optim.base import Params, UpdateRule, zeros_like
from nnlab.optim.registry import register


class AdamState(NamedTuple):
    first_moment: Params
    second_moment: Params
    deltas: Params
    scratch: Params
    count: int


@register
def adam(beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7) -> UpdateRule:
    in_range("beta_1", beta_1, 0.0, 1.0, high_open=True)
    in_range("beta_2", beta_2, 0.0, 1.0, high_open=True)
    in_range("epsilon", epsilon, 0.0, low_open=True)

    def init(params: Params) -> AdamState:
        return AdamState(*(zeros_like(params) for _ in range(4)), 0)

    def update(
        grads: Params, state: AdamState, lr: float, params: Params | None = None
    ) -> tuple[Params, AdamState]:
        t = state.count + 1
        first_correction = 1.0 - beta_1**t
        second_correction = 1.0 - beta_2**t
        for key, grad in grads.items():
            m, v = state.first_moment[key], state.second_moment[key]
            delta, scratch = state.deltas[key], state.scratch[key]
            m *= beta_1
            np.multiply(grad, 1.0 - beta_1, out=scratch)
            m += scratch
            v *= beta_2
            np.multiply(grad, grad, out=scratch)
            scratch *= 1.0 - beta_2
            v += scratch
            np.divide(v, second_correction, out=scratch)
            np.sqrt(scratch, out=scratch)
            scratch += epsilon
            np.divide(m, first_correction, out=delta)
            delta /= scratch
            delta *= -lr
        return state.deltas, state._replace(count=t)

    return UpdateRule(init, update)
