"""How a command ends early, in one line on stderr: a configuration mistake names the key, the
value and what is allowed (``describe``, ``exit_with``); an interrupted command says what it
recorded KILLED and where (``exit_interrupted``)."""

import dataclasses
import signal
import sys
from typing import NoReturn

from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from nnlab.cli.launchers import EXTRAS, install_hint
from nnlab.run.schema import ConfigError, unknown_key

USAGE_ERRORS = (ConfigError, ConfigCompositionException, OverrideParseException,
                OmegaConfBaseException)  # fmt: skip


def describe(error: Exception, argv: list[str]) -> str:
    """One line for a configuration error; ``argv`` supplies the override as the user typed it."""
    if isinstance(error, MissingConfigException) and error.options and error.missing_cfg_file:
        group, _, option = error.missing_cfg_file.rpartition("/")
        if group == "hydra/launcher" and option in EXTRAS:  # its extra is not installed
            return install_hint(option)
        return f"{group}={option} is not an option; allowed: {', '.join(sorted(error.options))}"
    if isinstance(error, OverrideParseException):
        reason = error.message.splitlines()[0]
        return (f"{error.override}: not an override Hydra can read ({reason}); lists are "
                "written [1,2], text with spaces or brackets in quotes")  # fmt: skip
    cause = error.__cause__ if isinstance(error.__cause__, OmegaConfBaseException) else None
    if cause is None and isinstance(error, OmegaConfBaseException):
        cause = error
    key = getattr(cause, "full_key", None)
    if cause is not None and key:
        setting = _argument(argv, key) or key
        schema = getattr(cause, "object_type", None)
        unknown = isinstance(cause, ConfigKeyError | ConfigAttributeError)
        if unknown and dataclasses.is_dataclass(schema):
            return unknown_key(setting, key.rpartition(".")[0], schema)
        return f"{setting}: {getattr(cause, 'msg', str(cause)).splitlines()[0]}"
    return next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)


def exit_with(message: str, status: int) -> None:
    """Print ``error: <message>`` on stderr and end the process with ``status``. Raised as
    ``SystemExit`` so it passes through Hydra, which turns exceptions in callbacks into
    warnings."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(status)


def interrupted(error: BaseException) -> bool:
    """Ctrl-C or SIGTERM (``SystemExit(128 + signal)``), not a failure."""
    return isinstance(error, KeyboardInterrupt) or (
        isinstance(error, SystemExit) and error.code in (128 + signal.SIGINT, 128 + signal.SIGTERM)
    )


def exit_interrupted(error: BaseException, what: str | None = None) -> NoReturn:
    """End an interrupted command (``interrupted(error)``) with ``interrupted: <what>`` on stderr
    and exit status 130 (Ctrl-C) or 143 (SIGTERM) instead of a traceback."""
    print(f"interrupted: {what}" if what else "interrupted", file=sys.stderr, flush=True)
    raise SystemExit(error.code if isinstance(error, SystemExit) else 128 + signal.SIGINT)


def _argument(argv: list[str], key: str) -> str | None:
    for argument in argv:
        if argument.lstrip("+~").split("=", 1)[0] == key:
            return argument
    return None
