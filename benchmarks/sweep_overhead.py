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

usage: python benchmarks/sweep_overhead.py [--scenarios short,long,search]
       [--python PATH --repo DIR]   # the sweeps of another checkout (e.g. an older commit)
"""

import argparse
import resource
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


def command_cost(command: list[str], cwd: Path) -> tuple[float, float]:
    """``(cpu, wall)`` seconds of a command and every process it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=environment(), capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def sweep(python: str, repo: Path, folder: Path, overrides: list[str], tracking: str):
    command = [python, str(repo / "run.py"), "-m", *overrides, f"tracking={tracking}",
               f"hydra.sweep.dir={folder / 'sweep'}", "quiet=true"]  # fmt: skip
    if tracking == "mlflow":
        command.append(f"tracking.uri=sqlite:///{folder / 'mlflow.db'}")
    if overrides[0].startswith("hparams_search"):  # a study of its own, not one to resume
        command.append(f"hydra.sweeper.storage=sqlite:///{folder / 'optuna.db'}")
    return command_cost(command, folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="short,long,search")
    parser.add_argument("--python", default=sys.executable, help="runs the sweeps")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose run.py runs")
    args = parser.parse_args()
    print(f"sweeps of {args.repo} with {args.python}; {load_average()}")
    with tempfile.TemporaryDirectory() as scratch:
        warm = Path(scratch) / "warm"
        warm.mkdir()
        sweep(args.python, args.repo, warm, ["trainer.epochs=10"], "mlflow")  # caches
        for name in args.scenarios.split(","):
            jobs, overrides = SCENARIOS[name]
            rows = {}
            for tracking in ("mlflow", "none"):
                folder = Path(scratch) / f"{name}-{tracking}"
                folder.mkdir()
                rows[tracking] = sweep(args.python, args.repo, folder, overrides, tracking)
            retrained = subprocess.run(
                [sys.executable, "-c", RETRAIN, str(Path(scratch) / f"{name}-mlflow" / "sweep"),
                 str(REPO / "conf"), *overrides],
                capture_output=True, text=True, check=True, env=environment(),
            )  # fmt: skip
            training, trained = retrained.stdout.split()
            report(name, jobs, float(training), int(trained), rows)


def report(name: str, jobs: int, training: float, trained: int, rows: dict) -> None:
    print(f"\n{name}: {jobs} jobs ({SCENARIOS[name][1]})")
    print(f"  {'':32s} {'CPU/job':>9s} {'wall/job':>9s} {'x training CPU':>15s}")
    print(f"  {'train in one process':32s} {training / trained:9.3f} {'':9s} {1.0:15.2f}")
    for tracking, label in (("none", "tracking=none sweep"), ("mlflow", "tracked sweep")):
        cpu, wall = rows[tracking]
        print(f"  {label:32s} {cpu / jobs:9.3f} {wall / jobs:9.3f} "
              f"{cpu / jobs / (training / trained):15.2f}")  # fmt: skip
    ratio = rows["mlflow"][1] / rows["none"][1]
    print(f"  tracked / untracked wall: {ratio:.2f}x")
    if name in TARGETS:
        for tracking, target in zip(("mlflow", "none"), TARGETS[name], strict=True):
            found = rows[tracking][0] / jobs / (training / trained)
            verdict = "PASS" if found <= target else "MISS"
            print(f"  {tracking}: {found:.2f}x training CPU, target <= {target}   {verdict}")


if __name__ == "__main__":
    main()
