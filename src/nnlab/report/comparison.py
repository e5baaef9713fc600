"""Writes a comparison report for a list of runs.

``write_report`` writes into one folder:

- ``runs.csv`` and a Markdown table in ``report.md``: every run with its status (and error),
  the parameters that differ between the runs, and its best and final metrics, sorted by the
  final objective (maximised for accuracies), unfinished runs last;
- ``curves_<metric>.png``: each metric of every run overlaid, one colour per run in every
  figure, failed runs dashed;
- when runs differ only by ``trainer.seed`` within a group: ``seeds_<metric>.png`` with the
  mean +- std band of each group, ``groups.csv`` and a grouped table;
- ``decision_regions.png``: the decision regions of every run on 2-D classification data whose
  weights were kept.

Runs are labelled by the parameters that tell them apart (``optimizer=adam``,
``momentum=0.9, decay=0.001``): a parameter that follows from a group's ``name`` (the learning
rate of each optimizer, say) is left out of the label, and the group prefix is dropped when the
short name is unambiguous. A ``skipped`` record is a job a resumed sweep skipped by reusing an
earlier run; it is counted as such.
"""

import csv
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnlab.report.analysis import Analysis, analyse
from nnlab.report.html import write_html
from nnlab.report.labels import SEED, color_key, name_label, short_key
from nnlab.report.runs import RunRecord
from nnlab.report.text import markdown, number
from nnlab.report.winner import write_analysis
from nnlab.run.folder import FIGURES, WEIGHTS
from nnlab.run.job import run_regions
from nnlab.track.view import run_link
from nnlab.train import History
from nnlab.train.metrics import higher_is_better, summary_key
from nnlab.viz import colors, compare
from nnlab.viz.files import REGIONS
from nnlab.viz.regions import load_png

METRICS = ("train/loss", "train/accuracy", "val/loss", "val/accuracy")
CURVES = (  # metric, log y-axis
    ("train/loss", True),
    ("val/loss", True),
    ("train/accuracy", False),
    ("val/accuracy", False),
    ("lr", True),
)
IGNORED_PREFIXES = ("tracking.",)
IGNORED_KEYS = ("quiet", "objective")
PANELS = 12  # decision-region pictures at most, the best runs (or groups) first
LINES = 20  # curves (runs, or groups of seeds) in one figure at most, the best first
ERROR_CHARS = 80  # of an error message in the Markdown table (runs.csv has all of it)
MISSING = None  # a parameter a run does not have (the momentum of an Adam run)


@dataclass
class Row:
    record: RunRecord
    label: str
    color: str
    rank: int = 0

    @property
    def finished(self) -> bool:
        return _run_status(self.record) == "FINISHED"

    @property
    def skipped(self) -> bool:
        return self.record.skipped


@dataclass
class Group:
    label: str
    values: dict[str, str | None]
    rows: list[Row] = field(default_factory=list)
    color: str = ""

    @property
    def finished(self) -> list[Row]:
        return [row for row in self.rows if row.finished]

    def final(self, metric: str) -> np.ndarray:
        """The finite final values of ``metric`` over the group's finished runs."""
        values = np.array([row.record.summary.get(summary_key(metric, "final"), math.nan)
                           for row in self.finished], dtype=float)  # fmt: skip
        return values[np.isfinite(values)]

    def stats(self, metric: str) -> tuple[float, float]:
        """``(mean, sample std)`` of the final ``metric``; ``nan`` where undefined."""
        values = self.final(metric)
        mean = float(values.mean()) if values.size else math.nan
        std = float(values.std(ddof=1)) if values.size > 1 else math.nan
        return mean, std


