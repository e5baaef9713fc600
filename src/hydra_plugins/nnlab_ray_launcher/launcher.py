"""Runs each job of a batch as a Ray task, through Hydra's ``run_job`` as Hydra's own launchers
do: the job's config is composed here, sent with Hydra's global state to the task, which sets it
up again in the worker and runs the task function. Ray is imported only by ``launch``.

- Workers run jobs in the directory the command was started from, where that directory exists
  (on this machine, or on a cluster that shares it), so relative paths mean the same as under
  the basic launcher. Elsewhere the sweep folder must be given as an absolute path on a file
  system all nodes share.
- Ctrl-C or SIGTERM cancel the jobs: queued ones never start, running ones get a
  ``KeyboardInterrupt`` and ``cancel_grace_seconds`` to record that before the command ends.
- A job whose worker process died (killed, out of memory) comes back as a failed ``JobReturn``
  after the other jobs have finished; Hydra then stops the sweep with that error.
"""

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import (
    JobReturn,
    JobStatus,
    configure_log,
    filter_overrides,
    run_job,
    setup_globals,
)
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict

log = logging.getLogger(__name__)

INSTALL_HINT = "hydra/launcher=ray needs Ray: pip install -e '.[ray]' (or pip install 'ray>=2.40')"


class RayLauncher(Launcher):
    def __init__(self, ray: DictConfig, cancel_grace_seconds: float = 30.0) -> None:
        self.ray_cfg = ray
        self.cancel_grace_seconds = cancel_grace_seconds
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None
        self._started_ray = False  # this launcher started Ray: it may stop it

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        assert self.config is not None
        assert self.hydra_context is not None
        ray = _import_ray()
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        self._started_ray = _start(ray, _options(self.ray_cfg.init)) or self._started_ray
        resources = ray.cluster_resources()
        log.info(
            f"Ray launcher: {len(job_overrides)} jobs on a cluster of "
            f"{resources.get('CPU', 0):g} CPUs, sweep output dir: {sweep_dir}"
        )
        context = ray.put(self.hydra_context)
        task_function = ray.put(self.task_function)
        state = ray.put(Singleton.get_state())
        execute = ray.remote(_execute)
        options = _options(self.ray_cfg.remote)
        refs = []
        for idx, overrides in enumerate(job_overrides, start=initial_job_idx):
            log.info(f"\t#{idx} : {' '.join(filter_overrides(overrides))}")
            sweep_config = self.hydra_context.config_loader.load_sweep_config(
                self.config, list(overrides)
            )
            with open_dict(sweep_config):
                sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
                sweep_config.hydra.job.num = idx
            task = execute.options(**options, name=f"job {idx}")
            refs.append(task.remote(context, sweep_config, task_function, state, os.getcwd()))
        return self._collect(ray, refs, job_overrides)

    def _collect(self, ray, refs: list, job_overrides: Sequence[Sequence[str]]) -> list[JobReturn]:
        """Every job's ``JobReturn``, in order, once all have ended."""
        pending = list(refs)
        try:
            with _sigterm_between_waits() as received:
                while pending:  # short waits, so that Ctrl-C and SIGTERM are handled at once
                    _, pending = ray.wait(pending, num_returns=len(pending), timeout=0.5)
                    received.deliver()
        except BaseException:
            self._cancel(ray, pending)
            if self._started_ray:  # else Ctrl-C's exit status, 130, would come out as 1
                ray.shutdown()
            raise
        if self.ray_cfg.init.get("log_to_driver", True):
            time.sleep(0.5)  # the jobs' last lines, forwarded by Ray, before the sweep's summary
        results = []
        for ref, overrides in zip(refs, job_overrides, strict=True):
            try:
                results.append(ray.get(ref))
            except ray.exceptions.RayError as error:  # the job's process died, or Ray failed
                failed = JobReturn(overrides=list(overrides), status=JobStatus.FAILED)
                failed.return_value = error
                results.append(failed)
        return results

    def _cancel(self, ray, pending: list) -> None:
        if not pending:
            return
        print(
            f"stopping {len(pending)} Ray jobs (waiting up to {self.cancel_grace_seconds:g} s "
            "for them to record their runs)",
            file=sys.stderr,
            flush=True,
        )
        for ref in pending:
            ray.cancel(ref)
        try:
            ray.wait(pending, num_returns=len(pending), timeout=self.cancel_grace_seconds)
        except BaseException:  # noqa: BLE001 - a second Ctrl-C: stop waiting
            pass


