"""Which method won, and how sure are we: aggregate scores with stratified-bootstrap intervals,
probability of improvement, performance profiles (rliable: Agarwal et al., 2021, "Deep RL at the
edge of the statistical precipice") and epochs-to-target (AlgoPerf).

A method's scores are an array ``(runs, tasks)``, or ``(runs,)`` for one task. ``NaN`` marks a
failed run: point estimates and their intervals exclude it and count it (``Interval.n_failed``);
probability of improvement and performance profiles rank it as the worst possible score.
Statistics are ``f(x, axis)`` reductions of NaN-free scores: ``np.mean``, ``np.median`` or
``iqm``. Intervals are percentile bootstraps that resample runs independently within each task
(stratified), as rliable does. Randomness comes only from ``seed`` (an ``int`` or a
``numpy.random.Generator``), so every result is a function of its arguments.

Everything here is NumPy: ``scipy.stats`` would do the trimmed mean and the bootstrap, but
importing it costs about 0.9 s of CPU, several times the training of a 1,000-epoch job, in every
sweep's report. The results equal SciPy's (``tests/test_stats.py`` checks them against it).
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike

Statistic = Callable[..., np.ndarray]  # f(x, axis=...) reducing NaN-free scores along axis


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval ``[low, high]`` (``nan`` when it cannot be
    estimated) and the number of failed (``NaN``) scores in the data."""

    estimate: float
    low: float
    high: float
    n_failed: int = 0


def iqm(x: ArrayLike, axis: int | None = None) -> np.ndarray:
    """Interquartile mean: the mean of the middle 50% of ``x`` along ``axis`` (all values when
    ``None``), ``scipy.stats.trim_mean(x, 0.25)``: with ``x`` sorted and ``k = floor(n / 4)``,
    ``IQM = (1 / (n - 2k)) * sum_{i=k}^{n-k-1} x_(i)``. ``NaN`` propagates."""
    a = np.asarray(x, dtype=float)
    if axis is None:
        a, axis = a.ravel(), 0
    n = a.shape[axis]
    k = n // 4
    middle = np.take(np.sort(a, axis=axis), np.arange(k, n - k), axis=axis)
    return np.where(np.isnan(a).any(axis=axis), np.nan, np.mean(middle, axis=axis))


