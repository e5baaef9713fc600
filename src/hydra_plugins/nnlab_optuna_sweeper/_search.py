"""The search itself (imported when a search runs; it imports Optuna).

- ``parse_space``: overrides in Hydra's grammar -> Optuna distributions and fixed overrides, as
  the hydra-optuna-sweeper did: ``interval(a, b)`` is a float between a and b, ``int(interval(a,
  b))`` an integer, ``tag(log, ...)`` samples either on a log scale; ``choice(a, b)`` and ``a,b``
  are categorical; ``range(a, b, step)`` is an int (or float) grid, ``shuffle(range(...))``
  categorical. Later overrides of a key win (the command line over ``hydra.sweeper.params``).
- ``study_location``: the storage and study name a config's search uses.
- ``Search``: validates the space, creates or resumes the study and runs batches of trials.
"""

import hashlib
import json
import math
import sys
import warnings
from pathlib import Path

import optuna
from hydra._internal.grammar.utils import escape_special_characters
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob, Override, Transformer
from hydra.core.utils import JobReturn, JobStatus
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState

from hydra_plugins.nnlab_optuna_sweeper import RUN_ATTR, shown
from nnlab.cli.errors import exit_with
from nnlab.paths import REPO_ROOT
from nnlab.run.folder import RunInfo
from nnlab.run.schema import ConfigError
from nnlab.run.sweep import SweepFolder
from nnlab.search import PRUNER_ATTR
from nnlab.track.uri import sqlite_path
from nnlab.train.metrics import higher_is_better, summary_key

# overrides each trial gets from the search (left out of job folder names)
SEARCH_KEYS = ("search.storage", "search.study", "search.trial", "search.prune_every")
# overrides that do not change what a trial measures: not part of the default study name
NEUTRAL_PREFIXES = ("tracking.", "hydra.")
NEUTRAL_KEYS = ("quiet",)
DONE = (TrialState.COMPLETE, TrialState.PRUNED)
RESULTS_FILE = "optimization_results.yaml"


# -- the search space ---------------------------------------------------------------------------


def search_arguments(config: DictConfig) -> list[str]:
    """``hydra.sweeper.params`` as overrides, followed by the command line's task overrides."""
    params = config.hydra.sweeper.get("params") or {}
    return [f"{key}={value}" for key, value in params.items()] + list(config.hydra.overrides.task)


def parse_space(arguments: list[str]) -> tuple[dict[str, BaseDistribution], dict[str, str]]:
    """The search space (key -> distribution) and the fixed overrides (key -> override as
    given) of ``arguments``; for a key given twice, the later wins."""
    space: dict[str, BaseDistribution] = {}
    fixed: dict[str, str] = {}
    for override in OverridesParser.create().parse_overrides(arguments):
        key = override.get_key_element()
        if override.is_sweep_override():
            fixed.pop(key, None)
            space[key] = distribution(override)
        else:
            space.pop(key, None)
            fixed[key] = override.input_line
    return space, fixed


def distribution(override: Override) -> BaseDistribution:
    """The Optuna distribution of a sweep override."""
    value = override.value()
    try:
        if isinstance(value, Glob):
            pass  # options of a config group: not a distribution Optuna can hold
        elif override.is_choice_sweep() or (override.is_range_sweep() and value.shuffle):
            return CategoricalDistribution(
                list(override.sweep_iterator(transformer=Transformer.encode))
            )
        elif override.is_range_sweep():
            values = list(override.sweep_iterator())
            if not values:
                raise ValueError("the range is empty")
            low, high, step = min(values), max(values), abs(value.step)
            if all(isinstance(v, int) for v in values) and isinstance(step, int):
                return IntDistribution(low, high, step=step)
            return FloatDistribution(float(low), float(high), step=float(step))
        elif override.is_interval_sweep():
            log = "log" in value.tags
            if isinstance(value.start, int) and isinstance(value.end, int):
                return IntDistribution(value.start, value.end, log=log)
            return FloatDistribution(float(value.start), float(value.end), log=log)
    except ValueError as error:  # Optuna's: low > high, log of a non-positive bound, ...
        raise ConfigError(f"{override.input_line}: {error}") from error
    raise ConfigError(
        f"{override.input_line}: a search takes interval(...), int(interval(...)), "
        f"tag(log, ...), choice(...), a,b or range(...), not {type(value).__name__}"
    )


