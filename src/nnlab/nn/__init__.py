"""Layers, activations, losses and networks in plain NumPy."""

from nnlab.nn.mlp import mlp
from nnlab.nn.network import Network
from nnlab.nn.trainable import Trainable

__all__ = ["Network", "Trainable", "mlp"]
