"""Files through which a sweep and its jobs talk, in ``<sweep dir>/.nnlab/``: the sweep writes
``sweep.json`` (its parent run, store and number of jobs) before any job starts; each job
writes ``jobs/<num>.json`` with its outcome when it ends. They work with every launcher that
shares the sweep folder (sequential, joblib, Ray or Slurm on a shared file system)."""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

FOLDER = ".nnlab"


@dataclass
class SweepInfo:
    sweep_id: str
    total_jobs: int | None = None  # None: the sweeper picks jobs as it goes (Optuna)
    varying: list[str] = field(default_factory=list)  # override keys that differ between jobs
    parent_run_id: str | None = None  # set for launchers that run jobs in other processes
    tracking_uri: str | None = None


@dataclass
class JobResult:
    num: int
    name: str
    overrides: list[str] = field(default_factory=list)
    status: str = "RUNNING"  # FINISHED | PRUNED | FAILED | KILLED | SKIPPED
    objective: float | None = None
    run_id: str | None = None
    error: str | None = None
    seconds: float = 0.0
    summary: dict[str, float] = field(default_factory=dict)


def jobs_run_here(launcher) -> bool:
    """Whether the sweep's ``launcher`` config (``hydra.launcher``) runs its jobs in the sweep's
    own process, one after another (Hydra's basic launcher)."""
    return str(launcher.get("_target_")).endswith("BasicLauncher")


def write_sweep(sweep_dir: Path, info: SweepInfo) -> None:
    _write_json(sweep_dir / FOLDER / "sweep.json", asdict(info))


def read_sweep(sweep_dir: Path) -> SweepInfo | None:
    path = sweep_dir / FOLDER / "sweep.json"
    return SweepInfo(**json.loads(path.read_text())) if path.exists() else None


def write_job(sweep_dir: Path, result: JobResult) -> None:
    _write_json(sweep_dir / FOLDER / "jobs" / f"{result.num}.json", asdict(result))


def read_jobs(sweep_dir: Path) -> list[JobResult]:
    folder = sweep_dir / FOLDER / "jobs"
    paths = sorted(folder.glob("*.json"), key=lambda p: int(p.stem)) if folder.is_dir() else []
    return [JobResult(**json.loads(path.read_text())) for path in paths]


def _write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(payload, indent=2, allow_nan=True))
    os.replace(partial, path)
