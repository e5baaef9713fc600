"""``nnlab.stats`` against independent computations: hand-worked values, SciPy (trimmed mean,
bootstrap, Mann-Whitney U, Kaplan-Meier via ``scipy.stats.ecdf``, trapezoid rule, numerical
integrals for known IQMs), brute force, and Monte Carlo coverage of the intervals on
distributions with known aggregates."""

import math

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy import stats as sps

from nnlab import stats

pytestmark = pytest.mark.filterwarnings("error")  # degenerate inputs must not warn either


# --- point estimates and intervals ------------------------------------------------------------


def test_iqm_is_the_mean_of_the_middle_half():
    assert stats.iqm([1, 2, 3, 4, 5, 6, 7, 100]) == pytest.approx(4.5)  # (3 + 4 + 5 + 6) / 4
    scores = np.array([[8.0, 1.0], [2.0, 7.0], [3.0, 6.0], [-50.0, 4.0]])  # pooled over tasks
    assert stats.interval(scores, seed=0).estimate == pytest.approx((2 + 3 + 4 + 6) / 4)


@pytest.mark.parametrize("shape", [(9,), (10, 3), (4, 1), (7, 2, 5)])
def test_iqm_equals_scipys_trimmed_mean_on_every_axis(shape):
    x = np.random.default_rng(1).normal(size=shape)
    for axis in [None, *range(len(shape))]:
        np.testing.assert_allclose(stats.iqm(x, axis=axis), sps.trim_mean(x, 0.25, axis=axis))
    x[(0,) * len(shape)] = np.nan
    assert np.isnan(stats.iqm(x))
    assert np.isnan(stats.iqm(x, axis=0)[(0,) * (len(shape) - 1)])


def test_intervals_equal_scipys_stratified_percentile_bootstrap():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(8, 3)), rng.normal(0.5, size=(6, 3))

    def pooled_iqm(*tasks, axis):
        return sps.trim_mean(np.concatenate(tasks, axis=axis), 0.25, axis=axis)

    def p_x_beats_y(*runs, axis):
        pairs = zip(runs[:3], runs[3:], strict=True)
        return np.mean([np.mean(u[..., :, None] > v[..., None, :], axis=(-2, -1))
                        for u, v in pairs], axis=0)  # fmt: skip

    for got, samples, statistic in [
        (stats.interval(x, seed=5), list(x.T), pooled_iqm),
        (stats.probability_of_improvement(x, y, higher_is_better=True, seed=5),
         [*x.T, *y.T], p_x_beats_y),
    ]:  # fmt: skip
        expected = sps.bootstrap(samples, statistic, n_resamples=2000, paired=False,
                                 method="percentile", rng=np.random.default_rng(5))  # fmt: skip
        np.testing.assert_allclose((got.low, got.high), expected.confidence_interval, rtol=1e-12)


def test_failed_runs_are_excluded_from_estimates_and_counted():
    scores = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, np.nan], [5.0, 30.0]])
    result = stats.interval(scores, np.mean, seed=0)
    assert result.estimate == pytest.approx((1 + 3 + 5 + 10 + 20 + 30) / 6)
    assert result.n_failed == 2
    assert result.low <= result.estimate <= result.high


def test_the_bootstrap_is_stratified_by_task():
    # each task's runs agree, so resampling runs within a task changes nothing; resampling the
    # pooled scores would move the mean
    scores = np.tile([0.0, 10.0, 20.0], (6, 1))
    result = stats.interval(scores, np.mean, seed=0)
    assert (result.estimate, result.low, result.high) == (10.0, 10.0, 10.0)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (np.full((5, 2), 0.3), (0.3, 0.3, 0.3)),  # all equal: zero width
        (np.array([[0.1, 0.2]]), (0.15, math.nan, math.nan)),  # one run: spread unknown
        (np.array([[0.1, np.nan], [0.2, np.nan]]), (0.15, math.nan, math.nan)),  # a dead task
        (np.array([0.4]), (0.4, math.nan, math.nan)),
    ],
)
def test_degenerate_scores_give_a_documented_interval_without_warnings(scores, expected):
    result = stats.interval(scores, np.mean, seed=0)
    np.testing.assert_allclose((result.estimate, result.low, result.high), expected)


SHIFTS = np.array([0.0, 1.0, 2.0, 3.0])  # four tasks, each with its own location


def _mixture_quantile(u, dists):
    return optimize.brentq(lambda q: np.mean([d.cdf(q) for d in dists]) - u, -50, 50)


def _normal_scores(rng):
    return rng.normal(SHIFTS, 1.0, size=(10, 4))


