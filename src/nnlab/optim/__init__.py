"""Gradient update rules in the ``init`` / ``update`` shape (see ``nnlab.optim.base``)."""

from nnlab.optim.adagrad import adagrad
from nnlab.optim.adam import adam
from nnlab.optim.base import UpdateRule, apply_updates
from nnlab.optim.rmsprop import rmsprop
from nnlab.optim.sgd import sgd

RULES = {"sgd": sgd, "adagrad": adagrad, "rmsprop": rmsprop, "adam": adam}

__all__ = ["RULES", "UpdateRule", "adagrad", "adam", "apply_updates", "rmsprop", "sgd"]
