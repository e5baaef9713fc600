"""Composition of update transforms, like ``optax.chain``.

``chain(T_1, ..., T_n)`` is one ``UpdateRule`` that runs the transforms left to right on the
updates, starting from the gradients::

    u_0 = g_t,    u_i = T_i(u_{i-1}; s_i, lr_t, theta_{t-1}),    delta_t = u_n

Each transform keeps its own state ``s_i`` (the chain's state is the tuple of them, built by
each transform's own ``init``, so no two share a buffer). A transform placed before a rule sees
gradients (``clip_by_global_norm``), one placed after it sees deltas that already carry the
learning rate (``add_decayed_weights``). A chain of one transform computes exactly what the
transform computes.
"""

from nnlab.optim.base import Params, UpdateRule


def chain(*transforms: UpdateRule) -> UpdateRule:
    """The transforms applied one after the other, e.g.
    ``chain(clip_by_global_norm(1.0), adam(), add_decayed_weights(1e-2))``."""
    if not transforms:
        raise ValueError("chain needs at least one transform")

    def init(params: Params) -> tuple:
        return tuple(transform.init(params) for transform in transforms)

    def update(
        grads: Params, state: tuple, lr: float, params: Params | None = None
    ) -> tuple[Params, tuple]:
        updates = grads
        states = []
        for transform, inner in zip(transforms, state, strict=True):
            updates, inner = transform.update(updates, inner, lr, params)
            states.append(inner)
        return updates, tuple(states)

    return UpdateRule(init, update)