def write_report(
    records: list[RunRecord],
    folder: Path,
    *,
    title: str,
    objective: str,
    ui: str | None = None,
    analysis: Analysis | None = None,
    extra: str | None = None,
) -> Path:
    """Write the report of ``records`` into ``folder``: ``report.md`` (its path is returned),
    the same as a self-contained ``report.html``, figures and tables. ``ui``: the link of the
    runs' view in the MLflow UI (``nnlab.track.view``), which the report links to;
    ``analysis``: ``analyse(records, objective)`` when the caller has it already; ``extra``:
    Markdown appended at the end (a sweeper's own section)."""
    folder.mkdir(parents=True, exist_ok=True)
    stale = [*folder.glob("curves_*.png"), *folder.glob("seeds_*.png")]
    stale += [folder / "decision_regions.png", folder / "groups.csv"]
    for path in stale:  # from an earlier report into this folder
        path.unlink(missing_ok=True)
    keys = differing_params(records)
    labels = run_labels(records, keys)
    colors = run_colors(records)
    rows = [Row(r, label, color) for r, label, color in zip(records, labels, colors, strict=True)]
    ordered = sorted(rows, key=lambda row: _order(row.record, objective))  # stable: ties in order
    for rank, row in enumerate(ordered, start=1):
        row.rank = rank
    _write_runs_csv(folder / "runs.csv", ordered, keys)

    direction = "highest" if higher_is_better(objective) else "lowest"
    groups = group_rows(rows, keys)
    seeded = any(len(group.rows) > 1 for group in groups)
    if seeded:
        groups.sort(key=lambda group: _group_order(group, objective))
    lines = [f"# {title}", "", _summary_line(ordered, objective, groups if seeded else None), ""]
    if ui:
        lines += [f"Compare them in the MLflow UI: [{ui}]({ui})", ""]
    lines += ["## Runs", ""]
    lines += [
        f"Sorted by final {objective} ({direction} first), unfinished runs last. "
        "`best (epoch)`: the best value and the epoch it was reached. "
        "All columns, full error messages and run ids: [runs.csv](runs.csv).",
        "",
    ]
    lines += _runs_table(ordered, keys, short_names(keys), objective, ui)

    figures = _curve_figures(ordered[:LINES], folder)
    if figures:
        lines += ["", "## Learning curves", ""]
        if len(ordered) > LINES:
            lines += [f"The best {LINES} of {len(ordered)} runs (all: [runs.csv](runs.csv)).", ""]
        lines += _images(f"![{metric}]({path.name})" for metric, path in figures)

    if seeded:
        _write_groups_csv(folder / "groups.csv", groups, [k for k in keys if k != SEED])
        lines += ["", "## Seeds", ""]
        lines += [
            "Runs grouped by every differing parameter except `trainer.seed`: mean ± sample "
            "standard deviation over the group's finished runs ([groups.csv](groups.csv)).",
            "",
        ]
        lines += _groups_table(groups, objective)
        figures = _band_figures(groups[:LINES], folder)
        if len(groups) > LINES:
            lines += ["", f"The best {LINES} of {len(groups)} groups."]
        lines += [""] + _images(f"![{metric}, mean ± std]({path.name})" for metric, path in figures)

    shown = _typical(groups, objective) if seeded else [(row, "") for row in ordered]
    boundary, notes = _boundary_figure(shown[:PANELS], folder, title)
    if boundary is not None or notes:
        lines += ["", "## Decision regions", ""]
        if boundary is not None:
            which = "for each group, its run nearest the median" if seeded else ""
            if len(shown) > PANELS:
                which += f"{', ' if which else ''}the first {PANELS} of {len(shown)} in order"
            which = f" ({which})" if which else ""
            lines += [
                "Decision regions of the final weights over the training data; titles give the "
                f"final train accuracy recorded during training{which}.",
                "",
                f"![decision regions]({boundary.name})",
            ]
        lines += [f"- {note}" for note in notes]
    lines += write_analysis(analysis or analyse(records, objective), folder)
    if extra:
        lines += ["", extra]
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n")
    write_html(path)
    return path


# -- which parameters differ, and labels --------------------------------------------------------


def differing_params(records: list[RunRecord]) -> list[str]:
    """The params whose value is not the same in every run (a param some runs lack counts as
    differing), in config order, leaving out ``tracking.*``, ``quiet`` and ``objective``."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record.params))
    groups = list(dict.fromkeys(key.rpartition(".")[0] for key in keys))
    found = [
        key
        for key in keys
        if not key.startswith(IGNORED_PREFIXES)
        and key not in IGNORED_KEYS
        and len({record.params.get(key, MISSING) for record in records}) > 1
    ]
    # a group's keys together (an Adam run's beta_1 beside an SGD run's momentum)
    return sorted(found, key=lambda key: groups.index(key.rpartition(".")[0]))


def label_params(records: list[RunRecord], keys: list[str]) -> list[str]:
    """``keys`` without those that follow from their group's ``name`` when that name differs:
    with ``optimizer=sgd,adam`` each optimizer's own learning rate needs no mention."""
    chosen = []
    for key in keys:
        group, _, leaf = key.rpartition(".")
        name_key = f"{group}.name"
        if group and leaf != "name" and name_key in keys and _follows(records, key, name_key):
            continue
        chosen.append(key)
    return chosen


