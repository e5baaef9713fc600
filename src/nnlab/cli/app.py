"""One Hydra job, from config to record: ``main(cfg)`` is ``run.py``'s task function.

It validates and builds the job (data, network, method, callbacks), writes ``config.yaml`` and
``run.json`` into the job's output folder and trains, the folder recording the run as it goes
(``nnlab.run.recorder``); then it prints the job's line and returns the objective for sweepers.
Inside a sweep (``nnlab.cli.sweeper``) the sweep's tracking worker mirrors the folder into
MLflow; a run of its own (no ``-m``) starts one and waits for it at the end.

A job that raises is recorded FAILED (traceback in ``error.txt``); inside a sweep it returns
``nan`` so the other jobs go on, alone it ends the command with one line and exit status 1.
Ctrl-C or SIGTERM records it KILLED and stops the sweep (a run of its own ends with one line
saying so, exit status 130 or 143). A job of a resumed sweep whose config already has a FINISHED
run is SKIPPED: it trains until the sweep's tracker has said so.
"""

import dataclasses
import os
import sys
import time
import traceback
import uuid

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback as HydraCallback
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from threadpoolctl import threadpool_limits

from nnlab import cli
from nnlab.cli.console import ProgressBar, job_line, objective_of, show_bars
from nnlab.cli.errors import USAGE_ERRORS, describe, exit_interrupted, exit_with, interrupted
from nnlab.report.labels import color_key
from nnlab.run import provenance, schema
from nnlab.run.folder import DISK_FULL, HISTORY, WEIGHTS, RunFolder, RunInfo
from nnlab.run.job import build
from nnlab.run.process import Process
from nnlab.run.recorder import FolderRecorder
from nnlab.run.sweep import SweepFolder, SweepInfo
from nnlab.train import Callback, StopTraining
from nnlab.viz import colors

schema.register()
REUSE_WAIT_SECONDS = 120.0  # at most, for the tracker's answer at the end of a resumed job
SWEEP_GONE = "the sweep's process is gone"


class Reused(StopTraining):
    """The sweep's tracker found a FINISHED run with this job's config: it is not trained."""

    outcome = "skipped"