def _exponential_scores(rng):
    return SHIFTS / 2 + rng.exponential(1.0, size=(10, 4))


NORMALS = [sps.norm(m, 1.0) for m in SHIFTS]
EXPONENTIALS = [sps.expon(m / 2) for m in SHIFTS]


def _true_iqm(dists):
    """IQM of the equal mixture of ``dists``: 2 * integral_{q(1/4)}^{q(3/4)} x f(x) dx."""
    low, high = _mixture_quantile(0.25, dists), _mixture_quantile(0.75, dists)
    return 2 * integrate.quad(lambda x: x * np.mean([d.pdf(x) for d in dists]), low, high)[0]


# the pooled population's aggregates: the mean of the task means, the median and IQM of the
# mixture (computed in the test, so that only the tests that run pay for them)
@pytest.mark.parametrize(
    ("statistic", "draw", "truth"),
    [
        pytest.param(np.mean, _normal_scores, lambda: SHIFTS.mean(), id="mean"),
        pytest.param(
            np.median,
            _normal_scores,
            lambda: _mixture_quantile(0.5, NORMALS),
            id="median",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            stats.iqm,
            _exponential_scores,
            lambda: _true_iqm(EXPONENTIALS),
            id="iqm",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_95_percent_intervals_cover_the_truth_at_about_the_nominal_rate(statistic, draw, truth):
    """400 data sets of 10 runs x 4 tasks. The binomial standard error of the coverage is
    sqrt(0.93 * 0.07 / 400) = 0.013. The percentile bootstrap undercovers at 10 runs per task
    (it uses the plug-in variance, (n - 1) / n of the unbiased one: for the mean about 0.937 at a
    z cut-off of 1.96 sqrt(0.9)); a 4000-set pilot gave 0.931 (mean), 0.927 (median) and 0.926
    (IQM). So we accept about [0.95 - 0.025 - 3 SE, 0.95 + 2 SE] = [0.885, 0.975]: a 90%
    interval (~0.88) or a bootstrap that ignores the tasks (pilot: 0.98-0.995) fails it."""
    truth = truth()
    rng = np.random.default_rng(2024)
    hits = 0
    for _ in range(400):
        result = stats.interval(draw(rng), statistic, seed=rng, n_resamples=1000)
        hits += result.low <= truth <= result.high
    assert 0.885 <= hits / 400 <= 0.975


def test_true_aggregates_of_the_coverage_populations():
    # the exponential IQM in closed form, and the normal mixture's median by symmetry
    a, b = math.log(4 / 3), math.log(4)
    closed = 2 * ((a + 1) * 3 / 4 - (b + 1) / 4)  # 2 * integral_a^b x e^-x dx
    assert _true_iqm([sps.expon()]) == pytest.approx(closed, rel=1e-6)
    assert _true_iqm([sps.expon(1.0)]) == pytest.approx(closed + 1.0, rel=1e-6)
    assert _mixture_quantile(0.5, NORMALS) == pytest.approx(1.5, abs=1e-6)


# --- probability of improvement ---------------------------------------------------------------


def test_probability_of_improvement_is_mann_whitney_u_over_nm_with_ties():
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 4, size=7).astype(float), rng.integers(0, 4, size=5).astype(float)
    higher = stats.probability_of_improvement(x, y, higher_is_better=True, seed=0)
    lower = stats.probability_of_improvement(x, y, higher_is_better=False, seed=0)
    assert higher.estimate == pytest.approx(sps.mannwhitneyu(x, y).statistic / 35)
    assert lower.estimate == pytest.approx(sps.mannwhitneyu(y, x).statistic / 35)


def test_probability_of_improvement_averages_over_tasks():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 3)), rng.normal(0.5, size=(4, 3))
    expected = np.mean([sps.mannwhitneyu(x[:, j], y[:, j]).statistic / 24 for j in range(3)])
    result = stats.probability_of_improvement(x, y, higher_is_better=True, seed=0)
    assert result.estimate == pytest.approx(expected)
    assert result.low < result.estimate < result.high


def test_probability_of_improvement_of_identical_samples_is_one_half():
    x = np.random.default_rng(3).normal(size=(8, 2))
    result = stats.probability_of_improvement(x, x.copy(), higher_is_better=True, seed=0)
    assert result.estimate == 0.5
    assert result.low < 0.5 < result.high


