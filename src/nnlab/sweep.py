"""The sweep around a multirun, as a Hydra callback (``hydra.callbacks.sweep`` in
``conf/hydra/default.yaml``).

Before any job starts it composes and builds every job's config (for sweepers that list their
jobs up front), so a bad value anywhere stops the sweep with one line and no run created. Then
it asks the tracking worker to open the sweep's parent run (creating the tracking store once,
before any job could race to create it) and writes ``sweep.json`` for the jobs; jobs run in
this process start training without waiting for that, the worker nests them under the parent.
At the end it prints the runs sorted by the objective, writes the comparison report into the
sweep folder, logs it to the parent run and closes the parent; if any job failed it says which
and why and the command exits non-zero. If the sweep is interrupted, the parent run is closed
KILLED on the way out.
"""

import math
import sys
from dataclasses import asdict
from pathlib import Path

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from nnlab import build, provenance, sweep_state
from nnlab.config import settings as to_settings
from nnlab.errors import USAGE_ERRORS, describe, exit_with
from nnlab.report.study import study_folder, update_readme
from nnlab.sweep_state import JobResult, SweepInfo
from nnlab.tracking.uri import Unreachable, check_reachable, resolve_uri
from nnlab.train.callbacks import higher_is_better, summary_key

_open_sweeps: list["SweepCallback"] = []


def close_interrupted(status: str) -> None:
    """Close the parent run of a sweep that did not reach its end (``cli.run`` calls this when
    the command is interrupted or crashes)."""
    while _open_sweeps:
        _open_sweeps.pop()._close_unfinished(status)


class SweepCallback(Callback):
    def __init__(self) -> None:
        self._parent: tuple[str, str] | None = None  # uri, experiment of an open parent run
        self._sweep_dir = Path()
        self._settings = None
        self._searching = False  # the sweeper picks jobs as it goes (Optuna)

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = self._sweep_dir = Path(config.hydra.sweep.dir)
        try:
            settings = self._settings = to_settings(config)
        except USAGE_ERRORS as error:
            exit_with(describe(error, list(config.hydra.overrides.task)), 2)
        overrides = _sweep_overrides(config)
        jobs, varying = _plan(config, overrides)
        self._searching = jobs is None
        if jobs == []:
            exit_with(f"the sweep has no jobs: {_empty_sweeps(overrides)} selects nothing", 2)
        if jobs is not None:
            _validate(config, jobs)
        info = SweepInfo(sweep_dir.name, len(jobs) if jobs is not None else None, varying)
        tracking_cfg = settings.tracking
        if tracking_cfg.backend == "mlflow":
            from nnlab.tracking import background, worker

            uri = resolve_uri(tracking_cfg.uri)
            try:
                check_reachable(uri)
            except Unreachable as error:
                exit_with(str(error), 3)
            opened = background.submit(
                worker.call, "nnlab.tracking.sweeps:open_parent", uri, tracking_cfg.experiment,
                info.sweep_id, str(sweep_dir.resolve()), list(config.hydra.overrides.task),
            )  # fmt: skip
            if not sweep_state.jobs_run_here(config.hydra.launcher):
                info.parent_run_id = opened.result()  # jobs in other processes nest under it
            info.tracking_uri = uri
            self._parent = (uri, tracking_cfg.experiment)
            _open_sweeps.append(self)
        sweep_state.write_sweep(sweep_dir, info)

    def on_multirun_end(self, config: DictConfig, **kwargs) -> None:
        settings = self._settings
        results = sweep_state.read_jobs(self._sweep_dir)
        if not settings.quiet:
            print(results_table(results, settings.objective), flush=True)
        if self._parent is not None:
            self._close(results, config)
        failed = [r for r in results if r.status == "FAILED"]
        # a search explores: some trials may fail (a learning rate too large diverges); it has
        # failed only when every trial did
        if failed and (not self._searching or len(failed) == len(results)):
            names = "; ".join(f"job {r.num} ({r.name}): {r.error}" for r in failed)
            exit_with(f"{len(failed)} of {len(results)} jobs failed: {names}", 1)

    def _close(self, results: list[JobResult], config: DictConfig) -> None:
        from nnlab.tracking import background, worker

        uri, settings, sweep_dir = self._parent[0], self._settings, self._sweep_dir
        background.warn_pending()
        study = settings.study
        folder = study_folder(study.name, study.folder) if study.name else None
        report_dir = folder / "results" if folder else sweep_dir / "report"
        try:
            report = background.call(
                worker.call, "nnlab.report.store:report_runs", uri,
                [r.run_id for r in results if r.run_id], report_dir,
                title=f"sweep {sweep_dir.name}", objective=settings.objective,
                sweep_id=sweep_dir.name,
            )  # fmt: skip
            if str(config.hydra.sweeper.get("_target_")).startswith("hydra_plugins.nnlab_optuna"):
                from hydra_plugins.nnlab_optuna_sweeper.optuna_sweeper import add_report

                add_report(config, report)  # the search's section and figures
            if folder is not None:
                commit, _ = provenance.git_state(folder)
                command = f"python run.py -m experiment={study.name}"
                update_readme(folder / "README.md", report, sweep_dir.name, commit, command)
        except Exception as error:  # noqa: BLE001 - the runs are safe; say why there is no report
            report = f"not written ({type(error).__name__}: {error})"
        run_id = self._end_parent("FINISHED", results, report_dir)
        _open_sweeps.remove(self)
        if not settings.quiet:
            print(f"report: {report}", flush=True)
            print(f"sweep parent run {run_id} in {uri}", flush=True)

    def _close_unfinished(self, status: str) -> None:
        if self._parent is not None:
            self._end_parent(status, sweep_state.read_jobs(self._sweep_dir), None)

    def _end_parent(self, status: str, results: list[JobResult], report_dir: Path | None) -> str:
        from nnlab.tracking import background, worker

        uri, experiment = self._parent
        self._parent = None
        arguments = {
            "status": status,
            "results": [asdict(r) for r in results],
            "report_dir": str(report_dir) if report_dir else None,
            "objective": self._settings.objective,
        }
        run_id, note = background.call(
            worker.call, "nnlab.tracking.sweeps:close_parent", uri, experiment,
            self._sweep_dir.name, str(self._sweep_dir / sweep_state.FOLDER), arguments,
        )  # fmt: skip
        if note:
            print(f"warning: {note}", file=sys.stderr, flush=True)
        return run_id


