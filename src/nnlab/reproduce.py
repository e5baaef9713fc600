"""``python -m nnlab.reproduce <run>``: train a recorded run again from its ``config.yaml`` and
check that every metric of every epoch comes out exactly as recorded in its ``history.csv``.

    python -m nnlab.reproduce 3f2a...            # a run id: exit 0 bit-for-bit, 1 if not
    python -m nnlab.reproduce multirun/2026-11-25_10-00-00/0_optimizer=sgd   # a run folder
    python -m nnlab.reproduce 3f2a... --force

``<run>`` is a run folder, or an MLflow run id (or its first 8 or more digits, as reports show
it) whose folder is read where it was recorded (or downloaded from the run's artifacts). A
stored run is untrusted input: its config is read into nnlab's schema, and only nnlab's own
callbacks are rebuilt from it. Numbers are only comparable with the same code and libraries, so
a run recorded at another git commit, from a dirty tree, or with other Python/NumPy versions is
refused (exit 2, saying what differs) unless ``--force``.
"""

import argparse
import math
import sys
import tempfile
from pathlib import Path

from threadpoolctl import threadpool_limits

from nnlab.paths import REPO_ROOT
from nnlab.run import provenance, schema
from nnlab.run.folder import RunFolder
from nnlab.run.job import build
from nnlab.train import History


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = RunFolder(args.run)
        try:
            if not folder.exists():
                from nnlab.track.query import client_for, run_folder, run_id

                client = client_for(args.uri)
                folder = run_folder(client, run_id(client, args.run), Path(scratch))
            info, recorded = folder.info(), folder.history()
            settings = schema.load(folder.config())
        except (LookupError, ValueError, OSError) as error:
            return _fail(str(error))
        except RuntimeError as error:  # the store cannot be used now
            return _fail(str(error), 3)
    if not len(recorded):
        return _fail(f"run {args.run} has no history to compare with")
    differences = provenance_differences(info.tags)
    if differences and not args.force:
        return _fail(
            f"run {args.run} cannot be compared bit for bit: {'; '.join(differences)}; pass "
            "--force to re-run anyway"
        )
    for difference in differences:
        print(f"warning: {difference}", file=sys.stderr)
    history = retrain(settings)
    mismatch = first_difference(recorded, history)
    if mismatch is not None:
        print(f"DIFFERS: {mismatch}")
        return 1
    print(f"reproduced exactly: {len(recorded.metrics)} metrics x {len(history)} epochs of run "
          f"{args.run}")  # fmt: skip
    return 0


def retrain(settings: schema.Config) -> History:
    """Train the run ``settings`` describe, as the harness did, without recording it."""
    job = build(settings)
    callbacks = [
        schema.TRUSTED_CALLBACKS[node["_target_"]](
            **{k: v for k, v in node.items() if k != "_target_"}
        )
        for node in settings.callbacks.values()
    ]
    with threadpool_limits(settings.trainer.blas_threads):
        return job.run(callbacks)


def provenance_differences(tags: dict[str, str]) -> list[str]:
    """How the code that recorded a run differs from the code here, in words."""
    found = []
    recorded = tags.get(provenance.COMMIT_TAG, "unknown")
    commit, dirty = provenance.git_state(REPO_ROOT)
    if recorded != commit:
        found.append(f"it was recorded at git commit {recorded[:12]}, this checkout is at "
                     f"{commit[:12]}")  # fmt: skip
    if tags.get(provenance.DIRTY_TAG) == "true":
        found.append("it was recorded from a tree with uncommitted changes")
    if dirty:
        found.append("this checkout has uncommitted changes")
    current = provenance.versions()
    for key, value in tags.items():
        if key.startswith(provenance.VERSION_TAG):
            name = key.removeprefix(provenance.VERSION_TAG)
            if name in current and current[name] != value:
                found.append(f"it was recorded with {name} {value} (here {current[name]})")
    return found


def first_difference(recorded: History, reproduced: History) -> str | None:
    """The first metric value (by epoch, then metric name) that is not bit-for-bit equal."""
    keys = sorted(recorded.metrics)
    missing = [math.nan] * len(reproduced)  # a metric the re-run did not record
    columns = [(key, recorded.metrics[key], reproduced.metrics.get(key, missing)) for key in keys]
    for index, epoch in enumerate(recorded.epochs):
        if index >= len(reproduced.epochs):
            return f"the re-run stopped after {len(reproduced)} epochs; the run has {len(recorded)}"
        for key, old_column, new_column in columns:
            old, new = old_column[index], new_column[index]
            if not (old == new or (math.isnan(old) and math.isnan(new))):
                return f"{key} at epoch {epoch}: recorded {old!r}, re-run {new!r}"
    if len(reproduced) > len(recorded):
        return f"the re-run has {len(reproduced)} epochs; the run has {len(recorded)}"
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nnlab.reproduce",
        description="Re-run a recorded run from its config and compare every metric.",
    )
    parser.add_argument(
        "run", help="a run folder, or an MLflow run id (its first 8 or more digits will do)"
    )
    parser.add_argument("--uri", help="tracking URI (default: $MLFLOW_TRACKING_URI or mlruns/)")
    parser.add_argument(
        "--force", action="store_true", help="re-run even if the code or versions differ"
    )
    return parser


def _fail(message: str, status: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
