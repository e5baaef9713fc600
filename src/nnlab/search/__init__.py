"""Hyper-parameter search with Optuna: the Hydra sweeper (``hydra_plugins``) asks, each job
trains a trial and, when the search prunes, reports its objective to the pruner as it goes."""
