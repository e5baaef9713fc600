"""What a user sees while jobs run: a bar per run (epoch, loss, accuracy) on a terminal, one line
per finished job everywhere (so logs of CI or of parallel workers stay readable), and the table
of a sweep's runs at its end."""

import math
import sys

from tqdm import tqdm

from nnlab.report.labels import name_label
from nnlab.run.folder import RunInfo
from nnlab.train import Callback, History
from nnlab.train.metrics import higher_is_better, summary_key

UPDATES = 200  # bar refreshes per run at most


class ProgressBar(Callback):
    def __init__(self, epochs: int, label: str) -> None:
        self.epochs = epochs
        self.label = label
        self.stride = max(1, epochs // UPDATES)
        self._bar: tqdm | None = None
        self._shown = 0

    def on_fit_start(self, params) -> None:
        self._bar = tqdm(total=self.epochs, desc=self.label, unit="epoch", leave=False,
                         dynamic_ncols=True, file=sys.stderr)  # fmt: skip

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if epoch % self.stride == 0 or epoch == self.epochs - 1:
            self._bar.update(epoch + 1 - self._shown)
            self._shown = epoch + 1
            postfix = {"loss": f"{metrics['train/loss']:.4f}"}
            postfix["acc"] = f"{metrics['train/accuracy']:.3f}"
            if "val/loss" in metrics:
                postfix["val_loss"] = f"{metrics['val/loss']:.4f}"
            self._bar.set_postfix(postfix, refresh=False)

    def on_fit_end(self, history: History) -> None:
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def show_bars() -> bool:
    """Bars only on an interactive terminal."""
    return sys.stderr.isatty()


def objective_of(info: RunInfo, objective: str) -> float:
    """The run's final ``objective``; ``nan`` if it has none (it failed, say)."""
    if info.status not in ("FINISHED", "SKIPPED"):
        return math.nan
    return info.summary.get(summary_key(objective, "final"), math.nan)


def shown_status(info: RunInfo) -> str:
    """The run's status, but PRUNED for a search's trial its pruner stopped (FINISHED in
    MLflow, with tag ``nnlab.outcome=pruned``)."""
    return "PRUNED" if info.outcome == "pruned" else info.status


def job_line(position: str, info: RunInfo, objective: str, run_id: str | None) -> str:
    parts = [f"{position}{name_label(info.name) or info.name}", shown_status(info)]
    value = objective_of(info, objective)
    if not math.isnan(value):
        parts.append(f"{objective}={value:.4g}")
    accuracy = info.summary.get(summary_key("train/accuracy", "final"))
    if accuracy is not None:
        parts.append(f"train/accuracy={accuracy:.3f}")
    parts.append(f"{info.seconds:.1f}s")
    if run_id:
        parts.append(f"run {run_id}")
    if info.reason and info.status not in ("FINISHED", "SKIPPED"):
        parts.append(f"error: {info.reason}")
    return "  ".join(parts)


def results_table(runs: list[tuple[RunInfo, str | None]], objective: str) -> str:
    """The sweep's runs ``(info, run id)`` ranked by their final ``objective`` (maximised for
    accuracies), failures last, then the best run. ``job`` is the number its line was printed
    with (``[job/total]``), labels and short run ids are the report's."""
    higher = higher_is_better(objective)

    def order(item):
        value = objective_of(item[0], objective)
        missing = math.isnan(value)
        return (missing, 0.0 if missing else (-value if higher else value), item[0].job)

    ranked = sorted(runs, key=order)
    rows = [("rank", "job", "run", "status", objective, "train/accuracy", "seconds", "run id")]
    for rank, (info, run_id) in enumerate(ranked, start=1):
        value = objective_of(info, objective)
        accuracy = info.summary.get(summary_key("train/accuracy", "final"))
        rows.append((
            str(rank) if not math.isnan(value) else "-",
            str(info.job + 1),
            name_label(info.name) or info.name,
            shown_status(info),
            "-" if math.isnan(value) else f"{value:.4g}",
            "-" if accuracy is None else f"{accuracy:.3f}",
            f"{info.seconds:.1f}",
            run_id[:8] if run_id else "-",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    best, best_id = ranked[0] if ranked else (None, None)
    if best is not None and not math.isnan(objective_of(best, objective)):
        value = objective_of(best, objective)
        lines.append(f"best: {name_label(best.name) or best.name} ({objective}={value:.4g}"
                     f"{f', run {best_id[:8]}' if best_id else ''})")  # fmt: skip
    for info, _ in runs:
        if info.reason and info.status not in ("FINISHED", "SKIPPED"):
            lines.append(f"job {info.job + 1} ({info.name}) {info.status}: {info.reason}")
    return "\n".join(lines)
