"""What the benchmarks share: the machine's load, and a ``python run.py -m`` sweep timed as a
whole command, as a user runs it."""

import os
import subprocess
import sys
import time
from pathlib import Path

from nnlab.run.sweep import SweepFolder

REPO = Path(__file__).resolve().parents[1]


def load_average() -> str:
    """The 1-minute load average, flagged when other work shares the machine."""
    load = os.getloadavg()[0]
    busy = load > 0.5 * (os.cpu_count() or 1)
    return f"load average {load:.2f}" + (" (busy machine: expect noise)" if busy else "")


def environment() -> dict[str, str]:
    """This process's environment without ``MLFLOW_TRACKING_URI``: every sweep uses its own
    store."""
    return {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}


def timed_sweep(folder: Path, overrides: list[str], tracking: str, jobs: int) -> float:
    """Seconds for ``run.py -m <overrides>`` in ``folder`` (its sweep folder and, for
    ``tracking=mlflow``, a fresh SQLite store there); ends the benchmark unless all ``jobs``
    jobs finished."""
    sweep = folder / "sweep"
    command = [sys.executable, str(REPO / "run.py"), "-m", *overrides, f"tracking={tracking}",
               f"hydra.sweep.dir={sweep}", "quiet=true"]  # fmt: skip
    if tracking == "mlflow":
        command.append(f"tracking.uri=sqlite:///{folder / 'mlflow.db'}")
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=folder, env=environment(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    label = " ".join(overrides)
    if proc.returncode != 0:
        raise SystemExit(f"{label} tracking={tracking} failed ({proc.returncode}):\n{proc.stderr}")
    results = [folder.info() for folder in SweepFolder(sweep).runs()]
    statuses = sorted({result.status for result in results})
    if len(results) != jobs or statuses != ["FINISHED"]:
        raise SystemExit(f"{label} tracking={tracking}: {len(results)} jobs recorded, {statuses}")
    return seconds
