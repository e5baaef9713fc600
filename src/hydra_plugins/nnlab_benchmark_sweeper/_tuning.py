"""The tuning phase's record: each configuration's runs on the tuning seeds, its score, the best
configuration of each (problem, method), and the report's section about them (with
``tuning.csv``, every trial).

A configuration's tuning score is the mean of its final objective over the tuning seeds,
``(1 / |S|) * sum_{s in S} f_s``; a seed that failed (diverged, say) makes it ``NaN``, worse
than any score. The best configuration has the lowest score (highest for an accuracy); ties go
to the earlier trial.
"""

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from hydra_plugins.nnlab_benchmark_sweeper._protocol import Protocol
from nnlab.report.text import markdown, number

CSV = "tuning.csv"


@dataclass
class Trial:
    problem: str
    method: str
    number: int
    values: dict[str, float]
    scores: list[float] = field(default_factory=list)  # per tuning seed; NaN: failed

    @property
    def score(self) -> float:
        if not self.scores or any(math.isnan(s) for s in self.scores):
            return math.nan
        return sum(self.scores) / len(self.scores)


def best(trials: list[Trial], higher_is_better: bool) -> Trial | None:
    """The trial with the best finite score; ``None`` if none has one."""
    scored = [t for t in trials if math.isfinite(t.score)]
    if not scored:
        return None
    sign = -1.0 if higher_is_better else 1.0
    return min(scored, key=lambda t: (sign * t.score, t.number))


def section(
    protocol: Protocol,
    trials: list[Trial],
    chosen: dict[tuple[str, str], Trial | None],
    objective: str,
    folder: Path,
) -> str:
    """Write ``tuning.csv`` into ``folder``; the Markdown section on the tuning."""
    keys = list(dict.fromkeys(p.key for m in protocol.methods for p in protocol.space[m]))
    _write_csv(folder / CSV, trials, keys, protocol.tuning_seeds)
    seeds = ", ".join(map(str, protocol.tuning_seeds))
    held_out = ", ".join(map(str, protocol.held_out_seeds))
    runs = len(trials) * len(protocol.tuning_seeds)
    lines = [
        "## Tuning",
        "",
        f"Random search with the same budget for every method: {protocol.trials} configurations "
        f"per method (drawn with seed {protocol.seed}, the same on every problem), each trained "
        f"on the tuning seeds {seeds} on every problem ({runs} runs, marked by their "
        "`search.trial`). A configuration's tuning score is its mean final "
        f"{objective} over the tuning seeds (a seed that failed makes it the worst). The best "
        f"configuration of each method on each problem was trained again on the held-out seeds "
        f'{held_out}; only those runs are compared in "Which method won". Every trial: '
        f"[{CSV}]({CSV}).",
        "",
        "Search spaces:",
        "",
    ]
    lines += [f"- {m}: " + ", ".join(str(p) for p in protocol.space[m]) for m in protocol.methods]
    table = [["problem", "method", "best trial", "tuning score", "finished", *keys]]
    for (problem, method), trial in chosen.items():
        tried = [t for t in trials if (t.problem, t.method) == (problem, method)]
        finished = f"{sum(math.isfinite(t.score) for t in tried)} of {len(tried)}"
        if trial is None:
            table.append([problem, method, "none finished", "–", finished, *("–" for _ in keys)])
            continue
        values = [f"{trial.values[k]:.4g}" if k in trial.values else "–" for k in keys]
        table.append([problem, method, str(trial.number), number(objective, trial.score),
                      finished, *values])  # fmt: skip
    lines += ["", *markdown(table)]
    return "\n".join(lines) + "\n"


def _write_csv(path: Path, trials: list[Trial], keys: list[str], seeds) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["problem", "method", "trial", *keys,
                         *(f"seed_{s}" for s in seeds), "score"])  # fmt: skip
        for t in trials:
            writer.writerow([t.problem, t.method, t.number,
                             *(repr(t.values[k]) if k in t.values else "" for k in keys),
                             *(_cell(s) for s in t.scores), _cell(t.score)])  # fmt: skip


def _cell(value: float) -> str:
    return "" if math.isnan(value) else repr(value)
