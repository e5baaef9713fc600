"""Running ``run.py``.

- Configuration mistakes end the command with one line on stderr that names the key, the value
  and what is allowed, and exit status 2, instead of a traceback. (Hydra prints its own
  multi-line messages unless ``HYDRA_FULL_ERROR`` is set, in which case it lets exceptions
  through; ``run`` sets it and formats the ones it knows. With ``HYDRA_FULL_ERROR=1`` already in
  the environment, errors propagate untouched.)
- SIGTERM ends the command like Ctrl-C: runs and the sweep's parent run are closed KILLED.
- The tracking worker (which imports MLflow, a second or two) starts before Hydra composes the
  config, unless the command line says ``tracking=none``.
"""

import os
import signal
import sys
from collections.abc import Callable

from nnlab import sweep
from nnlab.errors import USAGE_ERRORS, describe, exit_with


def run(hydra_main: Callable[[], object]) -> None:
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    if "tracking=none" not in sys.argv[1:] and "--help" not in sys.argv:
        from nnlab.tracking import background

        background.start()
    formatting = os.environ.get("HYDRA_FULL_ERROR") != "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        hydra_main()
    except USAGE_ERRORS as error:
        if not formatting:
            raise
        exit_with(describe(error, sys.argv[1:]), 2)
    except (KeyboardInterrupt, SystemExit):
        sweep.close_interrupted("KILLED")
        raise
    except BaseException:
        sweep.close_interrupted("FAILED")
        raise


def exit_on_sigterm(signum, frame) -> None:
    """A SIGTERM handler: end like Ctrl-C does, with ``SystemExit(143)``, so what runs is closed
    KILLED with its metrics flushed (a process killed by default handling records nothing)."""
    raise SystemExit(128 + signum)