def _execute(
    hydra_context: HydraContext,
    sweep_config: DictConfig,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
    cwd: str,
) -> JobReturn:
    """One job, in a Ray worker: Hydra's state as in the launching process, then ``run_job``."""
    if threading.current_thread() is threading.main_thread():
        # ray.cancel interrupts a running task through SIGINT, which a worker started from a
        # shell's background job (or nohup) would otherwise ignore
        signal.signal(signal.SIGINT, signal.default_int_handler)
    setup_globals()
    Singleton.set_state(singleton_state)
    HydraConfig.instance().set_config(sweep_config)
    home = os.getcwd()
    if os.path.isdir(cwd):
        os.chdir(cwd)
    try:
        return run_job(
            hydra_context=hydra_context,
            task_function=task_function,
            config=sweep_config,
            job_dir_key="hydra.sweep.dir",
            job_subdir_key="hydra.sweep.subdir",
        )
    finally:
        os.chdir(home)


class _Received:
    """A SIGTERM noted during ``ray.wait``, handed to the command's own handler after it."""

    def __init__(self, handler) -> None:
        self.handler = handler
        self.signum: int | None = None

    def note(self, signum: int, frame) -> None:
        self.signum = signum

    def deliver(self) -> None:
        signum, self.signum = self.signum, None
        if signum is None:
            return
        if not callable(self.handler):  # SIG_DFL: the process would end
            raise SystemExit(128 + signum)
        self.handler(signum, None)


@contextmanager
def _sigterm_between_waits() -> Iterator[_Received]:
    """Ray turns any exception a signal handler raises inside ``ray.wait`` into
    ``SystemExit(1)``, losing the command's own (nnlab: ``SystemExit(143)``, runs closed KILLED);
    so SIGTERM is only noted there, and delivered between waits."""
    if threading.current_thread() is not threading.main_thread():
        yield _Received(None)
        return
    handler = signal.getsignal(signal.SIGTERM)
    received = _Received(handler)
    if handler is not signal.SIG_IGN:
        signal.signal(signal.SIGTERM, received.note)
    try:
        yield received
    finally:
        if handler is not None:
            signal.signal(signal.SIGTERM, handler)


def _import_ray():
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")  # every job's line, however alike (read on import)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # a local cluster reports to no one
    if not sys.stdout.isatty():
        os.environ.setdefault("RAY_COLOR_PREFIX", "0")  # no colour codes in the jobs' lines
    try:
        import ray
    except ImportError:
        print(f"error: {INSTALL_HINT}", file=sys.stderr, flush=True)
        sys.exit(2)
    return ray


def _options(node: DictConfig) -> dict[str, Any]:
    """A config node as keyword arguments, without the keys left ``null``."""
    values = OmegaConf.to_container(node, resolve=True)
    return {key: value for key, value in values.items() if value is not None}


def _start(ray, init: dict[str, Any]) -> bool:
    """Connect to the cluster once per process (a sweeper may launch several batches); whether
    this call did."""
    if ray.is_initialized():
        return False
    init.setdefault("address", "local")  # a cluster of its own, not one found running
    init.setdefault("log_to_driver", True)
    log.info(f"Starting Ray: ray.init({', '.join(f'{k}={v!r}' for k, v in init.items())})")
    main_thread = threading.current_thread() is threading.main_thread()
    sigterm = signal.getsignal(signal.SIGTERM) if main_thread else None
    ray.init(**init)
    if sigterm is not None:  # ray.init replaced the command's SIGTERM handling with sys.exit(15)
        signal.signal(signal.SIGTERM, sigterm)
    return True
