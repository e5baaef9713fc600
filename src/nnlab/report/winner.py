"""The report's "Which method won" section, from ``nnlab.report.analysis``: tables of each
method's estimates with their intervals, the matrix of probabilities of improvement, a verdict in
plain words, figures (the intervals; performance profiles when there are several tasks),
``analysis.json``, and a few lines for the console at the end of a sweep.

A verdict walks the ranking best first. The leader "is best" when its probability of beating
every other method has an interval above 1/2, and the probability against the runner-up is
quoted; then each method is compared with the next: "A beats B" when the interval of
``P(A better than B)`` excludes 1/2 (on either side: then the one the interval favours beats the
other), "A and B cannot be separated" when it contains 1/2.
"""

import json
import math
from collections.abc import Sequence
from pathlib import Path

from nnlab.report.analysis import ALL_TASKS, Analysis, as_dict
from nnlab.report.text import markdown, number
from nnlab.stats import Comparison, Interval, Ranking, TimeToTarget
from nnlab.viz.colors import assign
from nnlab.viz.intervals import Estimate, Panel, ProfileCurve, interval_grid, profile_figure

JSON = "analysis.json"
INTERVALS = "analysis_intervals.png"
PROFILE = "analysis_profile.png"
NORMALISED = "normalised"  # how normalised scores are printed (text.number: 4 digits)
STATISTICS = (("iqm", "IQM"), ("mean", "mean"), ("median", "median"))


def write_analysis(found: Analysis | None, folder: Path) -> list[str]:
    """Write the analysis ``found`` (``analysis.analyse``) as ``analysis.json`` and figures
    into ``folder``; the section's Markdown lines, preceded by a blank line (none, and no
    files, when there was nothing to analyse)."""
    for name in (JSON, INTERVALS, PROFILE):  # from an earlier report into this folder
        (folder / name).unlink(missing_ok=True)
    if found is None:
        return []
    (folder / JSON).write_text(json.dumps(as_dict(found), indent=1, allow_nan=False) + "\n")
    figures = _figures(found, folder)
    return ["", *section(found, figures)]


def section(analysis: Analysis, figures: Sequence[str] = ()) -> list[str]:
    """The Markdown lines of the section; ``figures`` are image files beside the report."""
    objective, symbol = analysis.objective, _symbol(analysis)
    percent = f"{analysis.confidence:.0%}"
    better = "higher" if analysis.higher_is_better else "lower"
    lines = [
        "## Which method won",
        "",
        f"The final {objective} of each method's runs (seeds): interquartile mean (IQM), mean "
        f"and median with {percent} stratified-bootstrap confidence intervals "
        f"({analysis.n_resamples} resamples, seed {analysis.seed}). "
        f"P(A {symbol} B) is the probability that a run of A ends with a {better} {objective} "
        "than a run of B; a difference is resolved when its interval excludes 0.5. "
        f"Epochs to target: the median over runs of the first epoch at which {objective} "
        "reaches the target (the final value three in four of the task's runs end at or "
        "better: its upper quartile for a loss), with its interval "
        "and the share of runs that reached it; runs that never do are censored (`never`). "
        f"AUC: the IQM of the time-averaged {objective} curve ({better} is faster). "
        f"All numbers: [{JSON}]({JSON}).",
        "",
    ]
    several = analysis.overall is not None
    if several:
        lines += [f"**Verdict over all tasks.** {verdict(analysis.overall.ranking, symbol)}", ""]
    for task in analysis.tasks:
        where = f" on {task.task}" if several else ""
        if several:
            lines += [f"### {task.task}", ""]
        lines += [f"**Verdict{where}.** {verdict(task.ranking, symbol)}", ""]
        target = f"epochs to {number(objective, task.target)}"
        table = [["method", "n", "IQM", "mean", "median", target, "AUC"]]
        for m in task.methods:
            cells = [m.method, _count(len(m.runs), m.mean)]
            cells += [_interval(objective, getattr(m, key)) for key, _ in STATISTICS]
            cells += [_epochs(m.to_target), _interval(objective, m.auc)]
            table.append(cells)
        lines += markdown(table) + [""]
        lines += _matrix(task.ranking, symbol) + [""]
    if several:
        lines += _overall_lines(analysis, symbol)
    for name in figures:
        lines += [f"![{name}]({name})", ""]
    lines += [f"- {note}" for note in analysis.notes]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def console_lines(analysis: Analysis) -> list[str]:
    """A few lines for the end of a sweep: each method's IQM with its interval and the verdict
    (over all tasks, on normalised scores, and a verdict per task when there are several)."""
    symbol, percent = _symbol(analysis), f"{analysis.confidence:.0%}"
    overall = analysis.overall
    if overall is None:
        (task,) = analysis.tasks
        head = f"which method won: final {analysis.objective}, IQM [{percent} CI] over seeds"
        rows = [(m.method, _interval(analysis.objective, m.iqm)) for m in task.methods]
        tail = [f"  {verdict(task.ranking, symbol)}"]
    else:
        head = (f"which method won: final {analysis.objective} normalised per task (0: its "
                f"best run, 1: its worst), IQM [{percent} CI] over seeds and tasks")  # fmt: skip
        rows = [(m.method, _interval(NORMALISED, m.iqm)) for m in overall.methods]
        tail = [f"  all tasks: {verdict(overall.ranking, symbol)}"]
        tail += [f"  {task.task}: {verdict(task.ranking, symbol)}" for task in analysis.tasks]
    width = max((len(method) for method, _ in rows), default=0)
    return [head, *(f"  {method:<{width}}  {text}" for method, text in rows), *tail]


