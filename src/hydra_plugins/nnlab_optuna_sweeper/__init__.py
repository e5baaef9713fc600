"""nnlab's Optuna sweeper for Hydra (``hydra/sweeper=optuna``): a hyper-parameter search on
current Optuna whose trials are nnlab jobs, pruned while they train.

``config`` registers the sweeper's config with Hydra's ConfigStore; ``optuna_sweeper`` holds the
``Sweeper`` class; the work is in ``_search`` and the report's section in ``_report`` (modules
starting with ``_`` are not imported by Hydra's plugin scan, so Optuna and matplotlib are
imported only when a search runs). The names the sweeper and the report share are here.
"""

import re

RUN_ATTR = "nnlab.run_id"  # trial user attribute: the MLflow run that trained the trial


def shown(storage) -> str:
    """A storage URL (or storage object) as printed and saved: without its password."""
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1:***@", str(storage))