def results_table(results: list[JobResult], objective: str) -> str:
    """The sweep's jobs, best objective first (maximised for accuracies), failures last."""
    higher = higher_is_better(objective)

    def order(result: JobResult):
        value = result.objective
        missing = value is None or math.isnan(value)
        return (missing, 0.0 if missing else (-value if higher else value), result.num)

    rows = [("#", "run", "status", objective, "train/accuracy", "seconds", "run id")]
    for result in sorted(results, key=order):
        value = result.objective
        accuracy = result.summary.get(summary_key("train/accuracy", "final"))
        rows.append((
            str(result.num),
            result.name,
            result.status,
            "-" if value is None or math.isnan(value) else f"{value:.4g}",
            "-" if accuracy is None else f"{accuracy:.3f}",
            f"{result.seconds:.1f}",
            result.run_id or "-",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    for result in results:
        if result.error:
            lines.append(f"job {result.num} ({result.name}) {result.status}: {result.error}")
    return "\n".join(lines)


def _plan(cfg: DictConfig, overrides: list) -> tuple[list[list[str]] | None, list[str]]:
    """Every job's overrides (``None`` for sweepers that choose jobs as they go, such as
    Optuna's) and the keys that vary between jobs."""
    varying = [o.get_key_element().lstrip("+~") for o in overrides if o.is_sweep_override()]
    if not str(cfg.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None, varying
    return BasicSweeper.split_arguments(overrides, None)[0], varying


def _sweep_overrides(cfg: DictConfig) -> list:
    """The sweeper's ``params`` and the command line's overrides, parsed."""
    arguments = [f"{key}={value}" for key, value in (cfg.hydra.sweeper.get("params") or {}).items()]
    arguments += list(cfg.hydra.overrides.task)
    # the loader lists a group's options for glob() sweeps, e.g. optimizer='glob(*)'
    loader = GlobalHydra.instance().config_loader()
    return OverridesParser.create(config_loader=loader).parse_overrides(arguments)


def _empty_sweeps(overrides: list) -> str:
    """The sweep overrides that give no value, e.g. ``optimizer=glob(zzz*)``."""
    empty = [o.input_line for o in overrides
             if o.is_sweep_override() and not list(o.sweep_string_iterator())]  # fmt: skip
    return ", ".join(empty)


def _validate(cfg: DictConfig, jobs: list[list[str]]) -> None:
    """Compose and build every job, ending the command with status 2 at the first bad one."""
    loader = GlobalHydra.instance().config_loader()
    for overrides in jobs:
        try:
            build.build(to_settings(loader.load_sweep_config(cfg, list(overrides))))
        except USAGE_ERRORS as error:
            message = describe(error, list(overrides))
            exit_with(f"{message} (in job: {' '.join(overrides)})" if overrides else message, 2)
