"""Which method won, and how sure we can be: runs grouped by task and method and compared with
the interval estimates of ``nnlab.stats`` (rliable's aggregates and probability of improvement,
AlgoPerf's time-to-target).

**Runs.** Trials of a search (``search.trial`` set) are left out: a search explores, it does not
compare. So are runs that did not end (``KILLED``, ``RUNNING``) and pruned ones. A run's score
is the final value of the objective; a ``FAILED`` run, or a non-finite final value, scores
``NaN``, a failure (ranked below every score, see ``nnlab.stats``).

**Groups.** A run's task is its ``dataset.name``. Its method is what tells its config apart from
the others' except ``trainer.seed``: the run's name without its seed and dataset overrides (a
sweep names its runs after the overrides that vary: ``method=adam,trainer.seed=4`` is method
``adam``) when, on every task, those names and the configs minus the seed match one to one;
else the config values that differ between the runs of a task. A method tuned per task (another
learning rate on each) is thus one method on every task. A (task, method) group is analysed
when it holds at least two runs; with none, there is no analysis.

**Per task**, for each method over its runs (seeds): the IQM, mean and median of the scores
with ``confidence`` stratified-bootstrap intervals; epochs-to-target, the first epoch at which
the objective's curve reaches the task's target ``T``, the upper quartile of the final values
of all the task's runs (the lower quartile for an accuracy: three runs in four end at ``T`` or
better, so a typical method reaches it and the epoch says how fast), summarised by its median
over runs with never-reached runs censored (``stats.time_to_target``); the area under the
curve (``stats.area_under_curve``, the time-averaged objective: lower for a loss means
faster), by its IQM and interval; and the ranking by IQM with ``P(A better than B)`` for every
pair (``stats.rank``).

**Several tasks.** Scores are normalised by the best and the worst finished run of their task,
``r = (s - s*) / (s' - s*)`` with ``s*`` the task's best final value and ``s'`` its worst (for a
loss and for an accuracy alike), so ``r = 0`` is the task's best run and ``r = 1`` its worst,
whatever the task's scale, and every task weighs the same. (A ratio to the best, ``s / s*``,
would let a task whose losses span orders of magnitude, a regression fitted well by one method
and barely by another, outweigh the others in every pooled statistic.) Failed runs stay
``NaN``. Methods with the same number of runs on every task are aggregated over tasks
(intervals stratified by task; ``P`` averaged over tasks) with a performance profile
``F(tau)``, the fraction of runs with ``r < tau``.

**Determinism.** Tasks, methods and runs (by seed, then name) are put in a canonical order, so
the result does not depend on the order of the records; each task's bootstraps draw in turn
from one generator made from ``seed`` and the task's name.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnlab import stats
from nnlab.report.labels import name_label, short_key
from nnlab.report.runs import RunRecord
from nnlab.stats import Interval, Profile, Ranking, TimeToTarget
from nnlab.train.metrics import higher_is_better, summary_key

SEED_KEY, TASK_KEY, TRIAL_KEY = "trainer.seed", "dataset.name", "search.trial"
IGNORED_PREFIXES = ("tracking.", "study.", "search.")  # where and how, not what, a run trains
IGNORED_KEYS = ("quiet", "objective", SEED_KEY, TASK_KEY)
ENDED = ("FINISHED", "FAILED")
ALL_TASKS = "all tasks"
ANALYSIS_SEED = 0
MIN_RUNS = 2
PROFILE_POINTS = 205
PROFILE_END = 1.02  # past 1, where the task's worst run counts
TARGET_QUANTILE = 0.75


@dataclass(frozen=True)
class Run:
    name: str
    run_id: str | None
    seed: int | None
    score: float  # the final objective; NaN: failed
    curve: np.ndarray | None  # the objective at every epoch (NaN where not measured)


@dataclass(frozen=True)
class MethodResult:
    method: str
    runs: tuple[Run, ...]
    iqm: Interval
    mean: Interval
    median: Interval
    to_target: TimeToTarget | None  # None: no run has a history
    auc: Interval


@dataclass(frozen=True)
class TaskResult:
    task: str
    target: float  # the objective value epochs-to-target waits for
    methods: list[MethodResult]  # best first
    ranking: Ranking


@dataclass(frozen=True)
class Aggregate:
    """A method over all tasks, on normalised scores ``(runs, tasks)``."""

    method: str
    scores: np.ndarray
    iqm: Interval
    mean: Interval
    median: Interval
    profile: Profile


@dataclass(frozen=True)
class Overall:
    methods: list[Aggregate]  # best first
    ranking: Ranking
    left_out: list[str]  # methods without the same number of runs on every task


@dataclass(frozen=True)
class Analysis:
    objective: str
    higher_is_better: bool
    seed: int
    confidence: float
    n_resamples: int
    tasks: list[TaskResult]
    overall: Overall | None  # with several tasks
    notes: list[str]  # groups left out, and why


def analyse(
    records: Sequence[RunRecord],
    objective: str,
    *,
    seed: int = ANALYSIS_SEED,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> Analysis | None:
    """The analysis of ``records`` by the final ``objective``; ``None`` when no (task, method)
    group has two runs or more."""
    higher = higher_is_better(objective)
    groups, notes = group(records, objective)
    if not groups:
        return None
    kw = {"higher_is_better": higher, "confidence": confidence, "n_resamples": n_resamples}
    tasks = [_task(task, methods, rng=_rng(seed, task), **kw) for task, methods in groups.items()]
    overall = _overall(tasks, rng=_rng(seed, ALL_TASKS), **kw) if len(tasks) > 1 else None
    return Analysis(objective, higher, seed, confidence, n_resamples, tasks, overall, notes)


def group(
    records: Sequence[RunRecord], objective: str
) -> tuple[dict[str, dict[str, list[Run]]], list[str]]:
    """``{task: {method: runs}}`` in canonical order (groups of at least ``MIN_RUNS`` runs), and
    a note for each group left out."""
    kept = [r for r in records if r.status in ENDED and r.outcome != "pruned"
            and r.params.get(TRIAL_KEY, "null") == "null"]  # fmt: skip
    tasks = [r.params.get(TASK_KEY, "") for r in kept]
    found: dict[str, dict[str, list[Run]]] = {}
    for record, task, method in zip(kept, tasks, method_labels(kept, tasks), strict=True):
        found.setdefault(task, {}).setdefault(method, []).append(_run(record, objective))
    groups, notes = {}, []
    for task in sorted(found):
        for method in sorted(found[task]):
            runs = sorted(found[task][method], key=_run_order)
            if len(runs) >= MIN_RUNS:
                groups.setdefault(task, {})[method] = runs
            else:
                where = f" on {task}" if len(found) > 1 else ""
                notes.append(f"{method}{where}: {len(runs)} run, at least {MIN_RUNS} needed")
    return groups, notes


def method_labels(records: Sequence[RunRecord], tasks: Sequence[str]) -> list[str]:
    """Each record's method: its name's label without seed and dataset overrides
    (``nnlab.report.labels``) when the names and the configs (minus the seed) of each task
    match one to one; else the config values that differ within a task, ``key=value`` joined by
    ``, `` (keys shortened as in labels). A key shared by every label alone is left out
    (``method=adam`` -> ``adam``)."""
    names = [name_label(record.name, (SEED_KEY, "dataset", TASK_KEY)) for record in records]
    configs = [_config(record) for record in records]
    if all(names) and _one_to_one(tasks, names, configs):
        return _shortened(names)
    keys: dict[str, None] = {}
    for task in sorted(set(tasks)):
        members = [c for c, t in zip(configs, tasks, strict=True) if t == task]
        for key in dict.fromkeys(k for c in members for k in c):
            if len({c.get(key) for c in members}) > 1:
                keys[key] = None
    labels = [", ".join(f"{short_key(k)}={c[k]}" for k in keys if k in c) or "all runs"
              for c in configs]  # fmt: skip
    return _shortened(labels)


def as_dict(analysis: Analysis) -> dict:
    """The analysis as JSON-ready data (non-finite numbers as ``None``: censored epochs, or
    intervals that cannot be estimated)."""
    result = {
        "objective": analysis.objective,
        "higher_is_better": analysis.higher_is_better,
        "seed": analysis.seed,
        "confidence": analysis.confidence,
        "n_resamples": analysis.n_resamples,
        "tasks": [_task_dict(task) for task in analysis.tasks],
        "notes": analysis.notes,
    }
    overall = analysis.overall
    if overall is not None:
        result["overall"] = {
            "normalisation": "(final - best final of the task) / (worst - best final)",
            "order": overall.ranking.order,
            "methods": {
                m.method: {
                    "scores": _numbers(m.scores.tolist()),
                    **{k: _interval(getattr(m, k)) for k in ("iqm", "mean", "median")},
                    "profile": {
                        "thresholds": _numbers(m.profile.thresholds.tolist()),
                        "fraction": _numbers(m.profile.fraction.tolist()),
                        "low": _numbers(m.profile.low.tolist()),
                        "high": _numbers(m.profile.high.tolist()),
                    },
                }
                for m in overall.methods
            },
            "comparisons": _comparisons(overall.ranking),
            "left_out": overall.left_out,
        }
    return result


# -- computing ----------------------------------------------------------------------------------


def _task(task: str, methods: dict[str, list[Run]], *, higher_is_better: bool, rng,
          confidence: float, n_resamples: int) -> TaskResult:  # fmt: skip
    kw = {"seed": rng, "confidence": confidence, "n_resamples": n_resamples}
    finals = np.array([run.score for runs in methods.values() for run in runs])
    finals = finals[np.isfinite(finals)]
    quantile = 1 - TARGET_QUANTILE if higher_is_better else TARGET_QUANTILE
    target = float(np.quantile(finals, quantile)) if finals.size else math.nan
    scores = {method: np.array([run.score for run in runs]) for method, runs in methods.items()}
    ranking = stats.rank(scores, higher_is_better=higher_is_better, **kw)
    results = []
    for method in ranking.order:
        runs = methods[method]
        curves = [run.curve for run in runs if run.curve is not None]
        to_target = (
            stats.time_to_target(_padded(curves), target, higher_is_better=higher_is_better, **kw)
            if curves else None
        )  # fmt: skip
        results.append(MethodResult(
            method, tuple(runs), ranking.estimates[method],
            stats.interval(scores[method], np.mean, **kw),
            stats.interval(scores[method], np.median, **kw),
            to_target,
            stats.interval([_area(run) for run in runs], stats.iqm, **kw),
        ))  # fmt: skip
    return TaskResult(task, target, results, ranking)


def _overall(tasks: list[TaskResult], *, higher_is_better: bool, rng, confidence: float,
             n_resamples: int) -> Overall:  # fmt: skip
    kw = {"seed": rng, "confidence": confidence, "n_resamples": n_resamples}
    names = sorted({m.method for task in tasks for m in task.methods})
    columns: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for task in tasks:
        finals = np.array([run.score for m in task.methods for run in m.runs])
        finite = finals[np.isfinite(finals)]
        best, worst = (finite.max(), finite.min()) if finite.size else (math.nan, math.nan)
        if not higher_is_better:
            best, worst = worst, best
        for m in task.methods:
            columns[m.method].append(_normalised(np.array([r.score for r in m.runs]), best, worst))
    complete = [n for n in names if len(columns[n]) == len(tasks)
                and len({len(c) for c in columns[n]}) == 1]  # fmt: skip
    normalised = {name: np.column_stack(columns[name]) for name in complete}
    ranking = stats.rank(normalised, higher_is_better=False, **kw)
    tau = np.linspace(0.0, PROFILE_END, PROFILE_POINTS)
    methods = [
        Aggregate(name, normalised[name], ranking.estimates[name],
                  stats.interval(normalised[name], np.mean, **kw),
                  stats.interval(normalised[name], np.median, **kw),
                  stats.performance_profile(normalised[name], tau, higher_is_better=False, **kw))
        for name in ranking.order
    ]  # fmt: skip
    return Overall(methods, ranking, [n for n in names if n not in complete])


def _normalised(scores: np.ndarray, best: float, worst: float) -> np.ndarray:
    """``(s - best) / (worst - best)``: 0 at the task's best run, 1 at its worst (0 for every
    finished run when they all end alike)."""
    span = worst - best
    return (scores - best) / span if span else np.where(np.isnan(scores), np.nan, 0.0)


def _run(record: RunRecord, objective: str) -> Run:
    final = record.summary.get(summary_key(objective, "final"), math.nan)
    failed = record.status != "FINISHED" or final is None or not math.isfinite(final)
    seed = record.params.get(SEED_KEY)
    return Run(
        name=record.name,
        run_id=record.run_id,
        seed=int(seed) if seed is not None and seed.isdigit() else None,
        score=math.nan if failed else float(final),
        curve=_curve(record, objective),
    )


def _curve(record: RunRecord, objective: str) -> np.ndarray | None:
    """The objective indexed by epoch (``NaN`` where not measured); ``None`` without one."""
    history = record.history
    if history is None or objective not in history.metrics or not history.epochs:
        return None
    curve = np.full(max(history.epochs) + 1, np.nan)
    curve[history.epochs] = history.metrics[objective]
    return curve


def _area(run: Run) -> float:
    """The run's area under the curve; ``NaN`` (a failure) for a failed run or without one."""
    if math.isnan(run.score) or run.curve is None:
        return math.nan
    area = stats.area_under_curve(run.curve)
    return area if math.isfinite(area) else math.nan


