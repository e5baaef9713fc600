"""What tracking costs a user: the README's main sweep, ``python run.py -m optimizer=sgd,adagrad``
with the defaults (MLflow in a local SQLite store, per-epoch metrics, artifacts, figures, the
sweep report), against the same sweep with ``tracking=none``, timed as whole commands.

The two commands alternate for ``--repeats`` rounds, each MLflow round on a fresh store (a
re-run in the same store would skip the finished jobs), and the ratio of the median wall times
is reported with the target (<= 1.5).

usage: python benchmarks/tracking_overhead.py [--repeats N] [--epochs E]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 1.5


def timed_sweep(folder: Path, tracking: str, epochs: int | None) -> float:
    command = [
        sys.executable, str(REPO / "run.py"), "-m", "optimizer=sgd,adagrad",
        f"tracking={tracking}", f"hydra.sweep.dir={folder / 'sweep'}", "quiet=true",
    ]  # fmt: skip
    if tracking == "mlflow":
        command.append(f"tracking.uri=sqlite:///{folder / 'mlflow.db'}")
    if epochs is not None:
        command.append(f"trainer.epochs={epochs}")
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    start = time.perf_counter()
    subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None, help="default: the config's (10001)")
    args = parser.parse_args()
    times: dict[str, list[float]] = {"none": [], "mlflow": []}
    with tempfile.TemporaryDirectory() as scratch:
        timed_sweep(Path(scratch), "mlflow", 10)  # warm caches (imports, migrated database)
        for round_ in range(args.repeats):
            for tracking in ("none", "mlflow") if round_ % 2 == 0 else ("mlflow", "none"):
                folder = Path(scratch) / f"{tracking}{round_}"
                folder.mkdir()
                times[tracking].append(timed_sweep(folder, tracking, args.epochs))
    load = os.getloadavg()[0]
    print(f"python run.py -m optimizer=sgd,adagrad ({args.epochs or 'default'} epochs), "
          f"{args.repeats} rounds, load average {load:.2f}")  # fmt: skip
    for tracking, values in times.items():
        print(f"  tracking={tracking:6s} median {statistics.median(values):6.2f} s   "
              f"min {min(values):6.2f} s   max {max(values):6.2f} s")  # fmt: skip
    ratio = statistics.median(times["mlflow"]) / statistics.median(times["none"])
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"  mlflow / none = {ratio:.2f}x   target <= {TARGET}   {verdict}")


if __name__ == "__main__":
    main()
