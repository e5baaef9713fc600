"""What a sweep costs beyond training, per job, measured in one run: a tracked sweep (MLflow in a
fresh SQLite store, the defaults), the same sweep with ``tracking=none``, and the same jobs
trained in one process (``nnlab.run.job.build`` and ``Job.run``, the numerics alone). CPU seconds
are summed over every process of a command (``getrusage`` of the waited-for children: the sweep,
its tracking worker, launcher workers); wall seconds are noisier on a shared machine.

Scenarios: ``short`` 16 jobs x 1,000 epochs (``trainer.seed=range(16)``); ``long`` 4 x 10,001
(``trainer.seed=range(4)``); ``search`` a 100-trial Optuna search of 1,000-epoch trials
(``hparams_search=sgd_tpe``; its one-process baseline retrains each trial's config for the
epochs it ran). Targets (CPU): ``short`` tracked <= 1.5x and untracked <= 1.2x the one-process
training.

A shared machine's speed drifts by tens of percent within minutes, and the training's CPU drifts
with it. So each round measures the tracked sweep, the untracked one and the one-process
training one after another, and a ratio is the median over rounds of each round's own ratio.

A checkout runs with its own ``src`` first on ``PYTHONPATH``; ``--baseline-repo`` measures a
second checkout (e.g. an older commit, in a git worktree) in the same rounds, against the same
one-process training.

usage: python benchmarks/sweep_overhead.py [--scenarios short,long,search] [--rounds 3]
       [--python PATH --repo DIR]   # the sweeps of another checkout
       [--baseline-repo DIR [--baseline-python PATH]]   # and of a baseline, interleaved
"""

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import REPO, environment, load_average

SEARCH = ["hparams_search=sgd_tpe", "hydra.sweeper.n_trials=100", "trainer.epochs=1000"]
SCENARIOS = {
    "short": (16, ["trainer.seed=range(16)", "trainer.epochs=1000"]),
    "long": (4, ["trainer.seed=range(4)", "trainer.epochs=10001"]),
    "search": (100, SEARCH),
}
TARGETS = {"short": (1.5, 1.2)}  # tracked, untracked CPU over one-process training
RETRAIN = """
import sys, time
from pathlib import Path
from hydra import compose, initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from threadpoolctl import threadpool_limits
from nnlab.run import schema
from nnlab.run.folder import RunFolder
from nnlab.run.job import build
schema.register()
folders = [RunFolder(p.parent) for p in sorted(Path(sys.argv[1]).glob("*/run.json"))]
jobs = []
for folder in folders:  # this checkout's sweeps: each run's config, for the epochs it ran
    config = folder.config()
    config["trainer"]["epochs"] = len(folder.history())
    jobs.append(build(schema.load({k: v for k, v in config.items() if k != "search"})))
if not folders:  # another checkout's grid: the same jobs, composed here
    parsed = OverridesParser.create().parse_overrides(sys.argv[3:])
    with initialize_config_dir(config_dir=sys.argv[2], version_base="1.3"):
        for overrides in BasicSweeper.split_arguments(parsed, None)[0]:
            jobs.append(build(schema.settings(compose("config", overrides=overrides))))
start = time.process_time()
with threadpool_limits(1):
    for job in jobs:
        job.run([])
print(time.process_time() - start, len(jobs))
"""


