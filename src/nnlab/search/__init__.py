"""Hyper-parameter search with Optuna: the Hydra sweeper (``hydra_plugins``) asks, each job
trains a trial and, when the search prunes, reports its objective to the pruner as it goes.

The names the sweeper, the jobs and the search report share live here (this package imports
neither Optuna nor MLflow): the trial user attributes, and how a storage URL is shown.
"""

import re

PRUNER_ATTR = "nnlab.pruner"  # trial user attribute: the pruner's config, for the job
RUN_ATTR = "nnlab.run_id"  # trial user attribute: the MLflow run that trained the trial


def shown(storage) -> str:
    """A storage URL (or storage object) as printed and saved: without its password."""
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1:***@", str(storage))
