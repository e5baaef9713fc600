"""Running ``run.py`` in a subprocess against a throwaway MLflow store, and reading the store back.

The store of a test is ``sqlite:///<folder>/mlflow.db``; the sweep writes into ``<folder>/sweep``.
``tests/`` is put on ``PYTHONPATH`` so runs can name callbacks from ``support.failing``.
"""

import json
import os
import socket
import sys
import tempfile
from pathlib import Path

from mlflow.entities import ViewType  # noqa: TID251 - tests read the store back
from mlflow.tracking import MlflowClient  # noqa: TID251

from nnlab.track.uri import sqlite_path

os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # quiet downloads

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
SWEEP_ROLE = "nnlab.role"
# what a run of the default spiral classification logs every epoch (history.csv adds "epoch");
# without a penalty, train/data_loss and train/reg_loss would only repeat train/loss and zero
PER_EPOCH_METRICS = frozenset({"lr", "train/accuracy", "train/loss", "val/accuracy", "val/loss"})


def store_uri(folder: Path) -> str:
    return f"sqlite:///{folder / 'mlflow.db'}"


def command(
    args: list[str],
    folder: Path,
    *,
    uri: str | None = None,
    sweep_dir: Path | None = None,
    quiet: bool = True,
) -> list[str]:
    """``python run.py <args>`` with the store, sweep folder and run folder inside ``folder``."""
    return [
        sys.executable,
        str(REPO / "run.py"),
        *args,
        f"tracking.uri={uri or store_uri(folder)}",
        f"hydra.sweep.dir={sweep_dir or folder / 'sweep'}",
        f"hydra.run.dir={folder / 'run'}",
        f"quiet={'true' if quiet else 'false'}",
    ]


def environment(cache: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without a tracking URI or Hydra's error switch, with its own
    cache (nnlab's migrated database template, matplotlib's font list) and ``tests/`` on the
    path."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "HYDRA_FULL_ERROR")
    }
    env["XDG_CACHE_HOME"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH")]))
    env["MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"] = "false"
    env.update(extra or {})
    return env


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def client(uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri=uri)


def free_port() -> int:
    """A local port nothing listens on (just released by the OS)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(pgid: int) -> bool:
    """Whether a process of the process group ``pgid`` is still there."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def db_exists(uri: str) -> bool:
    """Whether the database file of a ``sqlite:///`` store exists (never for a server)."""
    path = sqlite_path(uri)
    return path is not None and path.exists()


def all_runs(uri: str) -> list:
    """Every run in every experiment of the store, a local database or a server; none if the
    local database was never created (a client would create it)."""
    if sqlite_path(uri) is not None and not db_exists(uri):
        return []
    mlflow = client(uri)
    experiments = mlflow.search_experiments(view_type=ViewType.ALL)
    if not experiments:
        return []
    return mlflow.search_runs(
        [e.experiment_id for e in experiments], run_view_type=ViewType.ALL, max_results=10000
    )


def parent_runs(runs: list) -> list:
    return [r for r in runs if r.data.tags.get(SWEEP_ROLE) == "sweep"]


def child_runs(runs: list) -> list:
    return [r for r in runs if r.data.tags.get(SWEEP_ROLE) != "sweep"]


def by_job(runs: list) -> list:
    """``runs`` in the order of their sweep's jobs (tag ``nnlab.job``: 0, 1, ... 10)."""
    return sorted(runs, key=lambda r: int(r.data.tags.get("nnlab.job", -1)))


def metric_history(mlflow: MlflowClient, run_id: str, key: str) -> dict[int, float]:
    """``{step: value}`` of a metric (one point per step is expected)."""
    points = mlflow.get_metric_history(run_id, key)
    steps = [p.step for p in points]
    assert len(steps) == len(set(steps)), f"{key} logged twice at a step: {sorted(steps)}"
    return {p.step: p.value for p in points}


def artifact_paths(mlflow: MlflowClient, run_id: str, path: str | None = None) -> set[str]:
    """All artifact file paths of a run, recursively."""
    found = set()
    for info in mlflow.list_artifacts(run_id, path):
        if info.is_dir:
            found |= artifact_paths(mlflow, run_id, info.path)
        else:
            found.add(info.path)
    return found


def download(mlflow: MlflowClient, run_id: str, path: str) -> Path:
    """A local copy of one artifact (in a folder that lives as long as the process)."""
    target = Path(tempfile.mkdtemp(prefix="nnlab-artifact-"))
    return Path(mlflow.download_artifacts(run_id, path, str(target)))


def sweep_runs_json(mlflow: MlflowClient, parent_id: str) -> list[dict]:
    return json.loads(download(mlflow, parent_id, "sweep_runs.json").read_text())


def job_folder(sweep_dir: Path, num: int) -> Path:
    (folder,) = [p for p in sweep_dir.iterdir() if p.is_dir() and p.name.startswith(f"{num}_")]
    return folder
