"""Tracking URIs, without importing MLflow: the default local store, and a quick check that a
store is reachable before a job starts training.

The default store is ``sqlite:///<repo>/mlruns/mlflow.db`` with artifacts under
``<repo>/mlruns/artifacts``: absolute, so every job of a sweep writes to the same place whatever
its working directory. ``tracking.uri`` or ``$MLFLOW_TRACKING_URI`` point elsewhere (an MLflow
server: ``http://host:5000``).
"""

import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlparse

from nnlab.paths import REPO_ROOT


class Unreachable(RuntimeError):
    """The tracking store cannot be reached; the message says which and how to fix it."""


def default_uri() -> str:
    return f"sqlite:///{REPO_ROOT / 'mlruns' / 'mlflow.db'}"


def resolve_uri(uri: str | None) -> str:
    """``uri`` if given, else ``$MLFLOW_TRACKING_URI``, else the repository's local store."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or default_uri()


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


def check_reachable(uri: str, timeout: float = 5.0) -> None:
    """Raise ``Unreachable`` unless ``uri`` is a local database we can create or an MLflow
    server that answers its health check."""
    path = sqlite_path(uri)
    if path is not None:
        folder = path.parent
        while not folder.exists():
            folder = folder.parent
        if not os.access(folder, os.W_OK):
            raise Unreachable(f"tracking store {path} is not writable (tracking.uri={uri})")
        return
    scheme = urlparse(uri).scheme
    if scheme not in ("http", "https"):
        return
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as response:
            if response.status == 200:
                return
            reason = f"HTTP {response.status}"
    except (urllib.error.URLError, OSError) as error:
        reason = str(getattr(error, "reason", error))
    raise Unreachable(
        f"tracking server {uri} is unreachable ({reason}); start it or choose another tracking.uri"
    )
