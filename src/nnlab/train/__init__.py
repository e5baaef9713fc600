"""Training loops (gradient and gradient-free) and the callback protocol they report through."""

from nnlab.train.callbacks import Callback, EarlyStopping, Pruned, StopTraining
from nnlab.train.history import History
from nnlab.train.loop import fit
from nnlab.train.random_search import hill_climb, random_search

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "Pruned",
    "StopTraining",
    "fit",
    "hill_climb",
    "random_search",
]
