"""The Hydra sweeper: ``python run.py -m experiment=benchmark``.

An nnlab sweep (``nnlab.cli.sweeper.Sweep``) in two batches of jobs, each job a normal nnlab
run (``dataset=<problem> method=<method> trainer.seed=<seed>`` with the sampled values and the
command line's overrides):

1. tuning: for every problem and method, each of the method's ``trials`` configurations
   (``_protocol.Protocol.candidates``) on every tuning seed, marked ``search.trial=<k>``;
2. held out: the best configuration of each (problem, method) (``_tuning.best``) on every
   held-out seed.

Before any job starts, the protocol is checked and each method's job is built at the low and
the high end of its search space on every problem. The report compares the held-out runs
(``nnlab.report.analysis`` leaves out the tuning trials) and gains a tuning section. Tuning
explores, so a diverged trial is a result: the sweep has failed only when every job did.
"""

import math
from pathlib import Path

from omegaconf import OmegaConf

from hydra_plugins.nnlab_benchmark_sweeper import _tuning
from hydra_plugins.nnlab_benchmark_sweeper._protocol import PREFIX, protocol
from nnlab.cli.console import objective_of
from nnlab.cli.sweeper import Sweep
from nnlab.run.schema import ConfigError
from nnlab.train.metrics import higher_is_better

PROBLEM, METHOD, TRIAL, SEED = "dataset", "method", "search.trial", "trainer.seed"


class BenchmarkSweeper(Sweep):
    def __init__(
        self, problems, methods, trials, tuning_seeds, held_out_seeds, seed, space
    ) -> None:
        self.settings_given = dict(problems=problems, methods=methods, trials=trials,
                                   tuning_seeds=tuning_seeds, held_out_seeds=held_out_seeds,
                                   seed=seed, space=space)  # fmt: skip
        self.trials: list[_tuning.Trial] = []
        self.chosen: dict[tuple[str, str], _tuning.Trial | None] = {}

    def plan(self, arguments: list[str]) -> None:
        self.protocol = found = protocol(**self.settings_given)
        self.fixed = self._fixed(found)
        for problem in found.problems:
            for method in found.methods:
                for end, values in found.corners(method):
                    job = self._job(problem, method, values, found.tuning_seeds[0], trial=0)
                    self.check(job, f"{method} on {problem}, at the {end} end of its space")
        return None

    def varying(self) -> list[str]:
        return [PROBLEM, METHOD, TRIAL, SEED]

    def launch(self, jobs: None) -> None:
        OmegaConf.save(self.config, Path(self.config.hydra.sweep.dir) / "multirun.yaml")
        tuned = self._tune()
        held_out = [
            self._job(t.problem, t.method, t.values, seed)
            for t in self.chosen.values()
            if t is not None
            for seed in self.protocol.held_out_seeds
        ]
        self._run(held_out, tuned)

    def _tune(self) -> int:
        """Train every configuration on every tuning seed and choose the best of each
        (problem, method); the number of jobs launched."""
        found = self.protocol
        self.trials = [
            _tuning.Trial(problem, method, number, values)
            for problem in found.problems
            for method in found.methods
            for number, values in enumerate(found.candidates(method))
        ]
        tuning = [(trial, seed) for trial in self.trials for seed in found.tuning_seeds]
        finals = self._run(
            [self._job(t.problem, t.method, t.values, seed, t.number) for t, seed in tuning], 0
        )
        for (trial, _), final in zip(tuning, finals, strict=True):
            trial.scores.append(final)
        higher = higher_is_better(self.settings.objective)
        for problem in found.problems:
            for method in found.methods:
                tried = [t for t in self.trials if (t.problem, t.method) == (problem, method)]
                self.chosen[(problem, method)] = _tuning.best(tried, higher)
        return len(tuning)

    def report_section(self, folder: Path) -> str:
        return _tuning.section(self.protocol, self.trials, self.chosen, self.settings.objective,
                               folder)  # fmt: skip

    def failed(self, failed: int, total: int) -> bool:
        return failed == total > 0

    # -- jobs -----------------------------------------------------------------------------------

    def _job(self, problem: str, method: str, values: dict[str, float], seed: int,
             trial: int | None = None) -> list[str]:  # fmt: skip
        """A job's overrides: the command line's, then the protocol's."""
        job = [*self.fixed, f"{PROBLEM}={problem}", f"{METHOD}={method}"]
        job += [f"{key}={value!r}" for key, value in values.items()]
        job += [f"{TRIAL}={trial}"] if trial is not None else []
        return [*job, f"{SEED}={seed}"]

    def _run(self, jobs: list[list[str]], start: int) -> list[float]:
        """Launch ``jobs`` numbered from ``start``; each one's final objective (``nan`` if it
        failed or left no record)."""
        if not jobs:
            return []
        for ret in self.launcher.launch(jobs, initial_job_idx=start):
            _ = ret.return_value  # a job that raised (it is not recorded): raise it here
        infos = {info.job: info for info in (f.info() for f in self.folder.runs())}
        objective = self.settings.objective
        return [
            objective_of(infos[number], objective) if number in infos else math.nan
            for number in range(start, start + len(jobs))
        ]

    def _fixed(self, found) -> list[str]:
        """The command line's overrides, which every job gets; ``ConfigError`` for a sweep
        override or a key the protocol sets."""
        owned = {PROBLEM, METHOD, TRIAL, SEED}
        owned |= {p.key for method in found.methods for p in found.space[method]}
        fixed = []
        for override in self.overrides():
            key = override.get_key_element().lstrip("+~")
            if override.is_sweep_override():
                raise ConfigError(f"{override.input_line}: the benchmark plans its own jobs; set "
                                  f"its problems, methods and seeds in {PREFIX}")  # fmt: skip
            if key in owned:
                raise ConfigError(f"{override.input_line}: the benchmark sets {key} itself; "
                                  f"see {PREFIX}")  # fmt: skip
            fixed.append(override.input_line)
        return fixed
