"""What tracking costs a user: the README's main sweep, ``python run.py -m optimizer=sgd,adagrad``
with the defaults (MLflow in a local SQLite store, per-epoch metrics, artifacts, figures, the
sweep report), against the same sweep with ``tracking=none``, timed as whole commands.

The two commands alternate for ``--repeats`` rounds, each MLflow round on a fresh store (a
re-run in the same store would skip the finished jobs), and the ratio of the median wall times
is reported with the target (<= 1.5).

usage: python benchmarks/tracking_overhead.py [--repeats N] [--epochs E]
"""

import argparse
import statistics
import tempfile
from pathlib import Path

from harness import load_average, timed_sweep

TARGET = 1.5
SWEEP = ["optimizer=sgd,adagrad"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None, help="default: the config's (10001)")
    args = parser.parse_args()
    overrides = SWEEP + ([f"trainer.epochs={args.epochs}"] if args.epochs else [])
    times: dict[str, list[float]] = {"none": [], "mlflow": []}
    with tempfile.TemporaryDirectory() as scratch:
        # warm caches (imports, migrated database)
        timed_sweep(Path(scratch), [*SWEEP, "trainer.epochs=10"], "mlflow", jobs=2)
        for round_ in range(args.repeats):
            for tracking in ("none", "mlflow") if round_ % 2 == 0 else ("mlflow", "none"):
                folder = Path(scratch) / f"{tracking}{round_}"
                folder.mkdir()
                times[tracking].append(timed_sweep(folder, overrides, tracking, jobs=2))
    print(f"python run.py -m optimizer=sgd,adagrad ({args.epochs or 'default'} epochs), "
          f"{args.repeats} rounds, {load_average()}")  # fmt: skip
    for tracking, values in times.items():
        print(f"  tracking={tracking:6s} median {statistics.median(values):6.2f} s   "
              f"min {min(values):6.2f} s   max {max(values):6.2f} s")  # fmt: skip
    ratio = statistics.median(times["mlflow"]) / statistics.median(times["none"])
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"  mlflow / none = {ratio:.2f}x   target <= {TARGET}   {verdict}")


if __name__ == "__main__":
    main()
