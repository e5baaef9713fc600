"""The report of a hyper-parameter search, from its Optuna study: figures written beside a sweep's
comparison report and a Markdown section for its ``report.md``.

- ``search_history.png``: the objective of every trial in the order they ran, the best so far,
  pruned trials at the value they were pruned with, failed trials along the bottom;
- ``search_importances.png``: how much of the objective's variation each parameter explains
  (``optuna.importance.get_param_importances``), when enough trials completed;
- ``search_params.png``: the objective against each parameter's sampled value.

The section names the best trial (number, value, params, MLflow run) and lists the best few.
"""

import math
import warnings
from pathlib import Path

import numpy as np
import optuna
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory
from optuna.distributions import CategoricalDistribution
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from hydra_plugins.nnlab_optuna_sweeper import RUN_ATTR, shown
from nnlab.report.text import markdown, number
from nnlab.viz.colors import COLORS
from nnlab.viz.style import new_figure

HISTORY = "search_history.png"
IMPORTANCES = "search_importances.png"
PARAMS = "search_params.png"
TOP = 5  # trials in the table of the best
LOG_RATIO = 10  # a log y-axis when the values span more than this factor
COMPLETE_COLOR, BEST_COLOR, PRUNED_COLOR, FAILED_COLOR = COLORS[0], COLORS[1], "#7f7f7f", "#d62728"
PRUNED_STYLE = dict(marker="v", s=34, facecolors="none", edgecolors=PRUNED_COLOR, linewidths=1.2,
                    zorder=3)  # fmt: skip


