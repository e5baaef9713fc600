"""The composition root: one Hydra job from config to tracked run.

``main(cfg)`` validates and builds the job (data, network, method) and checks the tracking
store before anything is recorded; opens a run in the configured tracker; trains with the
tracker's and the progress bar's callbacks; writes the run's files (history, weights, config)
to the job's output folder and hands them to the tracker; and returns the objective for
sweepers. Inside a sweep, a job that fails is recorded as FAILED and returns ``nan`` so the
other jobs go on; Ctrl-C or SIGTERM marks the run KILLED and stops the sweep. A job of a sweep
whose config already has a FINISHED run in the experiment is skipped (``tracking.resume``):
training starts at once and stops as soon as the tracker says so.
"""

import math
import signal
import time
from contextlib import contextmanager
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from nnlab import artifacts, config, provenance, sweep_state, tracking
from nnlab.build import Job, build
from nnlab.errors import USAGE_ERRORS, describe, exit_with
from nnlab.progress import ProgressBar, show_bars
from nnlab.runspec import RunFiles, RunSpec, config_hash, flatten
from nnlab.sweep_state import JobResult, SweepInfo
from nnlab.tracking.uri import Unreachable
from nnlab.train import History
from nnlab.train.callbacks import summary_key

config.register()


def main(cfg: DictConfig) -> float:
    hydra = HydraConfig.get()
    try:
        settings = config.settings(cfg)
        job = build(settings)
    except USAGE_ERRORS as error:  # Hydra would add a line of its own to a raised error
        exit_with(describe(error, list(hydra.overrides.task)), 2)
    multirun = hydra.mode == RunMode.MULTIRUN
    sweep_dir = Path(hydra.sweep.dir) if multirun else None
    sweep = sweep_state.read_sweep(sweep_dir) if multirun else None
    resolved = OmegaConf.to_container(cfg, resolve=True)
    digest = config_hash(resolved)
    result = JobResult(
        num=hydra.job.num if multirun else 0,
        name=run_name(list(hydra.overrides.task), sweep),
        overrides=list(hydra.overrides.task),
    )
    tracking_cfg = settings.tracking
    # a sweep's jobs use the store the sweep opened, whatever their own environment says
    uri = tracking_cfg.uri or (sweep.tracking_uri if sweep else None)
    try:
        tracker = tracking.connect(tracking_cfg.backend, uri, tracking_cfg.experiment)
    except Unreachable as error:
        exit_with(str(error), 3)
    position = _position(result.num, sweep)
    started = time.perf_counter()
    run = None
    try:
        output_dir = Path(hydra.runtime.output_dir)
        spec = RunSpec(
            name=result.name,
            epochs=settings.trainer.epochs,
            config_hash=digest,
            output_dir=str(output_dir),
            params=flatten(resolved),
            tags=_tags(settings, job, result, sweep, digest),
            sweep_id=sweep.sweep_id if sweep else None,
            parent_run_id=sweep.parent_run_id if sweep else None,
        )
        resume = multirun and tracking_cfg.resume
        with (
            _sigterm_exits(),
            threadpool_limits(settings.trainer.blas_threads),
            tracker.run(spec, tracking_cfg.max_points, tracking_cfg.figures, resume) as run,
        ):
            callbacks = [*run.callbacks, *_user_callbacks(cfg), *_pruning(settings)]
            if not settings.quiet and show_bars():
                callbacks.append(ProgressBar(settings.trainer.epochs, f"{position}{result.name}"))
            history = job.run(callbacks)
            if run.resumed_from is None:
                run.finish(_write_files(history, job, resolved, output_dir, tracking_cfg.figures))
        if run.resumed_from is not None:
            result.status, result.run_id = "SKIPPED", run.resumed_from
            result.summary = run.opened["summary"]
            result.objective = result.summary.get(
                summary_key(settings.objective, "final"), math.nan
            )
            return result.objective
        result.summary = history.summary()
        if history.status == "diverged":
            result.status, result.error, result.objective = "FAILED", history.stop_reason, math.nan
        else:
            result.status = "PRUNED" if history.status == "pruned" else "FINISHED"
            result.objective = history.last(settings.objective)
    except Exception as exc:
        result.status, result.error = "FAILED", f"{type(exc).__name__}: {exc}"
        if not multirun:
            raise
        return math.nan
    except BaseException:
        result.status = "KILLED"
        raise
    finally:
        result.seconds = time.perf_counter() - started
        if not (multirun and sweep_state.jobs_run_here(hydra.launcher)):
            _wait_for_tracker()
        if run is not None and result.run_id is None:
            result.run_id = run.run_id
        if multirun:
            sweep_state.write_job(sweep_dir, result)
        if not settings.quiet:
            print(_job_line(position, result, settings.objective), flush=True)
    if result.status == "FAILED" and not multirun:
        exit_with(f"run FAILED: {result.error}", 1)
    return result.objective