def verdict(ranking: Ranking, symbol: str) -> str:
    """The ranking in plain words (see the module's docstring)."""
    order = ranking.order
    if len(order) < 2:
        return f"{order[0]} alone: no other method to compare it with." if order else "no runs."
    pairs = {(c.first, c.second): c for c in ranking.comparisons}
    leader = order[0]
    behind = [pairs[(leader, other)] for other in order[1:]]
    if all(c.probability.low > 0.5 for c in behind):
        parts = [f"{leader} is best: {_probability(behind[0], symbol)}"]
    else:
        unresolved = [c for c in behind if not c.resolved]
        parts = [f"{leader} has the best IQM"]
        if unresolved:
            names = ", ".join(c.second for c in unresolved)
            quoted = "; ".join(_probability(c, symbol) for c in unresolved)
            parts[0] += f" but cannot be separated from {names} ({quoted})"
        parts += [_pair(c, symbol) for c in behind if c.probability.high < 0.5]
    parts += [_pair(pairs[(a, b)], symbol) for a, b in zip(order[1:], order[2:], strict=False)]
    return "; ".join(parts) + "."


# -- text ---------------------------------------------------------------------------------------


def _symbol(analysis: Analysis) -> str:
    return ">" if analysis.higher_is_better else "<"


def _pair(comparison: Comparison, symbol: str) -> str:
    a, b = comparison.first, comparison.second
    if comparison.probability.high < 0.5:
        return f"{b} beats {a} ({_probability(comparison, symbol)})"
    if comparison.resolved:
        return f"{a} beats {b} ({_probability(comparison, symbol)})"
    return f"{a} and {b} cannot be separated ({_probability(comparison, symbol)})"


def _probability(comparison: Comparison, symbol: str) -> str:
    """``P(A < B) = p [low, high]`` for the method the interval favours as ``A`` (the first
    one when it favours neither)."""
    a, b, p = comparison.first, comparison.second, comparison.probability
    if p.high < 0.5:
        a, b, p = b, a, Interval(1 - p.estimate, 1 - p.high, 1 - p.low, p.n_failed)
    return f"P({a} {symbol} {b}) = {_p(p)}"


def _p(p: Interval) -> str:
    bounds = f" [{p.low:.2f}, {p.high:.2f}]" if math.isfinite(p.low) else ""
    return f"{p.estimate:.2f}{bounds}"


def _interval(metric: str, found: Interval) -> str:
    text = number(metric, found.estimate)
    if math.isfinite(found.low) and math.isfinite(found.high):
        text += f" [{number(metric, found.low)}, {number(metric, found.high)}]"
    return text


def _count(runs: int, found: Interval) -> str:
    return f"{runs} ({found.n_failed} failed)" if found.n_failed else str(runs)