def format_value(value) -> str:
    """A sampled value as an override value that parses back to the same value (floats in full
    precision; categorical choices are already encoded for overrides)."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def digest(space: dict[str, BaseDistribution], fixed: dict[str, str]) -> str:
    """A short hash of the search space and of the fixed overrides that change what a trial
    measures (not ``tracking.*`` or ``quiet``)."""
    items = {key: optuna.distributions.distribution_to_json(d) for key, d in space.items()}
    for key, line in fixed.items():
        name = key.lstrip("+~")
        if not name.startswith(NEUTRAL_PREFIXES) and name not in NEUTRAL_KEYS:
            items[key] = line
    text = json.dumps(items, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def study_location(
    config: DictConfig,
    space: dict[str, BaseDistribution] | None = None,
    fixed: dict[str, str] | None = None,
) -> tuple[str, str]:
    """``(storage URL, study name)`` of the search ``config`` describes: the sweeper's
    ``storage`` or ``sqlite:///<repo>/mlruns/optuna.db``; its ``study_name`` or
    ``<tracking.experiment>-<digest>``, so that the same command resumes the same study and a
    changed search space or fixed override starts a new one. ``space`` and ``fixed``:
    ``config``'s, when the caller has parsed them already."""
    sweeper = config.hydra.sweeper
    storage = sweeper.get("storage") or f"sqlite:///{REPO_ROOT / 'mlruns' / 'optuna.db'}"
    name = sweeper.get("study_name")
    if not name:
        if space is None or fixed is None:
            space, fixed = parse_space(search_arguments(config))
        name = f"{config.tracking.experiment}-{digest(space, fixed)}"
    return storage, name


# -- the search ---------------------------------------------------------------------------------