def _padded(curves: list[np.ndarray]) -> np.ndarray:
    """Curves of different lengths as ``(runs, epochs)``, ``NaN`` after a curve ends."""
    out = np.full((len(curves), max(len(c) for c in curves)), np.nan)
    for row, curve in zip(out, curves, strict=True):
        row[: len(curve)] = curve
    return out


def _run_order(run: Run):
    return (run.seed is None, run.seed or 0, run.name, run.run_id or "")


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, *name.encode()])


# -- method labels ------------------------------------------------------------------------------


def _config(record: RunRecord) -> dict[str, str]:
    return {key: value for key, value in record.params.items()
            if not key.startswith(IGNORED_PREFIXES) and key not in IGNORED_KEYS}  # fmt: skip


def _one_to_one(tasks, names, configs) -> bool:
    pairs = {(t, n, tuple(sorted(c.items()))) for t, n, c in zip(tasks, names, configs,
                                                                 strict=True)}  # fmt: skip
    return len(pairs) == len({(t, n) for t, n, _ in pairs}) == len({(t, c) for t, _, c in pairs})


def _shortened(labels: list[str]) -> list[str]:
    keys = {label.partition("=")[0] if label.count("=") == 1 else None for label in labels}
    if len(keys) == 1 and None not in keys:
        return [label.partition("=")[2] for label in labels]
    return labels


