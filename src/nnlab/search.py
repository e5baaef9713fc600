"""A trial's link to its search's pruner: hyper-parameter searches are Optuna studies run by
nnlab's sweeper (``hydra_plugins/nnlab_optuna_sweeper``), whose trials are jobs; ``nnlab.cli.app``
adds this callback to a trial with ``search.prune_every > 0``.

Every ``prune_every`` epochs (at the first epoch from then on in which the objective was
measured) the callback reports the objective to the trial and ends training with ``Pruned``
when the study's pruner says so. The study is loaded at the first report, with the pruner the
sweeper stored on the trial (user attribute ``nnlab.pruner``: the pruner's class and
arguments); epochs between reports cost one comparison.
"""

import math

from nnlab.run.schema import SearchSettings
from nnlab.train import Callback, Pruned

PRUNER_ATTR = "nnlab.pruner"  # trial user attribute: the pruner's config, set by the sweeper
PRUNERS = tuple(f"optuna.pruners.{name}" for name in (
    "MedianPruner", "NopPruner", "PercentilePruner", "SuccessiveHalvingPruner", "HyperbandPruner",
    "ThresholdPruner",
))  # fmt: skip


class OptunaPruning(Callback):
    def __init__(self, settings: SearchSettings, objective: str) -> None:
        if settings.trial is None or not settings.study or settings.storage is None:
            raise ValueError("pruning needs search.storage, search.study and search.trial")
        if settings.prune_every <= 0:
            raise ValueError(f"search.prune_every must be positive, got {settings.prune_every}")
        self.settings = settings
        self.objective = objective
        self.every = settings.prune_every
        self._due = settings.prune_every  # the next epoch at which to report
        self._trial = None

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if epoch < self._due:
            return
        value = metrics.get(self.objective)
        if value is None or not math.isfinite(value):
            return  # not measured this epoch (or diverged, which ends training anyway)
        self._due = epoch + self.every
        trial = self._trial or self._load()
        trial.report(value, epoch)
        if trial.should_prune():
            raise Pruned(f"pruned at epoch {epoch}: {self.objective} = {value:.4g}")

    def _load(self):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        settings = self.settings
        storage = optuna.storages.get_storage(settings.storage)
        try:
            study_id = storage.get_study_id_from_name(settings.study)
            trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, settings.trial)
        except KeyError as error:
            raise ValueError(
                f"search.trial={settings.trial}: no such trial in study {settings.study} "
                f"of {settings.storage}"
            ) from error
        spec = storage.get_trial_user_attrs(trial_id).get(PRUNER_ATTR)
        study = optuna.load_study(study_name=settings.study, storage=storage, pruner=_pruner(spec))
        self._trial = optuna.trial.Trial(study, trial_id)
        return self._trial


def _pruner(spec: dict | None):
    """The pruner a config like ``{"_target_": "optuna.pruners.MedianPruner", ...}`` names;
    ``None`` (Optuna's default) without one. The attribute is stored data, so it may only name
    one of Optuna's pruners (``PRUNERS``); Optuna checks their arguments."""
    import optuna

    if not spec:
        return None
    arguments = dict(spec)
    target = arguments.pop("_target_", None)
    if target not in PRUNERS:
        raise ValueError(
            f"{PRUNER_ATTR}: {target!r} is not a pruner; allowed: {', '.join(PRUNERS)}"
        )
    return getattr(optuna.pruners, target.rpartition(".")[2])(**arguments)