def test_failed_runs_lose_to_every_score_and_tie_with_each_other():
    x, y = np.array([np.nan, 1.0]), np.array([0.0, np.nan])
    # pairs (x, y): (nan, 0) 0, (nan, nan) 1/2, (1, 0) 1, (1, nan) 1
    for higher, xs, ys in [(True, x, y), (False, -x, -y)]:
        result = stats.probability_of_improvement(xs, ys, higher_is_better=higher, seed=0)
        assert result.estimate == pytest.approx(2.5 / 4)
        assert result.n_failed == 2


# --- ranking ----------------------------------------------------------------------------------


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_ranking_resolves_separated_methods_and_not_identical_ones(higher_is_better):
    rng = np.random.default_rng(4)
    sign = 1.0 if higher_is_better else -1.0
    scores = {
        "a": sign * rng.normal(0.0, 1.0, size=(10, 2)),
        "b": sign * rng.normal(3.0, 1.0, size=(10, 2)),
        "c": sign * rng.normal(0.0, 1.0, size=(10, 2)),
    }
    ranking = stats.rank(scores, higher_is_better=higher_is_better, seed=0)
    assert ranking.order[0] == "b"
    assert set(ranking.order[1:]) == {"a", "c"}
    first, second = ranking.order[1:]
    assert [str(c) for c in ranking.comparisons] == [
        f"b > {first} (resolved)",
        f"b > {second} (resolved)",
        f"{first} ~ {second} (not resolved)",
    ]
    assert [c.resolved for c in ranking.comparisons] == [True, True, False]
    assert ranking.estimates["b"].estimate == pytest.approx(sps.trim_mean(scores["b"], 0.25, None))


# --- performance profiles ---------------------------------------------------------------------


def test_performance_profile_against_a_hand_count():
    scores = np.array([[0.1, 0.5], [0.4, np.nan], [0.9, 0.6]])  # 6 scores, one failed
    taus = [0.0, 0.45, 0.6, 1.0]
    higher = stats.performance_profile(scores, taus, higher_is_better=True, seed=0)
    # > 0.0: five finite; > 0.45: 0.5, 0.6, 0.9; > 0.6: 0.9; > 1.0: none
    np.testing.assert_allclose(higher.fraction, [5 / 6, 3 / 6, 1 / 6, 0])
    lower = stats.performance_profile(scores, taus, higher_is_better=False, seed=0)
    # < 0.0: none; < 0.45: 0.1, 0.4; < 0.6: 0.1, 0.4, 0.5; < 1.0: five finite
    np.testing.assert_allclose(lower.fraction, [0, 2 / 6, 3 / 6, 5 / 6])
    for profile in (higher, lower):
        assert np.all(profile.low <= profile.fraction)
        assert np.all(profile.fraction <= profile.high)


def test_performance_profile_bands_are_stratified():
    scores = np.tile([1.0, 2.0, 3.0], (5, 1))  # runs agree within each task
    profile = stats.performance_profile(scores, [1.5, 2.5], higher_is_better=True, seed=0)
    np.testing.assert_allclose(profile.fraction, [2 / 3, 1 / 3])
    np.testing.assert_allclose(profile.low, profile.fraction)
    np.testing.assert_allclose(profile.high, profile.fraction)


# --- epochs to target and area under the curve ------------------------------------------------


@pytest.mark.parametrize(
    ("curve", "target", "higher", "expected"),
    [
        ([0.9, 0.7, 0.5, 0.4, 0.3], 0.5, False, 2),  # reached exactly at epoch 2
        ([0.9, np.nan, np.nan, 0.45, 0.3], 0.5, False, 3),  # unmeasured epochs skipped
        ([0.9, 0.8, 0.7], 0.5, False, math.inf),  # never: censored
        ([0.1, 0.3, np.nan, 0.8, 0.9], 0.8, True, 3),
        ([0.1, 0.3, 0.2], 0.8, True, math.inf),
        ([np.nan, np.nan], 0.8, True, math.inf),
    ],
)
def test_epochs_to_target(curve, target, higher, expected):
    assert stats.epochs_to_target(curve, target, higher_is_better=higher) == expected


def _curves_reaching_at(epochs, horizon):
    """Loss curves at 1 that drop to 0.5 at the given epochs (``None``: never)."""
    curves = np.ones((len(epochs), horizon))
    for run, epoch in enumerate(epochs):
        if epoch is not None:
            curves[run, epoch:] = 0.5
    return curves


