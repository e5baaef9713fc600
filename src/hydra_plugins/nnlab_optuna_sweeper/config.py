"""The sweeper's config, registered with Hydra's ConfigStore: ``hydra/sweeper=optuna`` with the
groups ``hydra/sweeper/sampler`` (``tpe``, ``random``) and ``hydra/sweeper/pruner``
(``median``, ``successive_halving``, ``none``).

A sampler or pruner node is the Optuna class (``_target_``) and its arguments; the sweeper
instantiates it itself (``_recursive_: false``), so it can reseed a resumed study's sampler and
hand the pruner's settings to the trials.
"""

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

SWEEPER = "hydra_plugins.nnlab_optuna_sweeper.optuna_sweeper.OptunaSweeper"


@dataclass
class TPESamplerConfig:
    """Tree-structured Parzen estimator; random draws for the first ``n_startup_trials``."""

    _target_: str = "optuna.samplers.TPESampler"
    seed: int | None = 0  # null: a fresh random search each time
    n_startup_trials: int = 10


@dataclass
class RandomSamplerConfig:
    _target_: str = "optuna.samplers.RandomSampler"
    seed: int | None = 0


@dataclass
class MedianPrunerConfig:
    """Prune a trial whose best objective so far is worse than the median of the complete
    trials' at the same epoch."""

    _target_: str = "optuna.pruners.MedianPruner"
    n_startup_trials: int = 5  # complete trials before any trial is pruned
    n_warmup_steps: int = 0  # epochs a trial trains before it can be pruned
    interval_steps: int = 1  # check every report after the warm-up (reports: prune_every)
    n_min_trials: int = 1  # trials that reached an epoch before comparing there


@dataclass
class SuccessiveHalvingPrunerConfig:
    """Asynchronous successive halving: rungs at ``min_resource * reduction_factor ** k``
    epochs; only the top ``1 / reduction_factor`` of the trials at a rung go on."""

    _target_: str = "optuna.pruners.SuccessiveHalvingPruner"
    min_resource: Any = "auto"  # epochs before the first rung, or "auto"
    reduction_factor: int = 4
    min_early_stopping_rate: int = 0
    bootstrap_count: int = 0  # trials that must reach a rung before any is promoted


@dataclass
class NopPrunerConfig:
    """No pruning: every trial trains to the end (and does not report as it goes)."""

    _target_: str = "optuna.pruners.NopPruner"


@dataclass
class OptunaSweeperConf:
    _target_: str = SWEEPER
    _recursive_: bool = False
    defaults: list[Any] = field(default_factory=lambda: [{"sampler": "tpe"}, {"pruner": "median"}])

    sampler: Any = MISSING
    pruner: Any = MISSING
    # minimize | maximize; null: maximize when the app's ``objective`` ends with "accuracy"
    direction: str | None = None
    # the search ends when the study holds this many complete + pruned trials (a re-run resumes)
    n_trials: int = 20
    # trials asked for and launched together (run in parallel by a parallel launcher)
    n_jobs: int = 1
    # Optuna storage URL; null: sqlite:///<repo>/mlruns/optuna.db
    storage: str | None = None
    # null: <tracking.experiment>-<digest of the search space and the fixed overrides>
    study_name: str | None = None
    # epochs between a trial's reports to the pruner (~5 ms each on SQLite); 0: never prune
    prune_every: int = 500
    # the search space in Hydra's override grammar, e.g.
    #   optimizer.learning_rate: tag(log, interval(1e-3, 10))
    #   optimizer.momentum: interval(0, 0.95)
    #   trainer.batch_size: choice(16, 32, 64)
    params: dict[str, Any] = field(default_factory=dict)


_store = ConfigStore.instance()
_store.store(group="hydra/sweeper", name="optuna", node=OptunaSweeperConf, provider="nnlab")
for _name, _node in (("tpe", TPESamplerConfig), ("random", RandomSamplerConfig)):
    _store.store(group="hydra/sweeper/sampler", name=_name, node=_node, provider="nnlab")
for _name, _node in (
    ("median", MedianPrunerConfig),
    ("successive_halving", SuccessiveHalvingPrunerConfig),
    ("none", NopPrunerConfig),
):
    _store.store(group="hydra/sweeper/pruner", name=_name, node=_node, provider="nnlab")