def interval(
    scores: ArrayLike,
    statistic: Statistic = iqm,
    *,
    seed: int | np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> Interval:
    """``statistic`` of all non-NaN scores pooled over runs x tasks, with a stratified bootstrap
    interval: each resample draws, for every task ``j``, ``n_j`` runs with replacement from that
    task's ``n_j`` non-NaN runs and applies ``statistic`` to the pooled resample; ``[low, high]``
    are the ``(1 -+ confidence) / 2`` quantiles of the resampled statistics (percentile method).
    This is ``scipy.stats.bootstrap`` with each task as a separate sample and ``paired=False``.

    With equal run counts, ``np.mean`` is the mean over tasks of per-task means and ``iqm`` is
    rliable's IQM; ``np.median`` is the median of all scores (rliable's "median" is the median
    over tasks of per-task means instead). ``NaN`` scores are excluded and counted in
    ``n_failed``. A task with fewer than two non-NaN runs leaves the run-to-run spread unknown:
    the interval is then ``(nan, nan)``; equal scores give a zero-width interval."""
    x = _as_scores(scores)
    columns = [column[~np.isnan(column)] for column in x.T]
    pooled = np.concatenate(columns)

    def pooled_statistic(*samples: np.ndarray, axis: int) -> np.ndarray:
        return statistic(np.concatenate(samples, axis=axis), axis=axis)

    estimate = float(statistic(pooled, axis=-1)) if pooled.size else math.nan
    low, high = _bootstrap(columns, pooled_statistic, seed, confidence, n_resamples)
    return Interval(estimate, float(low), float(high), x.size - pooled.size)


def probability_of_improvement(
    x: ArrayLike,
    y: ArrayLike,
    *,
    higher_is_better: bool,
    seed: int | np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> Interval:
    """``P(X > Y)``: the probability that a run of method ``x`` beats a run of ``y`` on a task,
    averaged over tasks. For task ``j`` with runs ``x_1..x_n`` and ``y_1..y_m``,
    ``P_j = (1 / (n m)) * sum_{i,k} S(x_i, y_k)`` with ``S = 1`` if ``x_i`` is better, ``1/2`` on
    a tie and ``0`` otherwise, i.e. the Mann-Whitney ``U`` of ``x`` over ``y`` divided by
    ``n m``; ``P = mean_j P_j``. Failed (``NaN``) runs are worse than any score and tie with each
    other. The interval is the stratified percentile bootstrap of ``P`` (``scipy.stats.bootstrap``
    resampling the runs of both methods independently within each task); ``(nan, nan)`` if a
    task has fewer than two runs of either method. ``x`` and ``y`` need the same tasks."""
    a, b = _as_scores(x), _as_scores(y)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"x has {a.shape[1]} tasks and y {b.shape[1]}")
    tasks = a.shape[1]
    samples = [*_oriented(a, higher_is_better).T, *_oriented(b, higher_is_better).T]

    def probability(*runs: np.ndarray, axis: int) -> np.ndarray:  # axis: always -1 here
        per_task = []
        for u, v in zip(runs[:tasks], runs[tasks:], strict=True):
            u, v = u[..., :, None], v[..., None, :]
            per_task.append(np.mean((u > v) + 0.5 * (u == v), axis=(-2, -1)))
        return np.mean(per_task, axis=0)

    low, high = _bootstrap(samples, probability, seed, confidence, n_resamples)
    failed = int(np.isnan(a).sum() + np.isnan(b).sum())
    return Interval(float(probability(*samples, axis=-1)), float(low), float(high), failed)


@dataclass(frozen=True)
class Comparison:
    """``first`` is ranked above ``second`` by the point estimate; ``probability`` is
    ``P(first > second)``. The difference is resolved when its interval excludes 1/2."""

    first: str
    second: str
    probability: Interval

    @property
    def resolved(self) -> bool:
        return self.probability.low > 0.5 or self.probability.high < 0.5

    def __str__(self) -> str:
        if self.probability.high < 0.5:  # resolved against the point estimates' order
            return f"{self.second} > {self.first} (resolved)"
        if self.resolved:
            return f"{self.first} > {self.second} (resolved)"
        return f"{self.first} ~ {self.second} (not resolved)"


@dataclass(frozen=True)
class Ranking:
    """Methods best first, each one's estimate, and a ``Comparison`` for every pair (in the
    order ``(order[i], order[j])``, ``i < j``)."""

    order: list[str]
    estimates: dict[str, Interval]
    comparisons: list[Comparison]


def rank(
    scores: Mapping[str, ArrayLike],
    *,
    higher_is_better: bool,
    seed: int | np.random.Generator,
    statistic: Statistic = iqm,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> Ranking:
    """Order methods by ``interval(scores, statistic)`` (best first; methods whose estimate is
    ``nan`` last) and compare every pair with ``probability_of_improvement``: ``A > B
    (resolved)`` when the interval of ``P(A > B)`` lies above 1/2, ``A ~ B (not resolved)`` when
    it contains 1/2. All bootstraps draw in turn from one generator made from ``seed``."""
    rng = _rng(seed)
    kw = {"seed": rng, "confidence": confidence, "n_resamples": n_resamples}
    estimates = {name: interval(s, statistic, **kw) for name, s in scores.items()}
    sign = 1.0 if higher_is_better else -1.0
    order = sorted(
        estimates,
        key=lambda n: (math.isnan(estimates[n].estimate), -sign * estimates[n].estimate),
    )
    comparisons = [
        Comparison(
            a,
            b,
            probability_of_improvement(
                scores[a], scores[b], higher_is_better=higher_is_better, **kw
            ),
        )
        for a, b in combinations(order, 2)
    ]
    return Ranking(order, estimates, comparisons)


@dataclass(frozen=True)
class Profile:
    """A performance profile: ``fraction[k]`` of runs beyond ``thresholds[k]``, with the
    interval ``[low[k], high[k]]``."""

    thresholds: np.ndarray
    fraction: np.ndarray
    low: np.ndarray
    high: np.ndarray


def performance_profile(
    scores: ArrayLike,
    thresholds: ArrayLike,
    *,
    higher_is_better: bool,
    seed: int | np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> Profile:
    """rliable's run-score distribution: for each threshold ``tau``,
    ``F(tau) = (1 / N) * sum_{runs, tasks} 1[score > tau]`` (``score < tau`` when lower is
    better) over all ``N = runs x tasks`` scores; a failed (``NaN``) run never counts as beyond
    ``tau`` but stays in ``N``. The bands are the pointwise stratified percentile bootstrap
    (``scipy.stats.bootstrap``, runs resampled within each task); ``nan`` if a task has fewer
    than two runs."""
    tau = np.asarray(thresholds, dtype=float)
    oriented_tau = tau if higher_is_better else -tau
    columns = list(_oriented(_as_scores(scores), higher_is_better).T)

    def fraction(*samples: np.ndarray, axis: int) -> np.ndarray:  # -> (thresholds, batch...)
        beyond = np.concatenate(samples, axis=axis)[..., None, :] > oriented_tau[:, None]
        return np.moveaxis(np.mean(beyond, axis=-1), -1, 0)

    low, high = _bootstrap(columns, fraction, seed, confidence, n_resamples, tau.shape)
    return Profile(tau, fraction(*columns, axis=-1), low, high)


def epochs_to_target(curve: ArrayLike, target: float, *, higher_is_better: bool) -> float:
    """The first epoch ``e`` (the index into ``curve``, epochs counted from 0) with
    ``curve[e] >= target`` (``<= target`` when lower is better); unmeasured (``NaN``) epochs are
    skipped. A run that never reaches the target is censored: ``math.inf``."""
    c = np.asarray(curve, dtype=float)
    hit = c >= target if higher_is_better else c <= target
    return float(np.argmax(hit)) if hit.any() else math.inf


@dataclass(frozen=True)
class TimeToTarget:
    """Median epochs-to-target over runs with its interval (either may be ``inf``), the
    fraction of runs that reached the target and each run's epochs (``inf``: censored)."""

    median: float
    low: float
    high: float
    reached: float
    epochs: np.ndarray


def time_to_target(
    curves: ArrayLike,
    target: float,
    *,
    higher_is_better: bool,
    seed: int | np.random.Generator,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> TimeToTarget:
    """Epochs-to-target of each run of ``curves`` ``(runs, epochs)``, summarised by the sample
    median with never-reached runs counted as ``+inf``. Every censored run is censored at the
    common horizon, after every observed hit (type I censoring), so the Kaplan-Meier survival
    ``S(t) = 1 - #{hits <= t} / n`` is the empirical one and this median is the Kaplan-Meier
    median (with the convention that a plateau at ``S = 1/2`` gives its midpoint): ``inf`` when
    half the runs or more never reach the target. The interval is a percentile bootstrap over
    runs, written here because ``scipy.stats.bootstrap`` interpolates quantiles (``inf - inf``):
    medians of ``n_resamples`` resamples, their ``(1 -+ confidence) / 2`` quantiles by the
    inverted empirical CDF (no interpolation); ``(nan, nan)`` for fewer than two runs."""
    c = np.asarray(curves, dtype=float)
    if c.ndim != 2:
        raise ValueError(f"curves must be (runs, epochs), got shape {c.shape}")
    rng = _rng(seed)
    t = np.array([epochs_to_target(run, target, higher_is_better=higher_is_better) for run in c])
    low = high = math.nan
    if t.size >= 2:
        resampled = t[rng.integers(0, t.size, size=(n_resamples, t.size))]
        quantiles = [(1 - confidence) / 2, (1 + confidence) / 2]
        low, high = np.quantile(np.median(resampled, axis=1), quantiles, method="inverted_cdf")
    reached = float(np.isfinite(t).mean()) if t.size else math.nan
    median = float(np.median(t)) if t.size else math.nan
    return TimeToTarget(median, float(low), float(high), reached, t)


def area_under_curve(curve: ArrayLike) -> float:
    """The time-average of a per-epoch curve over its measured (non-NaN) epochs
    ``e_0 < ... < e_K``: ``(1 / (e_K - e_0)) * integral_{e_0}^{e_K} c(e) de`` with ``c`` linear
    between measured epochs (the trapezoid rule,
    ``sum_k (e_{k+1} - e_k) * (c(e_k) + c(e_{k+1})) / 2``); the value itself for one measured
    epoch, ``nan`` for none. Curves on the same epochs compare convergence speed: a lower area
    for a loss, a higher one for an accuracy, means faster."""
    c = np.asarray(curve, dtype=float)
    epochs = np.flatnonzero(~np.isnan(c))
    if epochs.size < 2:
        return float(c[epochs[0]]) if epochs.size else math.nan
    values = c[epochs]
    area = np.sum(np.diff(epochs) * (values[1:] + values[:-1]) / 2)
    return float(area / (epochs[-1] - epochs[0]))


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    if seed is None:  # default_rng(None) would draw fresh entropy
        raise TypeError("seed must be an int or a numpy.random.Generator, not None")
    return np.random.default_rng(seed)  # a Generator is returned as is


def _as_scores(scores: ArrayLike) -> np.ndarray:
    x = np.asarray(scores, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    if x.ndim != 2:
        raise ValueError(f"scores must be (runs, tasks) or (runs,), got shape {x.shape}")
    return x


def _oriented(x: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Scores turned higher-is-better, failed (``NaN``) runs as ``-inf``."""
    return np.nan_to_num(x if higher_is_better else -x, nan=-np.inf, posinf=np.inf, neginf=-np.inf)


def _bootstrap(samples, statistic, seed, confidence, n_resamples, shape=()):
    """Percentile-bootstrap interval of ``statistic(*samples, axis=-1)`` (of this ``shape``),
    resampling each sample independently; ``nan`` if any sample has fewer than two values.

    Resample ``b`` draws, for each sample ``s`` of ``n`` values in turn, the indices
    ``i_b ~ U{0..n-1}^n`` and takes ``s[i_b]``; ``theta_b = statistic(resample b)``;
    ``[low, high]`` are the linearly interpolated ``alpha`` and ``1 - alpha`` quantiles of the
    ``theta_b``, ``alpha = (1 - confidence) / 2``. These are ``scipy.stats.bootstrap``'s draws
    and quantiles (``method="percentile"``, ``paired=False``): the same ``rng`` gives the same
    interval."""
    rng = _rng(seed)
    if min(len(s) for s in samples) < 2:
        return np.full(shape, np.nan), np.full(shape, np.nan)
    resamples = [s[rng.integers(0, len(s), (n_resamples, len(s)))] for s in samples]
    theta = statistic(*resamples, axis=-1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(theta, [alpha, 1 - alpha], axis=-1)
    return low, high