# -- JSON -----------------------------------------------------------------------------------------


def _task_dict(task: TaskResult) -> dict:
    return {
        "task": task.task,
        "target": _number(task.target),
        "order": task.ranking.order,
        "methods": {
            m.method: {
                "runs": [
                    {"name": r.name, "run_id": r.run_id, "seed": r.seed, "score": _number(r.score)}
                    for r in m.runs
                ],
                **{k: _interval(getattr(m, k)) for k in ("iqm", "mean", "median", "auc")},
                "epochs_to_target": None if m.to_target is None else {
                    "median": _number(m.to_target.median),
                    "low": _number(m.to_target.low),
                    "high": _number(m.to_target.high),
                    "reached": _number(m.to_target.reached),
                    "epochs": _numbers(m.to_target.epochs.tolist()),
                },
            }
            for m in task.methods
        },
        "comparisons": _comparisons(task.ranking),
    }  # fmt: skip


def _comparisons(ranking: Ranking) -> list[dict]:
    return [
        {"first": c.first, "second": c.second, "probability": _interval(c.probability),
         "resolved": c.resolved}
        for c in ranking.comparisons
    ]  # fmt: skip


def _interval(found: Interval) -> dict:
    return {"estimate": _number(found.estimate), "low": _number(found.low),
            "high": _number(found.high), "failed": found.n_failed}  # fmt: skip


def _numbers(values) -> list:
    return [_numbers(v) if isinstance(v, list) else _number(v) for v in values]


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None
