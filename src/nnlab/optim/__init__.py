"""Gradient update rules in the ``init`` / ``update`` shape (see ``nnlab.optim.base``), the
transforms they compose with (``chain``, ``clip_by_global_norm``, ``add_decayed_weights``) and
``RULES``, every rule by name (``nnlab.optim.registry``).

Every module of this package is imported here, so a rule registered in ``optim/<name>.py`` is
in ``RULES`` and is ``nnlab.optim.<name>`` without this file naming it.
"""

import importlib
import pkgutil

from nnlab.optim.base import UpdateRule, apply_updates
from nnlab.optim.chain import chain
from nnlab.optim.clip import clip_by_global_norm
from nnlab.optim.registry import RULES, hyperparameters, register
from nnlab.optim.weight_decay import add_decayed_weights

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
globals().update(RULES)

__all__ = [
    "RULES",
    "UpdateRule",
    "add_decayed_weights",
    "apply_updates",
    "chain",
    "clip_by_global_norm",
    "hyperparameters",
    "register",
    *RULES,
]