class Checkout:
    """A checkout whose sweeps are measured: its ``run.py`` run by ``python``, importing its own
    ``src`` first (so one environment can run several checkouts)."""

    def __init__(self, repo: Path, python: str) -> None:
        self.repo, self.python = repo.resolve(), python
        self.env = {**environment(), "PYTHONPATH": str(self.repo / "src")}

    def sweep(self, folder: Path, overrides: list[str], tracking: str) -> tuple[float, float]:
        """``(cpu, wall)`` seconds of ``run.py -m <overrides>`` and every process it waited
        for (a fresh SQLite store in ``folder`` when tracked)."""
        command = [self.python, str(self.repo / "run.py"), "-m", *overrides, f"tracking={tracking}",
                   f"hydra.sweep.dir={folder / 'sweep'}", "quiet=true"]  # fmt: skip
        if tracking == "mlflow":
            command.append(f"tracking.uri=sqlite:///{folder / 'mlflow.db'}")
        if overrides[0].startswith("hparams_search"):  # a study of its own, not one to resume
            command.append(f"hydra.sweeper.storage=sqlite:///{folder / 'optuna.db'}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=folder, env=self.env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr}")
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="short,long,search")
    parser.add_argument("--rounds", type=int, default=3, help="medians over this many rounds")
    parser.add_argument("--python", default=sys.executable, help="runs the sweeps")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose run.py runs")
    parser.add_argument("--baseline-repo", type=Path, help="another checkout, in the same rounds")
    parser.add_argument("--baseline-python", default=None, help="its Python (default: --python)")
    args = parser.parse_args()
    checkouts = {"this checkout": Checkout(args.repo, args.python)}
    if args.baseline_repo:
        checkouts["baseline"] = Checkout(args.baseline_repo, args.baseline_python or args.python)
    for label, checkout in checkouts.items():
        print(f"{label}: sweeps of {checkout.repo} with {checkout.python}")
    print(load_average())
    with tempfile.TemporaryDirectory() as scratch:
        for index, checkout in enumerate(checkouts.values()):  # caches
            warm = Path(scratch) / f"warm-{index}"
            warm.mkdir()
            checkout.sweep(warm, ["trainer.epochs=10"], "mlflow")
        for name in args.scenarios.split(","):
            folders = [Path(scratch) / f"{name}-{r}" for r in range(args.rounds)]
            report(name, [measure(checkouts, folder, name) for folder in folders])
        print(f"\n{load_average()}")


def measure(checkouts: dict, scratch: Path, name: str) -> dict:
    """One round of a scenario: for each checkout, ``(CPU, wall)`` seconds per job of its
    tracked sweep (``mlflow``) and its untracked one (``none``); and the CPU per job of the
    first checkout's jobs trained in one process (``training``)."""
    jobs, overrides = SCENARIOS[name]
    rows = {}
    for index, (label, checkout) in enumerate(checkouts.items()):
        for tracking in ("mlflow", "none"):
            folder = scratch / str(index) / tracking
            folder.mkdir(parents=True)
            cpu, wall = checkout.sweep(folder, overrides, tracking)
            rows[label, tracking] = (cpu / jobs, wall / jobs)
    first = scratch / "0" / "mlflow" / "sweep"
    retrained = subprocess.run(
        [sys.executable, "-c", RETRAIN, str(first), str(REPO / "conf"), *overrides],
        capture_output=True, text=True, check=True, env=environment(),
    )  # fmt: skip
    training, trained = retrained.stdout.split()
    rows["training"] = float(training) / int(trained)
    return rows


def report(name: str, rounds: list[dict]) -> None:
    """Medians over rounds: of CPU and wall per job, and of each round's ratios."""

    def median(of) -> float:
        return statistics.median(of(r) for r in rounds)

    print(f"\n{name}: {SCENARIOS[name][0]} jobs ({SCENARIOS[name][1]}), {len(rounds)} rounds")
    print(f"  {'':40s} {'CPU/job':>9s} {'wall/job':>9s} {'x training CPU':>15s}")
    print(f"  {'train in one process':40s} {median(lambda r: r['training']):9.3f}")
    for label in dict.fromkeys(key[0] for key in rounds[0] if key != "training"):
        for tracking, kind in (("none", "tracking=none sweep"), ("mlflow", "tracked sweep")):
            key = (label, tracking)
            cpu = median(lambda r, k=key: r[k][0])
            wall = median(lambda r, k=key: r[k][1])
            ratio = median(lambda r, k=key: r[k][0] / r["training"])
            print(f"  {label + ': ' + kind:40s} {cpu:9.3f} {wall:9.3f} {ratio:15.2f}")
        walls = median(lambda r, k=label: r[k, "mlflow"][1] / r[k, "none"][1])
        print(f"  {label}: tracked / untracked wall: {walls:.2f}x")
        for tracking, target in zip(("mlflow", "none"), TARGETS.get(name, ()), strict=False):
            found = median(lambda r, k=(label, tracking): r[k][0] / r["training"])
            verdict = "PASS" if found <= target else "MISS"
            print(
                f"  {label}: {tracking} {found:.2f}x training CPU, target <= {target}   {verdict}"
            )


if __name__ == "__main__":
    main()
