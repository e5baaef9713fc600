"""The sweeper's config, registered with Hydra's ConfigStore as ``hydra/sweeper=benchmark``.
Its keys are the parameters of ``BenchmarkSweeper``; the study's values are set in
``conf/experiment/benchmark.yaml``."""

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

SWEEPER = "hydra_plugins.nnlab_benchmark_sweeper.benchmark_sweeper.BenchmarkSweeper"


@dataclass
class BenchmarkSweeperConf:
    _target_: str = SWEEPER
    # dataset options (conf/dataset/), each a problem every method is tuned and tested on
    problems: list[str] = MISSING
    # method options (conf/method/), each an optimizer with its schedule
    methods: list[str] = MISSING
    # random-search configurations per method: the tuning budget, the same for every method
    trials: int = MISSING
    # trainer.seed of every tuning run; a configuration's score is its mean over these
    tuning_seeds: list[int] = MISSING
    # trainer.seed of the runs of each best configuration, compared in the report
    held_out_seeds: list[int] = MISSING
    # seed of the random search's draws
    seed: int = MISSING
    # per method, its search space in Hydra's override grammar, e.g.
    #   adam: {optimizer.learning_rate: "tag(log, interval(1e-4, 0.3))"}
    space: dict[str, dict[str, str]] = MISSING


ConfigStore.instance().store(
    group="hydra/sweeper", name="benchmark", node=BenchmarkSweeperConf, provider="nnlab"
)
