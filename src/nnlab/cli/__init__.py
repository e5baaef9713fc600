"""Running ``run.py``.

- Configuration mistakes end the command with one line on stderr that names the key, the value
  and what is allowed, and exit status 2, instead of a traceback. (Hydra prints its own
  multi-line messages unless ``HYDRA_FULL_ERROR`` is set, in which case it lets exceptions
  through; ``run`` sets it and formats the ones it knows. With ``HYDRA_FULL_ERROR=1`` already in
  the environment, errors propagate untouched.)
- SIGTERM ends the command like Ctrl-C (``exit_on_sigterm``): runs and the sweep are recorded
  KILLED, and the command ends with one line saying so (``interrupted: ...``) and exit status
  130 (Ctrl-C) or 143, not a traceback.
- The tracking worker (``worker``), which imports MLflow (a second or two), starts before Hydra
  composes the config, unless the command line says ``tracking=none``.
- ``${nnlab.unique:}`` (in ``conf/hydra/default.yaml``) gives each command's output folder a
  random suffix, so two sweeps started in the same second do not share one.
- ``--help`` prints nnlab's text (``conf/hydra/help/nnlab.yaml``), whose ``${nnlab.groups:}``
  lists the config groups and their options (``nnlab.cli.help``).
"""

import atexit
import os
import secrets
import signal
import sys
from collections.abc import Callable

from omegaconf import OmegaConf

from nnlab.cli.errors import USAGE_ERRORS, describe, exit_interrupted, exit_with
from nnlab.cli.help import config_groups
from nnlab.run.schema import ConfigError, TrackingConfig
from nnlab.track.uri import Unreachable, check, resolve_uri
from nnlab.track.worker import MirrorProcess

_worker: MirrorProcess | None = None
OmegaConf.register_new_resolver("nnlab.unique", lambda: secrets.token_hex(2), use_cache=True)
OmegaConf.register_new_resolver("nnlab.groups", config_groups)


def run(hydra_main: Callable[[], object]) -> None:
    handle_sigterm()
    if "tracking=none" not in sys.argv[1:] and "--help" not in sys.argv:
        worker()
    formatting = os.environ.get("HYDRA_FULL_ERROR") != "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        hydra_main()
    except USAGE_ERRORS as error:
        if not formatting:
            raise
        exit_with(describe(error, sys.argv[1:]), 2)
    except KeyboardInterrupt as error:  # outside a run (the sweep and the app say what was KILLED)
        exit_interrupted(error)


def worker() -> MirrorProcess:
    """This process's tracking worker, started on first use and stopped at exit."""
    global _worker
    if _worker is None:
        _worker = MirrorProcess()
        atexit.register(_worker.stop)
    return _worker


def checked_store(tracking: TrackingConfig) -> str | None:
    """The store runs of these settings go to (``None``: not tracked), checked before anything
    is recorded: one line and exit status 2 for a setting that cannot be a store, 3 for a
    store that cannot be used now."""
    if tracking.backend == "none":
        return None
    uri = resolve_uri(tracking.uri)
    try:
        check(uri, tracking.experiment)
    except ConfigError as error:
        exit_with(str(error), 2)
    except Unreachable as error:
        exit_with(str(error), 3)
    return uri


def exit_on_sigterm(signum, frame) -> None:
    """The SIGTERM handler: end like Ctrl-C does, with ``SystemExit(143)``, so what runs is
    recorded KILLED (a process killed by default handling records nothing)."""
    raise SystemExit(128 + signum)


def handle_sigterm() -> None:
    """Install ``exit_on_sigterm`` in a process that runs jobs (the main thread only)."""
    try:
        signal.signal(signal.SIGTERM, exit_on_sigterm)
    except ValueError:  # not the main thread: signals are the host's business
        pass