def short_names(keys: list[str]) -> dict[str, str]:
    """``optimizer.name`` -> ``optimizer``; ``schedule.decay`` -> ``decay`` when no other key
    shortens to the same; else the key as is."""
    wanted = {key: short_key(key) for key in keys}
    counts: dict[str, int] = {}
    for short in wanted.values():
        counts[short] = counts.get(short, 0) + 1
    return {key: short if counts[short] == 1 else key for key, short in wanted.items()}


def run_colors(records: list[RunRecord]) -> list[str]:
    """The runs' colours in the MLflow UI, where they have them and runs of different
    configurations do not share one; else colours assigned by configuration
    (``nnlab.viz.colors``), the seed left out."""
    keys = [color_key(record.name) for record in records]
    recorded = {(key, record.color) for key, record in zip(keys, records, strict=True)}
    by_color = {color for _, color in recorded}
    if None not in by_color and len(by_color) == len({key for key, _ in recorded}):
        return [record.color for record in records]
    return colors.assign(keys)


def run_labels(records: list[RunRecord], keys: list[str] | None = None) -> list[str]:
    """One label per record: its run name when the runs' names tell them apart (the runs of
    one sweep); else from the params that tell the runs apart (those a run has), with a run id
    added where that leaves two alike; a single run is labelled by its name."""
    by_name = [name_label(record.name) for record in records]
    if all(by_name) and len(set(by_name)) == len(by_name):
        return by_name
    keys = differing_params(records) if keys is None else keys
    chosen = label_params(records, keys)
    names = short_names(chosen)
    labels = [
        ", ".join(
            f"{names[key]}={pretty(record.params[key])}" for key in chosen if key in record.params
        )
        or record.name
        for record in records
    ]
    if len(set(labels)) < len(labels):
        labels = [f"{label} ({_short_id(record)})" for label, record in
                  zip(labels, records, strict=True)]  # fmt: skip
    return labels


def pretty(text: str | None, missing: str = "-") -> str:
    """A param value for a label: long numbers short (``1000000.0`` -> ``1e+06``,
    ``1.0`` -> ``1``); other text as is."""
    if text is None:
        return missing
    try:
        value = float(text)
    except ValueError:
        return text
    short = f"{value:g}"
    return short if len(short) < len(text) else text


def _follows(records: list[RunRecord], key: str, name_key: str) -> bool:
    seen: dict = {}
    for record in records:
        name, value = record.params.get(name_key), record.params.get(key, MISSING)
        if seen.setdefault(name, value) != value:
            return False
    return True


# -- ordering and groups ----------------------------------------------------------------------


def _run_status(record: RunRecord) -> str:
    """The run's MLflow status, but PRUNED for a search's trial its pruner stopped (MLflow
    records it FINISHED, with tag ``nnlab.outcome=pruned``)."""
    return "PRUNED" if record.outcome == "pruned" else record.status


def _short_id(record: RunRecord) -> str:
    return record.run_id[:8] if record.run_id else record.folder.path.name if record.folder else "-"


def _objective_value(record: RunRecord, objective: str) -> float:
    return record.summary.get(summary_key(objective, "final"), math.nan)


def _order(record: RunRecord, objective: str):
    value = _objective_value(record, objective)
    last = _run_status(record) != "FINISHED" or not math.isfinite(value)
    signed = 0.0 if last else (-value if higher_is_better(objective) else value)
    return (last, signed)


def group_rows(rows: list[Row], keys: list[str]) -> list[Group]:
    """Rows grouped by every differing param except ``trainer.seed``, in order of first
    appearance, each with a colour and a label ending in ``(n seeds)``."""
    grouping = [key for key in keys if key != SEED]
    records = [row.record for row in rows]
    chosen = label_params(records, grouping)
    names = short_names(chosen)
    groups: dict[tuple, Group] = {}
    for row in rows:
        values = {key: row.record.params.get(key, MISSING) for key in grouping}
        group = groups.get(tuple(values.values()))
        if group is None:
            label = ", ".join(
                f"{names[key]}={pretty(values[key])}" for key in chosen if values[key] is not None
            )
            label = label or "all runs"
            group = groups[tuple(values.values())] = Group(label, values)
        group.rows.append(row)
    # the runs' names without the seed, where each group's runs share one and groups differ
    by_name = []
    for group in groups.values():
        names = {name_label(row.record.name, (SEED,)) for row in group.rows}
        by_name.append(names.pop() if len(names) == 1 else "")
    if all(by_name) and len(set(by_name)) == len(by_name):
        for group, label in zip(groups.values(), by_name, strict=True):
            group.label = label
    for group in groups.values():
        group.color = group.rows[0].color  # one configuration, one colour
        n = len(group.finished)
        group.label = f"{group.label} ({n} seed{'s' if n != 1 else ''})"
    return list(groups.values())