def _pruning(settings) -> list:
    """The search's pruner, for a trial of a search that prunes (``nnlab.search``)."""
    search = settings.search
    if search.trial is None or search.prune_every <= 0:
        return []
    from nnlab.search.pruning import OptunaPruning

    return [OptunaPruning(search, settings.objective)]


def _user_callbacks(cfg: DictConfig) -> list:
    from hydra.utils import instantiate

    return [instantiate(node) for node in cfg.callbacks.values()]


def run_name(overrides: list[str], sweep: SweepInfo | None) -> str:
    """The overrides that tell this job apart: inside a sweep, those of the keys that vary
    between its jobs; else all but where it is tracked. ``defaults`` when there are none."""
    keys = [o.split("=", 1)[0].lstrip("+~") for o in overrides]
    if sweep is not None and sweep.varying:
        kept = [o for o, key in zip(overrides, keys, strict=True) if key in sweep.varying]
    else:
        kept = [
            o for o, key in zip(overrides, keys, strict=True)
            if not key.startswith(("tracking.", "hydra.")) and key != "quiet"
        ]  # fmt: skip
    return ",".join(_short_value(o) for o in kept) or "defaults"


def _short_value(override: str) -> str:
    """``optimizer.learning_rate=0.012345678901`` -> ``optimizer.learning_rate=0.01235``: a
    search's sampled values, readable in names and labels."""
    key, _, value = override.partition("=")
    try:
        number = float(value)
    except ValueError:
        return override
    short = f"{number:.4g}"
    return f"{key}={short}" if len(short) < len(value) else override


def _wait_for_tracker() -> None:
    from nnlab.tracking import background

    if background.active():
        background.warn_pending()


def _tags(settings, job: Job, result: JobResult, sweep, digest: str) -> dict[str, str]:
    tags = {
        "nnlab.role": "run",
        "nnlab.job": str(result.num),
        "nnlab.overrides": " ".join(result.overrides) or "(defaults)",
        "nnlab.seed": str(settings.trainer.seed),
        "nnlab.config_hash": digest,
        "nnlab.method": job.method,
        "nnlab.dataset": job.data.name,
        **provenance.tags(),  # git commit, dirty tree, versions: once per process
        "mlflow.source.name": "run.py",
        "mlflow.source.type": "LOCAL",
    }
    if sweep is not None:
        tags["nnlab.sweep_id"] = sweep.sweep_id
    return tags


def _write_files(
    history: History, job: Job, resolved: dict, output_dir: Path, figures: bool
) -> RunFiles:
    """The run's files in its folder; with ``figures``, also its decision regions (for 2-D
    classification data), drawn later by the tracker."""
    output_dir.mkdir(parents=True, exist_ok=True)
    config_path = output_dir / "config.yaml"
    config_path.write_text(OmegaConf.to_yaml(OmegaConf.create(resolved)))
    files = RunFiles(
        history=str(artifacts.write_history(history, output_dir / artifacts.HISTORY_FILE)),
        weights=str(
            artifacts.write_weights(job.network.params, output_dir / artifacts.WEIGHTS_FILE)
        ),
        config=str(config_path),
        hydra_dir=str(output_dir / ".hydra"),
        outcome=history.status,
        stop_reason=history.stop_reason,
    )
    data = job.data
    if figures and data.n_inputs == 2 and data.task != "regression":
        from nnlab.viz.regions import regions, save_regions

        found = regions(job.network.predict, data.x_train, data.y_train)
        files.regions = str(save_regions(found, output_dir / "regions.npz"))
    return files


@contextmanager
def _sigterm_exits():
    """While training, SIGTERM raises ``SystemExit(143)`` so the run is closed as KILLED with
    its metrics flushed (a process killed by default handling records nothing)."""
    from nnlab.cli import exit_on_sigterm

    try:
        previous = signal.signal(signal.SIGTERM, exit_on_sigterm)
    except ValueError:  # not the main thread: leave signals to the host
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _position(num: int, sweep: SweepInfo | None) -> str:
    if sweep is None:
        return ""
    return f"[{num + 1}/{sweep.total_jobs}] " if sweep.total_jobs else f"[{num + 1}] "


def _job_line(position: str, result: JobResult, objective: str) -> str:
    parts = [f"{position}{result.name}", result.status]
    if result.objective is not None and not math.isnan(result.objective):
        parts.append(f"{objective}={result.objective:.4g}")
    accuracy = result.summary.get(summary_key("train/accuracy", "final"))
    if accuracy is not None:
        parts.append(f"train/accuracy={accuracy:.3f}")
    parts.append(f"{result.seconds:.1f}s")
    if result.run_id:
        parts.append(f"run {result.run_id}")
    if result.error:
        parts.append(f"error: {result.error}")
    return "  ".join(parts)