def _kaplan_meier_median(epochs, horizon):
    """The smallest t with S(t) <= 1/2 on SciPy's Kaplan-Meier estimate, the never-reached runs
    censored at the last epoch; on a plateau at exactly 1/2, its midpoint (inf if unending)."""
    data = sps.CensoredData(
        uncensored=[e for e in epochs if e is not None],
        right=[horizon - 1] * sum(e is None for e in epochs),
    )
    sf = sps.ecdf(data).sf
    times, survival = sf.quantiles, sf.probabilities
    at_most_half = np.flatnonzero((survival < 0.5) | np.isclose(survival, 0.5))
    if at_most_half.size == 0:
        return math.inf
    first = at_most_half[0]
    if not np.isclose(survival[first], 0.5):
        return times[first]
    below = np.flatnonzero((survival < 0.5) & ~np.isclose(survival, 0.5))
    return (times[first] + times[below[0]]) / 2 if below.size else math.inf


@pytest.mark.parametrize(
    ("epochs", "median"),
    [
        ([3, 1, 7, None, 5], 5.0),  # one censored: the middle of 1, 3, 5, 7, inf
        ([3, None, 7, None, 5], 7.0),  # two of five censored
        ([3, None, None, None, 5], math.inf),  # more than half censored
        ([2, 4, 6, None], 5.0),  # even: the plateau S = 1/2 on [4, 6) gives its midpoint
        ([2, 4, None, None], math.inf),  # exactly half censored: the plateau never ends
    ],
)
def test_median_epochs_to_target_is_the_kaplan_meier_median(epochs, median):
    curves = _curves_reaching_at(epochs, horizon=10)
    result = stats.time_to_target(curves, 0.5, higher_is_better=False, seed=0)
    assert result.median == median == _kaplan_meier_median(epochs, horizon=10)
    assert result.reached == pytest.approx(np.mean([e is not None for e in epochs]))
    np.testing.assert_array_equal(result.epochs, [math.inf if e is None else e for e in epochs])
    assert result.low <= result.median <= result.high


def test_time_to_target_for_accuracies_and_an_unbounded_interval():
    epochs = [1, 2, None, 3, None, 4, None]
    curves = 1 - _curves_reaching_at(epochs, horizon=6)  # accuracy 0 -> 0.5
    result = stats.time_to_target(curves, 0.5, higher_is_better=True, seed=0, n_resamples=500)
    assert result.median == 4.0
    assert result.reached == pytest.approx(4 / 7)
    assert result.high == math.inf  # with three of seven censored, many resamples have no median
    assert 1.0 <= result.low <= 4.0


def test_area_under_the_curve_over_measured_epochs():
    # (1 + 3) / 2 * 2 + (3 + 5) / 2 * 2 = 12 over a span of 4
    assert stats.area_under_curve([1.0, np.nan, 3.0, np.nan, 5.0]) == pytest.approx(3.0)
    # epochs 0, 3, 4: (4 + 1) / 2 * 3 + (1 + 0) / 2 = 8 over 4
    assert stats.area_under_curve([4.0, np.nan, np.nan, 1.0, 0.0]) == pytest.approx(2.0)
    assert stats.area_under_curve([np.nan, 2.0, 4.0, np.nan]) == pytest.approx(3.0)
    assert stats.area_under_curve([np.nan, 0.7, np.nan]) == pytest.approx(0.7)
    assert math.isnan(stats.area_under_curve([np.nan, np.nan]))
    curve = np.random.default_rng(3).normal(size=50)
    curve[[0, 7, 8, 30]] = np.nan
    epochs = np.flatnonzero(~np.isnan(curve))
    span = epochs[-1] - epochs[0]
    expected = integrate.trapezoid(curve[epochs], epochs) / span
    assert stats.area_under_curve(curve) == pytest.approx(expected, rel=1e-12)


# --- determinism ------------------------------------------------------------------------------


def _all_intervals(seed):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    curves = _curves_reaching_at([1, 2, 3, 4, None, 6, 7], horizon=9)
    iv = stats.interval(x, seed=seed)
    poi = stats.probability_of_improvement(x, y, higher_is_better=True, seed=seed)
    profile = stats.performance_profile(x, [0.0, 0.5], higher_is_better=True, seed=seed)
    ttt = stats.time_to_target(curves, 0.5, higher_is_better=False, seed=seed, n_resamples=50)
    return [iv.low, iv.high, poi.low, poi.high, *profile.low, *profile.high, ttt.low, ttt.high]


def test_intervals_are_a_function_of_the_seed():
    assert _all_intervals(7) == _all_intervals(7)
    x = np.random.default_rng(6).normal(size=(8, 3))
    assert stats.interval(x, seed=7) == stats.interval(x, seed=np.random.default_rng(7))
    assert _all_intervals(7) != _all_intervals(8)
    with pytest.raises(TypeError, match="seed"):
        stats.interval([1.0, 2.0], seed=None)