def write_search_report(storage: str, study_name: str, folder: Path, objective: str) -> str:
    """Write the search's figures into ``folder``; the Markdown section that shows them."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=storage)
    folder.mkdir(parents=True, exist_ok=True)
    for name in (HISTORY, IMPORTANCES, PARAMS):  # from an earlier report into this folder
        (folder / name).unlink(missing_ok=True)
    trials = study.get_trials(deepcopy=False)
    maximize = study.direction == StudyDirection.MAXIMIZE
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    # a pruned trial's value is its last report (Optuna's tell); one that never reported has none
    pruned = [t for t in trials if t.state == TrialState.PRUNED and t.value is not None]
    verb = "maximising" if maximize else "minimising"
    lines = [
        "## Hyper-parameter search",
        "",
        f"Optuna study `{study_name}` in `{shown(storage)}`, {verb} the final {objective}: "
        f"**{len(trials)} trial{'s' if len(trials) != 1 else ''}**: {_tally(trials)}.",
        "",
    ]
    if complete:
        best = study.best_trial
        run = best.user_attrs.get(RUN_ATTR)
        lines += [
            f"**Best: trial {best.number}** with final {objective} = "
            f"{number(objective, best.value)}" + (f" (run `{run[:8]}`)" if run else "") + ".",
            "",
        ]
        lines += markdown([["parameter", "value"]] + [
            [f"`{key}`", _value(value)] for key, value in best.params.items()
        ])  # fmt: skip
        ranked = sorted(complete, key=lambda t: -t.value if maximize else t.value)[:TOP]
        keys = list(dict.fromkeys(key for t in ranked for key in t.params))
        lines += ["", f"The best {len(ranked)} complete trials:", ""]
        lines += markdown(
            [["trial", f"final {objective}", *keys, "run"]]
            + [
                [str(t.number), number(objective, t.value)]
                + [_value(t.params[k]) if k in t.params else "–" for k in keys]
                + [f"`{t.user_attrs[RUN_ATTR][:8]}`" if RUN_ATTR in t.user_attrs else "–"]
                for t in ranked
            ]
        )
    else:
        lines += ["No trial completed yet."]
    lines += ["", "### Optimisation history", ""]
    history = folder / HISTORY
    if _history_figure(trials, complete, pruned, study_name, objective, maximize, history):
        lines += [f"![optimisation history]({HISTORY})"]
    else:
        lines += ["No trial has a value yet."]
    lines += ["", "### Parameter importances", ""]
    note = _importance_figure(study, complete, objective, folder / IMPORTANCES)
    lines += [note or f"![parameter importances]({IMPORTANCES})"]
    if _params_figure(complete, pruned, objective, maximize, folder / PARAMS):
        lines += ["", "### Objective by parameter", "", f"![objective by parameter]({PARAMS})"]
    return "\n".join(lines) + "\n"


# -- figures ------------------------------------------------------------------------------------


def _history_figure(trials, complete, pruned, study_name, objective, maximize, path: Path) -> bool:
    failed = [t for t in trials if t.state == TrialState.FAIL]
    if not complete and not pruned:
        return False
    figure, ax = new_figure(7.5, 4.4)
    scale = _Scale(ax, [t.value for t in complete], [t.value for t in pruned])
    if complete:
        numbers = [t.number for t in complete]
        ax.scatter(numbers, [t.value for t in complete], s=30, color=COMPLETE_COLOR,
                   label="complete (final objective)", zorder=3)  # fmt: skip
        best = np.maximum.accumulate if maximize else np.minimum.accumulate
        running = best(np.array([t.value for t in complete]))
        last = max(t.number for t in trials)
        ax.step(numbers + [last], list(running) + [running[-1]], where="post",
                color=BEST_COLOR, linewidth=1.6, label="best so far", zorder=2)  # fmt: skip
        winner = complete[int(np.argmax(running == running[-1]))]
        ax.scatter([winner.number], [winner.value], s=160, marker="*", color=BEST_COLOR,
                   edgecolors="black", linewidths=0.6, zorder=4)  # fmt: skip
        right = winner.number > (min(t.number for t in trials) + last) / 2
        ax.annotate(f"best: trial {winner.number}, {number(objective, winner.value)}",
                    (winner.number, winner.value), xytext=(-10 if right else 10, -14 if
                    maximize else 8), textcoords="offset points", fontsize=8.5,
                    ha="right" if right else "left")  # fmt: skip
    if pruned:
        scale.scatter([t.number for t in pruned], [t.value for t in pruned], values=True,
                      label="pruned (objective when pruned)", **PRUNED_STYLE)  # fmt: skip
    if failed:
        along_bottom = blended_transform_factory(ax.transData, ax.transAxes)
        ax.scatter([t.number for t in failed], [0.03] * len(failed), marker="x", s=36,
                   color=FAILED_COLOR, transform=along_bottom, clip_on=False,
                   label="failed (no objective)", zorder=3)  # fmt: skip
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial")
    ax.set_ylabel(f"final {objective}" + (" (log scale)" if scale.log else ""))
    ax.set_title(f"{study_name}: {objective} per trial", fontsize=11)
    ax.legend(fontsize=8.5, framealpha=0.85)
    figure.savefig(path)
    return True


def _importance_figure(study, complete: list[FrozenTrial], objective: str, path: Path):
    """Draw the importances; ``None``, or a line saying why there are none."""
    names = {key for t in complete for key in t.params}
    if len(complete) < 2:
        return f"Importances need at least 2 complete trials; this study has {len(complete)}."
    if len(names) < 2:
        return "One parameter searched: nothing to compare its importance with."
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            importances = optuna.importance.get_param_importances(study)
    except Exception as error:  # noqa: BLE001 - the report goes on without this figure
        return f"Importances not computed ({type(error).__name__}: {error})."
    trouble = [str(w.message) for w in caught if "importance" in str(w.message).lower()]
    if trouble or not importances:
        reason = trouble[0].split(".")[0] if trouble else "no parameter in every complete trial"
        return f"Importances not estimated from {len(complete)} complete trials: {reason}."
    ranked = sorted(importances.items(), key=lambda item: item[1])
    figure, ax = new_figure(7.5, 1.3 + 0.42 * len(ranked))
    positions = np.arange(len(ranked))
    ax.barh(positions, [v for _, v in ranked], color=COMPLETE_COLOR, height=0.6)
    ax.set_yticks(positions, [k for k, _ in ranked], fontsize=9)
    for position, (_, value) in zip(positions, ranked, strict=True):
        ax.text(value, position, f" {value:.0%}", va="center", fontsize=8.5)
    ax.set_xlim(0, max(v for _, v in ranked) * 1.15 or 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("share of the importance (PED-ANOVA, complete trials)")
    ax.set_title(f"Parameter importances for the final {objective}", fontsize=11)
    figure.savefig(path)
    return None


def _params_figure(complete, pruned, objective: str, maximize: bool, path: Path) -> bool:
    keys = list(dict.fromkeys(key for t in complete + pruned for key in t.params))
    if not keys:
        return False
    ncols = min(3, len(keys))
    nrows = -(-len(keys) // ncols)
    figure, axes = new_figure(3.3 * ncols + 0.3, 2.9 * nrows + 0.5, ncols=ncols, nrows=nrows)
    axes = axes if isinstance(axes, list) else [axes]
    best = (max if maximize else min)(complete, key=lambda t: t.value) if complete else None
    for index, (ax, key) in enumerate(zip(axes, keys, strict=False)):
        scale = _Scale(ax, [t.value for t in complete], [t.value for t in pruned])
        dist = next(t.distributions[key] for t in complete + pruned if key in t.params)
        position = None
        if isinstance(dist, CategoricalDistribution):
            position = {choice: i for i, choice in enumerate(dist.choices)}
            ax.set_xticks(range(len(dist.choices)), [str(c) for c in dist.choices], fontsize=8)
            ax.set_xlim(-0.5, len(dist.choices) - 0.5)
        elif getattr(dist, "log", False):
            ax.set_xscale("log")

        def x_of(group, position=position, key=key):
            values = [t.params[key] for t in group]
            return [position[v] for v in values] if position is not None else values

        group = [t for t in pruned if key in t.params]
        if group:
            scale.scatter(x_of(group), [t.value for t in group], **PRUNED_STYLE)
        group = [t for t in complete if key in t.params]
        if group:
            ax.scatter(x_of(group), [t.value for t in group], s=24, color=COMPLETE_COLOR,
                       zorder=3)  # fmt: skip
        if best is not None and key in best.params:
            ax.scatter(x_of([best]), [best.value], s=140, marker="*", color=BEST_COLOR,
                       edgecolors="black", linewidths=0.6, zorder=4)  # fmt: skip
        ax.set_xlabel(key, fontsize=9)
        if index % ncols == 0:
            ax.set_ylabel(f"final {objective}" + (" (log scale)" if scale.log else ""), fontsize=9)
    for ax in axes[len(keys) :]:
        ax.set_axis_off()
    figure.suptitle(
        f"Final {objective} by sampled value (circles: complete; triangles: pruned, at the "
        "value when pruned, or on the edge when far beyond it; star: best)",
        fontsize=10,
    )
    figure.savefig(path)
    return True


class _Scale:
    """A y-axis for the complete trials' values and, less important, the pruned ones: it shows
    every complete value, and the pruned values unless they lie far beyond (those are drawn on
    the edge, pointing out, with their value); a log scale when the complete values span more
    than ``LOG_RATIO``."""

    def __init__(self, ax, main: list[float], extra: list[float]) -> None:
        self.ax = ax
        extra = [v for v in extra if math.isfinite(v)]
        main = [v for v in main if math.isfinite(v)] or extra
        every = main + extra
        self.log = min(every) > 0 and max(main) / min(main) > LOG_RATIO
        to, back = (np.log10, lambda v: 10.0**v) if self.log else (float, float)
        low, high = to(min(main)), to(max(main))
        span = high - low or (0.05 if self.log else abs(high) * 0.05 or 0.1)
        self.high = back(high + 0.6 * span) if to(max(every)) > high + 2 * span else None
        self.low = back(low - 0.6 * span) if to(min(every)) < low - 2 * span else None
        if self.log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))
        else:  # values close together read as themselves, not as offsets from a constant
            ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        if self.high is not None or self.low is not None:
            bottom = to(self.low) if self.low is not None else to(min(every))
            top = to(self.high) if self.high is not None else to(max(every))
            margin = 0.06 * (top - bottom)
            ax.set_ylim(
                self.low if self.low is not None else back(bottom - margin),
                self.high if self.high is not None else back(top + margin),
            )

    def scatter(self, x, y, values: bool = False, **style) -> None:
        """Points; those beyond the axis on its edge as arrows (with ``values``, labelled)."""
        x, y = list(x), np.asarray(y, dtype=float)
        none = np.zeros(len(y), dtype=bool)
        above = y > self.high if self.high is not None else none
        below = y < self.low if self.low is not None else none
        inside = ~(above | below)
        self.ax.scatter([a for a, k in zip(x, inside, strict=True) if k], y[inside], **style)
        for mask, edge, marker, offset in ((above, self.high, "^", -13), (below, self.low, "v", 7)):
            if edge is None or not mask.any():
                continue
            xs = [a for a, k in zip(x, mask, strict=True) if k]
            self.ax.scatter(xs, [edge] * len(xs), marker=marker, s=34, color=PRUNED_COLOR,
                            clip_on=False, zorder=3)  # fmt: skip
            for a, value in zip(xs, y[mask], strict=True) if values else ():
                self.ax.annotate(
                    f"{value:.3g}", (a, edge), xytext=(0, offset), textcoords="offset points",
                    ha="center", fontsize=7, color=PRUNED_COLOR,
                )  # fmt: skip


# -- text ---------------------------------------------------------------------------------------


def _tally(trials: list[FrozenTrial]) -> str:
    counts: dict[str, int] = {}
    for trial in trials:
        name = trial.state.name.lower()
        counts[name] = counts.get(name, 0) + 1
    order = ["complete", "pruned", "fail", "running", "waiting"]
    words = {"fail": "failed"}
    return ", ".join(f"{counts[s]} {words.get(s, s)}" for s in order if s in counts) or "none"


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
