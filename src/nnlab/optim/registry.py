"""The update rules by name: ``RULES["sgd"]`` is the factory ``sgd``.

A rule lives in its own module of ``nnlab.optim`` and registers its factory with ``@register``;
``nnlab.optim`` imports every module of the package, so ``optim/<name>.py`` is in ``RULES`` (and
is ``nnlab.optim.<name>``) without another file naming it. The factory contract, which lets the
harness derive a rule's config schema from its signature (``hyperparameters``):

- every argument is a keyword argument with a type annotation and a default, the book's value
  (``rmsprop(rho: float = 0.9, epsilon: float = 1e-7)``), so ``factory()`` is a usable rule and
  a config may set any subset of the arguments; no ``*args`` or ``**kwargs``;
- the factory checks each argument with ``nnlab.checks`` and raises ``ValueError`` starting with
  the argument's name (``rho must be in [0, 1), got 1.5``), so a config error names its key;
- it returns an ``UpdateRule`` (``nnlab.optim.base``);
- the learning rate is not an argument: it reaches ``update`` from the schedule every step.
"""

import inspect
from collections.abc import Callable
from typing import Any

from nnlab.optim.base import UpdateRule

Factory = Callable[..., UpdateRule]

RULES: dict[str, Factory] = {}

_KEYWORDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def hyperparameters(factory: Factory) -> dict[str, tuple[Any, Any]]:
    """``argument -> (type, default)`` of a rule factory, e.g. ``{"momentum": (float, 0.0)}`` for
    ``sgd``; ``TypeError`` naming the argument if the factory breaks the contract."""
    found = {}
    for argument in inspect.signature(factory, eval_str=True).parameters.values():
        if (
            argument.kind not in _KEYWORDS
            or argument.default is argument.empty
            or argument.annotation is argument.empty
        ):
            raise TypeError(
                f"{factory.__name__}({argument}): every argument of an update rule factory is a "
                "keyword argument with a type annotation and a default"
            )
        found[argument.name] = (argument.annotation, argument.default)
    return found


def register(factory: Factory) -> Factory:
    """Add ``factory`` to ``RULES`` under its function name, once its signature is checked."""
    hyperparameters(factory)
    name = factory.__name__
    if name in RULES:
        raise ValueError(f"an update rule called {name} is registered already")
    RULES[name] = factory
    return factory
