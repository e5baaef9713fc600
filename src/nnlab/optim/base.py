"""The shape every gradient method shares (after optax): a pair of functions

    init(params) -> state
    update(grads, state, lr) -> (deltas, state)

with ``params``, ``grads`` and ``deltas`` dicts of arrays keyed like ``"dense1.weights"``, then
``apply_updates(params, deltas)`` adds the deltas in place. The learning rate comes from a
schedule each step, so no rule knows about decay.

To keep a training step free of allocation, a rule's state owns its buffers and ``update``
overwrites them: the state passed in is consumed, the one returned is the one to use next, and
``deltas`` stay valid until the next ``update``. ``grads`` and ``params`` are never modified.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Params = dict[str, np.ndarray]


class UpdateRule(NamedTuple):
    init: Callable[[Params], Any]
    update: Callable[[Params, Any, float], tuple[Params, Any]]


def apply_updates(params: Params, deltas: Params) -> None:
    """``params[k] += deltas[k]`` for every key, in place."""
    for key, delta in deltas.items():
        params[key] += delta


def zeros_like(params: Params) -> Params:
    return {key: np.zeros_like(value) for key, value in params.items()}