def _group_order(group: Group, objective: str):
    mean, _ = group.stats(objective)
    if not math.isfinite(mean):
        return (True, 0.0)
    return (False, -mean if higher_is_better(objective) else mean)


# -- tables -------------------------------------------------------------------------------------


def _summary_line(rows: list[Row], objective: str, groups: list[Group] | None) -> str:
    """The tally and the best: the best configuration by its mean over seeds when runs differ
    by seed (``groups``, best first), else the best run."""
    counts = {"finished": 0, "skipped": 0, "failed": 0, "killed": 0}
    for row in rows:
        status = "skipped" if row.skipped else _run_status(row.record).lower()
        counts[status] = counts.get(status, 0) + 1
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    if counts["skipped"]:
        tally = tally.replace(" skipped", " skipped (reused earlier runs)")
    best = next((row for row in rows if row.rank == 1), None)
    if best is None or not best.finished:
        verdict = f"No run finished with a final {objective}"
    else:
        value = _objective_value(best.record, objective)
        verdict = f"Best: **{best.label}** with final {objective} = {number(objective, value)}"
        mean, _ = groups[0].stats(objective) if groups else (math.nan, None)
        if math.isfinite(mean):
            verdict = (f"Best on average: **{groups[0].label}** with mean final {objective} = "
                       f"{number(objective, mean)}; best single run: {best.label} "
                       f"({number(objective, value)})")  # fmt: skip
    n = len(rows)
    return f"**{n} run{'s' if n != 1 else ''}**: {tally}. {verdict}."


def _status(row: Row, limit: int | None = None) -> str:
    status = _run_status(row.record)
    if row.skipped:
        commit = row.record.commit
        status += f" (reused from {commit[:8]})" if commit else " (reused)"
    error = row.record.error
    if error and status != "FINISHED":
        error = " ".join(error.split())
        if limit is not None and len(error) > limit:
            error = error[: limit - 1] + "…"
        status += f": {error}"
    return status


def _runs_table(rows: list[Row], keys, names: dict[str, str], objective: str, ui: str | None):
    metrics = sorted(METRICS, key=lambda m: m != objective)
    header = ["#", "run", "status"]
    header += [f"final {m}" for m in metrics] + [f"best {objective} (epoch)"]
    header += [names[key] for key in keys] + ["run id"]
    table = [header]
    for row in rows:
        summary = row.record.summary
        cells = [str(row.rank), row.label, _status(row, ERROR_CHARS)]
        cells += [number(m, summary.get(summary_key(m, "final"))) for m in metrics]
        best = summary.get(summary_key(objective, "best"))
        epoch = summary.get(summary_key(objective, "best_epoch"))
        cell = number(objective, best)
        if cell != "–" and epoch is not None and epoch >= 0:
            cell += f" ({int(epoch)})"
        cells.append(cell)
        cells += [pretty(row.record.params.get(key), "–") for key in keys]
        run_id = row.record.run_id
        short = f"`{_short_id(row.record)}`"
        cells.append(f"[{short}]({run_link(ui, run_id)})" if ui and run_id else short)
        table.append(cells)
    return markdown(table)


def _groups_table(groups: list[Group], objective: str):
    metrics = sorted(METRICS, key=lambda m: m != objective)
    table = [["group", "runs", "finished"] + [f"final {m}" for m in metrics]]
    for group in groups:
        cells = [group.label, str(len(group.rows)), str(len(group.finished))]
        for metric in metrics:
            mean, std = group.stats(metric)
            cell = number(metric, mean)
            if math.isfinite(std):
                cell += f" ± {std:.3f}" if metric.endswith("accuracy") else f" ± {std:.2g}"
            cells.append(cell)
        table.append(cells)
    return markdown(table)


def _write_runs_csv(path: Path, rows: list[Row], keys: list[str]) -> None:
    summary_keys = [
        summary_key(m, kind) for m in METRICS for kind in ("final", "best", "best_epoch")
    ]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "run_id", "name", "label", "status", "skipped", "error",
                         *keys, *summary_keys])  # fmt: skip
        for row in rows:
            record = row.record
            writer.writerow([
                row.rank, record.run_id or "", record.name, row.label, _run_status(record),
                str(row.skipped).lower(), record.error or "",
                *(record.params.get(key, "") for key in keys),
                *(_csv_number(record.summary.get(key)) for key in summary_keys),
            ])  # fmt: skip


