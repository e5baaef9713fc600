"""nnlab's Optuna sweeper for Hydra (``hydra/sweeper=optuna``): a hyper-parameter search on
current Optuna whose trials are nnlab jobs, pruned while they train.

``config`` registers the sweeper's config with Hydra's ConfigStore; ``optuna_sweeper`` holds the
``Sweeper`` class; the work is in ``_search`` (modules starting with ``_`` are not imported by
Hydra's plugin scan, so Optuna is imported only when a search runs).
"""
