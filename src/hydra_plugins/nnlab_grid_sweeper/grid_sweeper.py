"""The grid sweeper: every combination of the sweep's values (``a=1,2 b=x,y``: four jobs), as
Hydra's basic sweeper makes them, launched in batches of ``max_batch_size`` (all at once by
default); each job checked before any starts (``nnlab.cli.sweeper.Sweep``)."""

from pathlib import Path

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from omegaconf import OmegaConf

from nnlab.cli.sweeper import Sweep
from nnlab.run.schema import ConfigError


class GridSweeper(Sweep):
    def __init__(self, max_batch_size: int | None = None, params: dict | None = None) -> None:
        self.max_batch_size = max_batch_size

    def plan(self, arguments: list[str]) -> list[list[str]]:
        overrides = self.overrides()
        jobs = BasicSweeper.split_arguments(overrides, None)[0]
        if not jobs:
            empty = [o.input_line for o in overrides
                     if o.is_sweep_override() and not list(o.sweep_string_iterator())]  # fmt: skip
            raise ConfigError(f"the sweep has no jobs: {', '.join(empty)} selects nothing")
        return jobs

    def launch(self, jobs: list[list[str]]) -> None:
        sweep_dir = Path(self.config.hydra.sweep.dir)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        size = self.max_batch_size or len(jobs)
        for start in range(0, len(jobs), size):
            returns = self.launcher.launch(jobs[start : start + size], initial_job_idx=start)
            for ret in returns:
                _ = ret.return_value  # a job that raised (it is not recorded): raise it here
