"""nnlab: a research harness for studying how small NumPy neural networks learn."""

__version__ = "0.1.0"
