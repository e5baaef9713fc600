"""The shape every gradient method and every update transform shares (after optax): a pair of
functions

    init(params) -> state
    update(updates, state, lr, params=None) -> (updates, state)

with ``params`` and the updates dicts of arrays keyed like ``"dense1.weights"``. A rule such as
``sgd`` takes the gradients and returns the deltas, then ``apply_updates(params, deltas)`` adds
them in place; a transform (``clip_by_global_norm``, ``add_decayed_weights``) maps updates to
updates and is composed with rules by ``chain``. The learning rate comes from a schedule each
step, so no rule knows about decay. As in optax, ``params`` (the values before this step's
update) are passed for the transforms that need them: ``add_decayed_weights`` raises without
them, the others ignore them; the training loop always passes them.

To keep a training step free of allocation, a rule's state owns its buffers and ``update``
overwrites them: the state passed in is consumed, the one returned is the one to use next, and
the updates returned stay valid until the next ``update``. The updates passed in and ``params``
are never modified (the updates may be another transform's state, such as SGD's velocity).
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

Params = dict[str, np.ndarray]


class UpdateRule(NamedTuple):
    init: Callable[[Params], Any]
    update: Callable[..., tuple[Params, Any]]  # (updates, state, lr, params=None)


def apply_updates(params: Params, deltas: Params) -> None:
    """``params[k] += deltas[k]`` for every key, in place."""
    for key, delta in deltas.items():
        params[key] += delta


def zeros_like(params: Params) -> Params:
    return {key: np.zeros_like(value) for key, value in params.items()}