def _epochs(found: TimeToTarget | None) -> str:
    if found is None:
        return "–"

    def epoch(value: float) -> str:
        return "never" if math.isinf(value) else "–" if math.isnan(value) else f"{value:.0f}"

    bounds = f" [{epoch(found.low)}, {epoch(found.high)}]" if not math.isnan(found.low) else ""
    return f"{epoch(found.median)}{bounds}, {found.reached:.0%} reached"


def _matrix(ranking: Ranking, symbol: str) -> list[str]:
    """``P(row beats column)`` for every pair, best first."""
    order = ranking.order
    if len(order) < 2:
        return []
    cell = {}
    for c in ranking.comparisons:
        p = c.probability
        cell[(c.first, c.second)] = _p(p)
        cell[(c.second, c.first)] = _p(Interval(1 - p.estimate, 1 - p.high, 1 - p.low))
    table = [[f"P(row {symbol} column)", *order]]
    table += [[a, *(cell.get((a, b), "–") for b in order)] for a in order]
    return markdown(table)


def _overall_lines(analysis: Analysis, symbol: str) -> list[str]:
    overall = analysis.overall
    lines = [
        f"### {ALL_TASKS[0].upper()}{ALL_TASKS[1:]}",
        "",
        f"Each run's final {analysis.objective} normalised by the best and the worst finished "
        "run of its task, (value - best) / (worst - best): 0 is the task's best run, 1 its "
        "worst, so every task weighs the same. Pooled over tasks with intervals stratified by "
        "task; P averaged over tasks. The performance profile is the fraction of runs below "
        "each normalised value.",
        "",
    ]
    if overall.methods:
        table = [["method", "n", *(title for _, title in STATISTICS)]]
        for m in overall.methods:
            cells = [m.method, _count(m.scores.size, m.mean)]
            table.append(cells + [_interval(NORMALISED, getattr(m, key)) for key, _ in STATISTICS])
        lines += markdown(table) + [""] + _matrix(overall.ranking, symbol) + [""]
    if overall.left_out:
        lines += [f"Left out (not the same number of runs on every task): "
                  f"{', '.join(overall.left_out)}.", ""]  # fmt: skip
    return lines


# -- figures ------------------------------------------------------------------------------------


def _figures(analysis: Analysis, folder: Path) -> list[str]:
    """Write the figures; the names of those written."""
    names = sorted({m.method for task in analysis.tasks for m in task.methods})
    colors = dict(zip(names, assign(names), strict=True))
    rows = [(task.task, analysis.objective, task.methods) for task in analysis.tasks]
    if analysis.overall is not None and analysis.overall.methods:
        rows.append((ALL_TASKS, f"{analysis.objective}, normalised per task",
                     analysis.overall.methods))  # fmt: skip
    panels = [
        Panel(f"{task}: {title}" if len(rows) > 1 else title, xlabel, [
            Estimate(m.method, *_bounds(getattr(m, key)), colors[m.method]) for m in methods
        ])
        for task, xlabel, methods in rows
        for key, title in STATISTICS
    ]  # fmt: skip
    percent = f"{analysis.confidence:.0%}"
    written = []
    figure = interval_grid(panels, f"Final {analysis.objective} over seeds: estimates with "
                                   f"{percent} stratified-bootstrap intervals")  # fmt: skip
    if figure is not None:
        figure.savefig(folder / INTERVALS)
        written.append(INTERVALS)
    if analysis.overall is not None and analysis.overall.methods:
        curves = [
            ProfileCurve(m.method, m.profile.thresholds, m.profile.fraction, m.profile.low,
                         m.profile.high, colors[m.method])
            for m in analysis.overall.methods
        ]  # fmt: skip
        figure = profile_figure(
            curves,
            f"final {analysis.objective}, normalised per task (0: its best run, 1: its worst)",
            f"Performance profile over {len(analysis.tasks)} tasks ({percent} bands)",
        )
        figure.savefig(folder / PROFILE)
        written.append(PROFILE)
    return written


def _bounds(found: Interval) -> tuple[float, float, float]:
    return found.estimate, found.low, found.high
