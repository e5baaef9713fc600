"""Where runs are tracked, checked before anything trains, without importing MLflow.

The default store is ``sqlite:///<repo>/mlruns/mlflow.db`` with artifacts under
``<repo>/mlruns/artifacts``. ``tracking.uri`` or ``$MLFLOW_TRACKING_URI`` point elsewhere: another
SQLite file (a relative path is taken from the current directory and made absolute, so every job
of a sweep means the same file), an MLflow server (``http://host:5000``) or a database server
(``postgresql://...``). ``check`` refuses what cannot be a store (``ConfigError``: exit status 2)
and a store that cannot be used now (``Unreachable``: exit status 3): a server that does not
answer, a database file that is damaged.
"""

import os
import socket
import sqlite3
import tempfile
import unicodedata
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from nnlab.paths import REPO_ROOT
from nnlab.run.schema import ConfigError

SERVERS = ("http", "https")
DATABASES = ("sqlite", "postgresql", "mysql", "mssql")  # each also with a driver: postgresql+x
SQLITE_HEADER = b"SQLite format 3\x00"
MAX_EXPERIMENT_NAME = 500  # MLflow's limit


class Unreachable(RuntimeError):
    """The tracking store cannot be used now; the message says which and how to fix it."""


def default_uri() -> str:
    return f"sqlite:///{REPO_ROOT / 'mlruns' / 'mlflow.db'}"


def resolve_uri(uri: str | None) -> str:
    """``uri`` if given, else ``$MLFLOW_TRACKING_URI``, else the repository's local store; a
    relative SQLite path made absolute."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or default_uri()
    path = sqlite_path(uri)
    return uri if path is None else f"sqlite:///{quote(str(Path(path).absolute()))}"


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI; ``None`` for any other store."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(unquote(uri[len("sqlite:///") :]))


def store_exists(uri: str) -> bool:
    """Whether the store holds anything yet (a server is taken to)."""
    path = sqlite_path(uri)
    return path is None or path.exists()


def describe(uri: str) -> str:
    """A short human-readable name of a store: its file path or its address."""
    path = sqlite_path(uri)
    return str(path) if path is not None else uri


def check(uri: str, experiment: str | None = None, timeout: float = 5.0) -> None:
    """Refuse an experiment name or store that cannot be used, before anything is recorded."""
    if experiment is not None:
        check_experiment(experiment)
    scheme = urlparse(uri).scheme.split("+")[0]
    if scheme not in SERVERS + DATABASES:
        raise ConfigError(
            f"tracking.uri={uri} is not a tracking store; give sqlite:///<path>/mlflow.db, "
            "http(s)://host:port (an MLflow server) or postgresql://... (a database)"
        )
    path = sqlite_path(uri)
    if path is not None:
        _check_sqlite(uri, path)
    elif scheme in SERVERS:
        _check_server(uri, timeout)
    else:
        _check_database(uri, timeout)


def check_experiment(name: str) -> None:
    problem = None
    if not name.strip():
        problem = "is empty"
    elif len(name) > MAX_EXPERIMENT_NAME:
        problem = f"is {len(name)} characters long; at most {MAX_EXPERIMENT_NAME}"
    elif any(unicodedata.category(c).startswith("C") for c in name):
        problem = "holds control characters"
    if problem:
        raise ConfigError(f"tracking.experiment={name!r} {problem}")


def _check_sqlite(uri: str, path: Path) -> None:
    if path.is_dir():
        raise ConfigError(f"tracking.uri={uri} names a folder; give the database file in it")
    if path.exists():
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise ConfigError(f"tracking.uri={uri}: {path} is not a SQLite database")
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            verdict = str(error)
        if verdict != "ok":
            found = [line for line in verdict.splitlines() if not line.startswith("***")]
            more = f", and {len(found) - 1} more" if len(found) > 1 else ""
            raise Unreachable(
                f"tracking store {path} is damaged ({found[0]}{more}); move it away and send "
                "the runs again with python -m nnlab.sync <their folders>"
            )
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    try:  # the database and its journal are created beside it
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        raise Unreachable(f"tracking store {path} cannot be written ({error.strerror}); "
                          "choose another tracking.uri") from None  # fmt: skip


def _check_server(uri: str, timeout: float) -> None:
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as response:
            if response.status == 200:
                return
            reason = f"HTTP {response.status}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = str(getattr(error, "reason", error))
    raise Unreachable(
        f"tracking server {uri} is unreachable ({reason}); start it or choose another tracking.uri"
    )


def _check_database(uri: str, timeout: float) -> None:
    parsed = urlparse(uri)
    defaults = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}
    port = parsed.port or defaults[parsed.scheme.split("+")[0]]
    try:
        socket.create_connection((parsed.hostname or "localhost", port), timeout=timeout).close()
    except OSError as error:
        raise Unreachable(f"tracking database {parsed.hostname}:{port} is unreachable ({error}); "
                          "start it or choose another tracking.uri") from None  # fmt: skip