def main(cfg: DictConfig) -> float:
    hydra = HydraConfig.get()
    overrides = list(hydra.overrides.task)
    settings, job, callbacks = validated(cfg, overrides)
    multirun = hydra.mode == RunMode.MULTIRUN
    sweep = SweepFolder(hydra.sweep.dir) if multirun else None
    sweep_info = sweep.info() if sweep else None
    sweep = sweep if sweep_info else None
    resolved = OmegaConf.to_container(cfg, resolve=True)
    digest = schema.config_hash(resolved)
    tracking = _tracking(settings, sweep_info)
    folder = RunFolder(hydra.runtime.output_dir)
    name = run_name(overrides, sweep_info)
    info = RunInfo(
        uid=uuid.uuid4().hex,
        name=name,
        process=Process.current().as_dict(),
        started=time.time(),
        epochs=settings.trainer.epochs,
        job=hydra.job.num if multirun else 0,
        sweep_dir=str(sweep.path.resolve()) if sweep else None,
        tags=_tags(settings, name, job.data.name, overrides, digest, sweep_info),
        tracking=tracking,
    )
    position = _position(info.job, sweep_info, settings.search.trial)
    resuming = bool(sweep_info and sweep_info.resume)
    if resuming and (done := _finished_here(folder, digest, sweep_info.code)):  # ran here before
        if not settings.quiet:
            shown = dataclasses.replace(done, status="SKIPPED")
            print(job_line(position, shown, settings.objective, folder.mirrored_run_id()))
        return objective_of(done, settings.objective)
    checks = [ReuseCheck(sweep, digest)] if resuming else []
    if sweep_info and Process(**sweep_info.process) != Process.current():
        checks.append(SweepCheck(Process(**sweep_info.process)))
    recorder = FolderRecorder(folder, info, job.metrics, job.network.params,
                              [check.check for check in checks])  # fmt: skip
    callbacks = [recorder, *callbacks, *_pruning(settings)]
    if not settings.quiet and show_bars():
        callbacks.append(ProgressBar(settings.trainer.epochs, f"{position}{info.name}"))
    worker = cli.worker() if tracking and sweep is None else None
    status, outcome, reason, summary, disk = "FAILED", "failed", None, {}, None
    stopped = None  # Ctrl-C or SIGTERM in a run of its own: the command ends once it is recorded
    cli.handle_sigterm()
    try:
        folder.start(resolved)
        recorder.start()
        if worker:
            worker.watch(folder.path)
        with threadpool_limits(settings.trainer.blas_threads):
            history = job.run(callbacks)
        if resuming and history.status != "skipped":
            checks[0].wait(REUSE_WAIT_SECONDS)
        outcome, reason, summary = history.status, history.stop_reason, history.summary()
        status = "FAILED" if outcome == "diverged" else "FINISHED"
    except Reused:
        outcome = "skipped"
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        disk = error if isinstance(error, OSError) and error.errno in DISK_FULL else None
        details = "".join(traceback.format_exception(error))
    except BaseException as error:
        reason = str(error) if isinstance(error, SweepGone) else type(error).__name__
        status, outcome = "KILLED", "killed"
        if multirun or not interrupted(error):
            raise
        stopped = error
    finally:
        if outcome == "skipped":
            status, reason, summary = "SKIPPED", None, checks[0].found["summary"]
            info.reused = checks[0].found
            for name in (HISTORY, WEIGHTS):
                folder.file(name).unlink(missing_ok=True)
        try:
            recorder.close(status, outcome, reason, summary)
            if status == "FAILED":
                folder.write_error(reason + "\n" if outcome == "diverged" else details)
        except OSError as error:
            disk = disk or error
        answer = worker.end() if worker else {"runs": {}, "notes": []}
        run_id = info.reused["run_id"] if info.reused else answer["runs"].get(str(folder.path))
        if not settings.quiet:
            print(job_line(position, info, settings.objective, run_id or folder.mirrored_run_id()),
                  flush=True)  # fmt: skip
        for note in answer["notes"]:
            print(f"warning: {note}", file=sys.stderr, flush=True)
        if outcome == "killed" and reason.startswith(SWEEP_GONE):
            os._exit(1)  # a parallel launcher's worker with no sweep left to work for
    if stopped is not None:
        exit_interrupted(stopped, f"run KILLED, record in {folder.path}")
    if disk is not None:  # no later job could write its record either: stop the sweep
        exit_with(f"cannot write the record of {info.name} in {folder.path}: {disk.strerror}", 1)
    if status == "FAILED" and not multirun:
        exit_with(f"run FAILED: {reason}", 1)
    if answer["notes"]:
        exit_with(f"not everything reached {tracking['uri']}; send it later with: "
                  f"python -m nnlab.sync {folder.path}", 3)  # fmt: skip
    return objective_of(info, settings.objective)


def validated(cfg: DictConfig, overrides: list[str]):
    """``(settings, job, callbacks)`` of a job's config; a bad value ends the command with one
    line and exit status 2 (Hydra would add a line of its own to a raised error)."""
    try:
        settings = schema.settings(cfg)
        return settings, build(settings), user_callbacks(settings)
    except USAGE_ERRORS as error:
        exit_with(describe(error, overrides), 2)


class CheckFirst(HydraCallback):
    """A run of its own (no ``-m``) is checked before Hydra makes its output folder: its config
    and its tracking store, so that a mistake leaves nothing behind (a sweep checks its jobs
    the same way, ``nnlab.cli.sweeper``)."""

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        settings, _, _ = validated(schema.without_hydra(config), list(config.hydra.overrides.task))
        cli.checked_store(settings.tracking)


class SweepCheck:
    """Stops a job that runs in another process than its sweep (a parallel launcher's worker)
    once the sweep's process is gone: nothing would wait for it, and it must not train on."""

    def __init__(self, process: Process) -> None:
        self.process = process

    def check(self) -> None:
        if self.process.alive() is False:
            raise SweepGone(f"{SWEEP_GONE} (pid {self.process.pid})")


class SweepGone(KeyboardInterrupt):
    """The run ends KILLED, as if interrupted."""


class ReuseCheck:
    """Stops training (``Reused``) once the sweep's tracker has found a FINISHED run with this
    job's config (``.nnlab/reuse.json``)."""

    def __init__(self, sweep: SweepFolder, digest: str) -> None:
        self.sweep, self.digest = sweep, digest
        self.found: dict | None = None
        self.decided = False

    def check(self) -> None:
        if not self.decided and (reuse := self.sweep.reuse()) is not None:
            self.decided, self.found = True, reuse.get(self.digest)
        if self.found is not None:
            raise Reused(f"a FINISHED run with this config exists: {self.found['run_id']}")

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.decided and time.monotonic() < deadline:
            time.sleep(0.1)
            self.check()
        self.check()


