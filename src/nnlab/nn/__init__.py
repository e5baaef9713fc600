"""Layers, activations, losses and networks in plain NumPy."""

from nnlab.nn.network import Network, mlp

__all__ = ["Network", "mlp"]
