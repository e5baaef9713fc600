import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


# --- end-to-end runs of run.py (tests/test_run.py, tests/track/) ------------------------------


@pytest.fixture(scope="session")
def xdg_cache(tmp_path_factory):
    """One cache for every run of the session: nnlab's migrated empty MLflow database is made
    once, and the user's own cache is left alone."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="session")
def sweep_env(xdg_cache):
    """The environment for ``run.py`` subprocesses (see ``support.e2e.environment``)."""
    from support import e2e

    return e2e.environment(xdg_cache)


@pytest.fixture(scope="session")
def run_sweep(sweep_env):
    """``run_sweep(args, folder, env=None, timeout=180, *, uri=None, sweep_dir=None,
    quiet=True)`` runs ``python run.py <args>`` with its store ``sqlite:///<folder>/mlflow.db``
    (or ``uri``), its sweep in ``<folder>/sweep`` and cwd ``folder``; a ``CompletedProcess``."""
    import subprocess

    from support import e2e

    def run(args, folder, env=None, timeout=180, *, uri=None, sweep_dir=None, quiet=True):
        return subprocess.run(
            e2e.command(args, folder, uri=uri, sweep_dir=sweep_dir, quiet=quiet),
            cwd=folder,
            env={**sweep_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def store(tmp_path) -> str:
    """A fresh local MLflow store: ``sqlite:///<tmp_path>/mlflow.db`` (not created yet)."""
    from support import e2e

    return e2e.store_uri(tmp_path)