def _write_groups_csv(path: Path, groups: list[Group], keys: list[str]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        stats = [f"{summary_key(m, 'final')}_{s}" for m in METRICS for s in ("mean", "std")]
        writer.writerow(["group", "runs", "finished", *keys, "run_ids", *stats])
        for group in groups:
            values = [v for m in METRICS for v in group.stats(m)]
            writer.writerow([
                group.label, len(group.rows), len(group.finished),
                *(group.values[key] or "" for key in keys),
                " ".join(row.record.run_id or "" for row in group.rows),
                *(_csv_number(v) for v in values),
            ])  # fmt: skip


def _csv_number(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else repr(value)


# -- figures ------------------------------------------------------------------------------------


def _images(links) -> list[str]:
    """Each image in a paragraph of its own."""
    return [line for link in links for line in (link, "")][:-1]


def _file(prefix: str, metric: str) -> str:
    return f"{prefix}_{metric.replace('/', '_')}.png"


def _curve_figures(rows: list[Row], folder: Path) -> list[tuple[str, Path]]:
    lines = [
        compare.Line(
            row.label if row.finished else f"{row.label} ({_run_status(row.record).lower()})",
            row.record.history,
            row.color,
            failed=not row.finished,
        )
        for row in rows
        if row.record.history is not None
    ]
    saved = []
    for metric, log in _varying(CURVES, [line.history for line in lines]):
        figure = compare.overlay(lines, metric, metric, log=log, stacked=metric == "lr")
        if figure is not None:
            saved.append((metric, _save(figure, folder / _file("curves", metric))))
    return saved


def _band_figures(groups: list[Group], folder: Path) -> list[tuple[str, Path]]:
    bands = [
        compare.Band(
            group.label,
            [row.record.history for row in group.finished if row.record.history is not None],
            group.color,
        )
        for group in groups
    ]
    saved = []
    for metric, log in _varying(CURVES, [h for band in bands for h in band.histories]):
        figure = compare.bands(bands, metric, f"{metric}: mean ± std over seeds", log=log)
        if figure is not None:
            saved.append((metric, _save(figure, folder / _file("seeds", metric))))
    return saved


def _varying(curves, histories: list[History]):
    """The ``(metric, log)`` of ``curves`` whose columns are not the same in every history (a
    seeds sweep's learning rates are one line drawn again and again)."""
    for metric, log in curves:
        columns = {tuple(h.metrics[metric]) for h in histories if metric in h.metrics}
        if len(columns) > 1 or len(histories) == 1:
            yield metric, log


def _typical(groups: list[Group], objective: str) -> list[tuple[Row, str]]:
    """One run per group: the finished run whose final ``objective`` is nearest the group's
    median (the group's first run when none finished), with a note saying so."""
    chosen = []
    for group in groups:
        values = [_objective_value(row.record, objective) for row in group.finished]
        if len(values) < 2 or not np.isfinite(values).any():
            chosen.append((group.rows[0], ""))
            continue
        median = float(np.nanmedian(values))
        distance = [abs(v - median) if math.isfinite(v) else math.inf for v in values]
        chosen.append((group.finished[int(np.argmin(distance))], f", median of {len(values)}"))
    return chosen


def _boundary_figure(rows: list[tuple[Row, str]], folder: Path, title: str):
    """The grid of decision regions, for runs on 2-D classification data with weights: each
    run's own picture (drawn with its figures) or one drawn now; and a note for each run that
    has weights but could not be drawn. ``rows`` pairs each run with a note for its title."""
    panels, notes = [], []
    for row, chosen in rows:
        record = row.record
        if record.folder is None or not record.folder.file(WEIGHTS).is_file():
            continue
        saved = record.folder.file(FIGURES) / REGIONS
        try:
            image = load_png(saved) if saved.is_file() else run_regions(record.folder)
        except Exception as error:  # noqa: BLE001 - an old or foreign run: note it, go on
            notes.append(f"{row.label}: not redrawn ({type(error).__name__}: {error})")
            continue
        if image is None:
            continue
        accuracy = number("accuracy", record.summary.get(summary_key("train/accuracy", "final")))
        heading = "\n".join(textwrap.wrap(row.label, 34, break_on_hyphens=False))
        status = "" if row.finished else f" ({_run_status(record)})"
        text = f"{heading}\ntrain accuracy {accuracy}{status}{chosen}"
        panels.append(compare.Panel(text, image))
    figure = compare.boundary_grid(panels, f"{title}: decision regions")
    if figure is None:
        return None, notes
    return _save(figure, folder / "decision_regions.png"), notes


def _save(figure, path: Path) -> Path:
    figure.savefig(path)
    return path
