"""Comparison reports of runs: overlaid curves, a table of best and final metrics with the
parameters that differ, mean +- std bands over seeds and decision boundaries. Build one for a
sweep or an experiment with ``python -m nnlab.report``."""
