"""The names of what the training loops measure, and how each is judged.

Every epoch a loop records ``train/loss`` (data + regularisation), ``train/data_loss``,
``train/reg_loss``, ``train/accuracy`` and ``lr``; ``val/loss`` and ``val/accuracy`` when
validation is due; the search baselines add ``search/acceptance``. A run keeps
``PENALTY_METRICS`` only when its network has a penalty (without one they are ``train/loss``
and zero). A run's summary keeps, for
each ``SUMMARIZED`` metric, its best value, the epoch of the best and its final value, keyed
``val_loss_best``, ``val_loss_best_epoch``, ``val_loss_final`` (``summary_key``): names
without "/", so that the MLflow UI lists a run's curves (``train/…``, ``val/…``) before them. A
sweep's parent run keeps the best final objective of its runs as ``sweep_key(objective)``, a name
no run has.
"""

TRAIN_METRICS = ("train/loss", "train/data_loss", "train/reg_loss", "train/accuracy", "lr")
VAL_METRICS = ("val/loss", "val/accuracy")
SEARCH_METRICS = ("search/acceptance",)
PENALTY_METRICS = ("train/data_loss", "train/reg_loss")
SUMMARIZED = ("train/loss", "train/accuracy", "val/loss", "val/accuracy")
SUMMARY_KINDS = ("best", "best_epoch", "final")


def higher_is_better(key: str) -> bool:
    """Accuracies are maximised; losses and everything else minimised."""
    return key.endswith("accuracy")


def summary_key(metric: str, kind: str) -> str:
    """``summary_key("val/loss", "best") == "val_loss_best"``."""
    return f"{metric.replace('/', '_')}_{kind}"


def sweep_key(objective: str) -> str:
    """``sweep_key("val/loss") == "sweep_best_val_loss_final"``: the best of a sweep's runs."""
    return f"sweep_best_{summary_key(objective, 'final')}"
