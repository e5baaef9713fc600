"""Sweep throughput per launcher: the same sweep of short jobs, ``python run.py -m
trainer.seed=range(16) trainer.epochs=1000``, run with each launcher installed here (basic;
joblib with ``n_jobs=2``; Ray on a local cluster of 2 CPUs; submitit_local, which starts every
job at once), each on a fresh temporary SQLite store and sweep folder, timed as a whole command
(start-up, every job, the report). Prints jobs per minute and the speed-up over the basic
launcher with the same tracking, also with ``tracking=none`` (no MLflow: what the launcher itself
costs). Every sweep is checked: 16 jobs recorded FINISHED.

It first measures what this machine's cores deliver: the same CPU-bound training (nnlab's
``train.fit``, one BLAS thread) run once alone and twice at the same time. On a machine whose
two busy processes share about one core's throughput, no launcher can be much faster than the
basic one: parallel launchers then win only the time jobs spend waiting (start-up, I/O).

usage: python benchmarks/sweep_throughput.py [--jobs 16] [--epochs 1000] [--repeats 1]
       [--launchers basic,joblib,ray,submitit_local] [--tracking mlflow,none] [--cpu-epochs 20000]
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import environment, load_average, timed_sweep

LAUNCHERS = {  # name: (label, overrides)
    "basic": ("basic", []),
    "joblib": ("joblib n_jobs=2", ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]),
    "ray": ("ray num_cpus=2", ["hydra/launcher=ray", "hydra.launcher.ray.init.num_cpus=2"]),
    "submitit_local": ("submitit_local", ["hydra/launcher=submitit_local"]),
}
NEEDS = {"ray": "ray", "submitit_local": "hydra_plugins.hydra_submitit_launcher"}

# one process's CPU-bound load: the README's network trained on spiral data
TRAIN = """
import time, numpy as np
from threadpoolctl import threadpool_limits
from nnlab import data, nn, optim, schedules, train
ds = data.make("spiral", samples=100, classes=3, validation_samples=100,
               train_rng=np.random.default_rng(0), val_rng=np.random.default_rng(1))
net = nn.mlp(2, [64], 3, task="categorical", rng=np.random.default_rng(2))
with threadpool_limits(1):
    start = time.perf_counter()
    train.fit(net, ds, optim.sgd(), schedules.constant(1.0), epochs={epochs})
print(time.perf_counter() - start)
"""


def available(launcher: str) -> bool:
    module = NEEDS.get(launcher)
    return module is None or importlib.util.find_spec(module) is not None


def sweep_seconds(folder: Path, launcher: str, tracking: str, jobs: int, epochs: int) -> float:
    overrides = [f"trainer.seed=range({jobs})", f"trainer.epochs={epochs}", *LAUNCHERS[launcher][1]]
    return timed_sweep(folder, overrides, tracking, jobs)


def cpu_throughput(epochs: int) -> tuple[float, float]:
    """Seconds of one training alone, and of each of two run at the same time (mean)."""
    code = TRAIN.format(epochs=epochs)

    def start():
        return subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, env=environment()
        )

    alone = float(start().communicate()[0])
    pair = [start(), start()]
    together = statistics.mean(float(p.communicate()[0]) for p in pair)
    return alone, together


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1, help="rounds; medians are reported")
    parser.add_argument("--launchers", default=",".join(LAUNCHERS))
    parser.add_argument("--tracking", default="mlflow,none")
    parser.add_argument("--cpu-epochs", type=int, default=20000, help="for the core measurement")
    args = parser.parse_args()
    launchers = [name for name in args.launchers.split(",") if name]
    missing = [name for name in launchers if not available(name)]
    launchers = [name for name in launchers if name not in missing]
    trackings = args.tracking.split(",")

    alone, together = cpu_throughput(args.cpu_epochs)
    print(f"{os.cpu_count()} CPUs; {load_average()}")
    print(
        f"CPU-bound training ({args.cpu_epochs} epochs, 1 BLAS thread): {alone:.2f} s alone, "
        f"{together:.2f} s each when two run at once: two busy processes get "
        f"{2 * alone / together:.2f}x the throughput of one"
    )

    times: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="nnlab-throughput-") as scratch:
        warm = Path(scratch) / "warm-up"
        warm.mkdir()
        sweep_seconds(warm, "basic", "mlflow", 1, 10)  # imports, nnlab's migrated database
        for round_ in range(args.repeats):
            for tracking in trackings:
                for launcher in launchers:
                    folder = Path(scratch) / f"{launcher}-{tracking}-{round_}"
                    folder.mkdir()
                    seconds = sweep_seconds(folder, launcher, tracking, args.jobs, args.epochs)
                    times.setdefault((launcher, tracking), []).append(seconds)
                    print(f"  {launcher}/{tracking} round {round_ + 1}: {seconds:.1f} s",
                          file=sys.stderr, flush=True)  # fmt: skip

    print(
        f"\npython run.py -m trainer.seed=range({args.jobs}) trainer.epochs={args.epochs}, "
        f"whole command, median of {args.repeats}"
    )
    header = ("launcher", "tracking", "seconds", "jobs/min", "speed-up vs basic")
    rows = [header]
    for tracking in trackings:
        basic = times.get(("basic", tracking))
        for launcher in launchers:
            seconds = statistics.median(times[(launcher, tracking)])
            speedup = f"{statistics.median(basic) / seconds:.2f}x" if basic else "-"
            rows.append((LAUNCHERS[launcher][0], tracking, f"{seconds:.1f}",
                         f"{args.jobs * 60 / seconds:.1f}", speedup))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    if missing:
        print(f"not installed, skipped: {', '.join(missing)} (pip install -e '.[ray,slurm]')")


if __name__ == "__main__":
    main()