class Search:
    """One invocation of the sweeper: checks everything it can before any trial exists."""

    def __init__(self, sweeper) -> None:
        self.sweeper = sweeper
        self.config = config = sweeper.config
        settings = sweeper.search_settings
        self.quiet = bool(config.get("quiet"))
        self.objective = str(config.objective)
        self.sweep_dir = Path(config.hydra.sweep.dir)
        self.n_trials = _at_least("n_trials", settings["n_trials"], 1)
        self.n_jobs = _at_least("n_jobs", settings["n_jobs"], 1)
        self.space, self.fixed = parse_space(search_arguments(config))
        if not self.space:
            raise ConfigError(
                "hydra.sweeper.params: no search space; give e.g. "
                "optimizer.learning_rate: tag(log, interval(1e-3, 10))"
            )
        direction = settings["direction"] or (
            "maximize" if higher_is_better(self.objective) else "minimize"
        )
        if direction not in ("minimize", "maximize"):
            raise ConfigError(
                f"hydra.sweeper.direction must be minimize or maximize, got {direction}"
            )
        self.direction = direction
        self.sampler_config = OmegaConf.to_container(settings["sampler"], resolve=True)
        self.pruner_config = OmegaConf.to_container(settings["pruner"], resolve=True)
        self.pruner = instantiate(self.pruner_config)  # a bad pruner setting fails here
        nop = isinstance(self.pruner, optuna.pruners.NopPruner)
        self.prune_every = 0 if nop else _at_least("prune_every", settings["prune_every"], 0)
        self.storage, self.study_name = study_location(config, self.space, self.fixed)
        self._check_bounds()

    def _check_bounds(self) -> None:
        """Compose and build the job at the low and at the high end of every parameter (first
        and last choice), so a bound the trainer refuses stops the search before it starts."""
        for end, pick in (("low", 0), ("high", -1)):
            overrides = [
                f"{key}={format_value(_bound(dist, pick))}" for key, dist in self.space.items()
            ]
            self.sweeper.check(overrides + list(self.fixed.values()),
                               f"at the {end} end of the search space")  # fmt: skip

    def run(self) -> None:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        _create_parent(self.storage)
        study = optuna.create_study(
            storage=self.storage,
            study_name=self.study_name,
            direction=self.direction,
            load_if_exists=True,
        )
        if study.direction.name.lower() != self.direction:
            exit_with(
                f"study {self.study_name} in {shown(self.storage)} is to "
                f"{study.direction.name.lower()} its objective, this search to {self.direction}; "
                "choose another hydra.sweeper.study_name",
                2,
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental in some Optuna versions
            study.set_metric_names([self.objective])
        existing = len(study.get_trials(deepcopy=False))
        study.sampler = instantiate(self._sampler_config(existing))
        study.pruner = self.pruner
        done = _count(study, DONE)
        if not self.quiet:
            pruning = (
                f"{type(study.pruner).__name__} every {self.prune_every} epochs"
                if self.prune_every
                else "no pruning"
            )
            print(
                f"search: study {self.study_name} in {shown(self.storage)}: {done} of "
                f"{self.n_trials} trials done; {self.direction} {self.objective}, "
                f"{type(study.sampler).__name__}, {pruning}",
                flush=True,
            )
        self._trials(study)
        self._save_results(study)

    def _sampler_config(self, existing: int) -> dict:
        """The sampler's config; a seeded sampler of a resumed study is seeded ``seed +
        trials so far``, so it does not draw the first run's params again."""
        config = dict(self.sampler_config)
        if config.get("seed") is not None:
            config["seed"] = int(config["seed"]) + existing
        return config

    def _trials(self, study: optuna.Study) -> None:
        sweep = SweepFolder(self.sweep_dir)
        job_num = max((folder.info().job + 1 for folder in sweep.runs()), default=0)
        failed = 0
        while (missing := self.n_trials - _count(study, DONE)) > 0:
            if failed >= self.n_trials:
                print(
                    f"warning: search: stopped after {failed} failed trials in a row; "
                    f"the study holds {self.n_trials - missing} of {self.n_trials} trials",
                    file=sys.stderr,
                    flush=True,
                )
                return
            trials = [study.ask(self.space) for _ in range(min(self.n_jobs, missing))]
            batch = []
            for trial in trials:
                overrides = self._overrides(trial)
                trial.set_user_attr(PRUNER_ATTR, self.pruner_config)
                batch.append(overrides + [self._dirname_override()])
            try:
                returns = self.sweeper.launcher.launch(batch, initial_job_idx=job_num)
            except BaseException:
                for trial in trials:  # interrupted: do not leave them RUNNING in the study
                    study.tell(trial, state=TrialState.FAIL, skip_if_finished=True)
                raise
            # each trial names its MLflow run; the tracker sends the rest while the next trains
            ids = self.sweeper.worker.opened()["runs"] if self.sweeper.worker else {}
            runs = {folder.info().job: folder for folder in sweep.runs()}
            for index, (trial, ret) in enumerate(zip(trials, returns, strict=True)):
                folder = runs.get(job_num + index)
                if folder is not None and ids.get(str(folder.path)):
                    trial.set_user_attr(RUN_ATTR, ids[str(folder.path)])
                info = folder.info() if folder is not None else None
                state, value = outcome(info, ret, self.objective)
                failed = failed + 1 if state == TrialState.FAIL else 0
                if state == TrialState.COMPLETE:
                    study.tell(trial, value)
                else:
                    study.tell(trial, state=state)
            job_num += len(returns)

    def _overrides(self, trial: optuna.trial.Trial) -> list[str]:
        sampled = [f"{key}={format_value(trial.params[key])}" for key in self.space]
        search = [
            f"search.storage={escape_special_characters(self.storage)}",
            f"search.study={escape_special_characters(self.study_name)}",
            f"search.trial={trial.number}",
            f"search.prune_every={self.prune_every}",
        ]
        return sampled + list(self.fixed.values()) + search

    def _dirname_override(self) -> str:
        """Keeps the ``search.*`` overrides (the storage URL holds slashes) out of the job
        folders' names (``hydra.job.override_dirname``)."""
        node = self.config.hydra.job.config.override_dirname
        keys = list(node.exclude_keys or [])
        keys += [key for key in SEARCH_KEYS if key not in keys]
        return f"hydra.job.config.override_dirname.exclude_keys=[{','.join(keys)}]"

    def _save_results(self, study: optuna.Study) -> None:
        counts = {state.name.lower(): _count(study, (state,)) for state in TrialState}
        results: dict = {
            "name": "optuna",
            "study_name": self.study_name,
            "storage": shown(self.storage),
            "direction": self.direction,
            "objective": self.objective,
            "trials": {state: n for state, n in counts.items() if n},
        }
        try:
            best = study.best_trial
        except ValueError:  # no complete trial
            best = None
        if best is not None:
            results.update(
                best_trial=best.number, best_value=best.value, best_params=dict(best.params)
            )
            if RUN_ATTR in best.user_attrs:
                results["best_run_id"] = best.user_attrs[RUN_ATTR]
        self.sweep_dir.mkdir(parents=True, exist_ok=True)
        path = self.sweep_dir / RESULTS_FILE
        OmegaConf.save(OmegaConf.create(results), path)
        if not self.quiet:
            if best is None:
                print(f"search: no trial completed; {path}", flush=True)
            else:
                params = ", ".join(f"{k}={format_value(v)}" for k, v in best.params.items())
                print(
                    f"search: best trial {best.number}, {self.objective}={best.value:.4g}: "
                    f"{params}; {path}",
                    flush=True,
                )


def outcome(info: RunInfo | None, ret: JobReturn, objective: str) -> tuple[TrialState, float]:
    """How a trial ended, from its run's record (or, if the job wrote none, from what the
    launcher returned): ``(state, objective)``."""
    if info is None:
        value = ret._return_value if ret.status == JobStatus.COMPLETED else None
    elif info.outcome == "pruned":
        return TrialState.PRUNED, math.nan
    elif info.status not in ("FINISHED", "SKIPPED"):
        return TrialState.FAIL, math.nan
    else:
        value = info.summary.get(summary_key(objective, "final"))
    try:
        value = float(value)
    except (TypeError, ValueError):
        return TrialState.FAIL, math.nan
    if not math.isfinite(value):
        return TrialState.FAIL, math.nan
    return TrialState.COMPLETE, value


def _bound(dist: BaseDistribution, pick: int):
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[pick]
    return dist.low if pick == 0 else dist.high


def _count(study: optuna.Study, states) -> int:
    return len(study.get_trials(deepcopy=False, states=states))


def _create_parent(storage: str) -> None:
    """The folder of a SQLite storage (SQLite creates the file, not its folder)."""
    path = sqlite_path(storage)
    if path is not None and ":memory:" not in storage:
        path.parent.mkdir(parents=True, exist_ok=True)


def _at_least(name: str, value, low: int) -> int:
    if not isinstance(value, int) or value < low:
        raise ConfigError(f"hydra.sweeper.{name} must be an integer >= {low}, got {value}")
    return value
