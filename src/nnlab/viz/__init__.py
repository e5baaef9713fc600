"""Figures from histories and networks, built with matplotlib's object API (no pyplot state, no
display): callers save or upload them. ``regions`` (the decision regions the figures draw) is
NumPy only."""