def user_callbacks(settings: schema.Config) -> list[Callback]:
    """The training callbacks of ``callbacks.<name>``, each checked to be a callback."""
    found = []
    for name, node in settings.callbacks.items():
        try:
            callback = instantiate(node)
        except Exception as error:
            while error.__cause__ is not None:  # Hydra wraps what went wrong
                error = error.__cause__
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise schema.ConfigError(f"callbacks.{name}: {message}") from None
        if not any(callable(getattr(callback, hook, None)) for hook in vars(Callback)
                   if hook.startswith("on_")):  # fmt: skip
            raise schema.ConfigError(f"callbacks.{name}: {type(callback).__name__} has no "
                                     "on_epoch_end or other callback hook")  # fmt: skip
        found.append(callback)
    return found


def run_name(overrides: list[str], sweep: SweepInfo | None) -> str:
    """The overrides that tell this job apart: inside a sweep, those of the keys that vary
    between its jobs; else all but where it is tracked. ``defaults`` when there are none."""
    keys = [o.split("=", 1)[0].lstrip("+~") for o in overrides]
    if sweep is not None and sweep.varying:
        kept = [o for o, key in zip(overrides, keys, strict=True) if key in sweep.varying]
    else:
        kept = [
            o for o, key in zip(overrides, keys, strict=True)
            if not key.startswith(("tracking.", "hydra.", "search.")) and key != "quiet"
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


def _tracking(settings: schema.Config, sweep: SweepInfo | None) -> dict | None:
    """Where the run is tracked: the sweep's store (whatever this process's environment says),
    or for a run of its own the configured one, checked before anything trains."""
    tracking = settings.tracking
    if tracking.backend == "none":
        return None
    if sweep is not None:
        uri = sweep.tracking["uri"] if sweep.tracking else None
    else:
        uri = cli.checked_store(tracking)
    return uri and {"uri": uri, "experiment": tracking.experiment,
                    "max_points": tracking.max_points, "figures": tracking.figures}  # fmt: skip


def method_name(settings: schema.Config) -> str:
    """The training method: the ``method`` chosen (``conf/method/``), else the optimizer, with
    its schedule when it has one (``sgd+inverse_time``)."""
    chosen = HydraConfig.get().runtime.choices.get("method")
    if chosen:
        return chosen
    optimizer, schedule = settings.optimizer.name, settings.schedule.name
    return optimizer if schedule == "constant" else f"{optimizer}+{schedule}"


def _tags(settings, name: str, dataset: str, overrides, digest: str, sweep) -> dict[str, str]:
    key = color_key(name)
    tags = {
        "nnlab.role": "run",
        "nnlab.overrides": " ".join(overrides) or "(defaults)",
        "nnlab.seed": str(settings.trainer.seed),
        "nnlab.config_hash": digest,
        "nnlab.method": method_name(settings),
        "mlflow.runColor": (sweep.colors.get(key) if sweep else None) or colors.assign([key])[0],
        "nnlab.dataset": dataset,
        **provenance.tags(),  # git commit, dirty tree, versions: once per process
        "mlflow.source.name": "run.py",
        "mlflow.source.type": "LOCAL",
    }
    if sweep is not None:
        tags["nnlab.sweep_id"] = sweep.id
        tags["nnlab.job"] = str(HydraConfig.get().job.num)
    else:
        tags["nnlab.job"] = "0"
    return tags


def _pruning(settings: schema.Config) -> list:
    """The search's pruner, for a trial of a search that prunes (``nnlab.search``)."""
    search = settings.search
    if search.trial is None or search.prune_every <= 0:
        return []
    from nnlab.search import OptunaPruning

    return [OptunaPruning(search, settings.objective)]


def _finished_here(folder: RunFolder, digest: str, code: dict | None) -> RunInfo | None:
    """The FINISHED run with config hash ``digest`` the folder holds, if it holds one (made by
    the code with the tags ``code``, unless that is ``None``)."""
    try:
        found = folder.info()
    except ValueError:
        return None
    if found is None or found.status != "FINISHED":
        return None
    same_code = code is None or provenance.code_tags(found.tags) == code
    return found if same_code and found.tags.get("nnlab.config_hash") == digest else None


def _position(num: int, sweep: SweepInfo | None, trial: int | None) -> str:
    """How a job's line starts: ``[3/8] `` in a sweep, ``[trial 2] `` in a search (Optuna's
    trial number, as the search's summary and report name it)."""
    if sweep is None:
        return ""
    if trial is not None:
        return f"[trial {trial}] "
    return f"[{num + 1}/{sweep.total_jobs}] " if sweep.total_jobs else f"[{num + 1}] "
