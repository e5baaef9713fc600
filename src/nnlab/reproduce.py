"""``python -m nnlab.reproduce <run_id>``: train a logged run again from its recorded config and
check that every metric of every epoch comes out exactly as recorded in its ``history.csv``.

    python -m nnlab.reproduce 3f2a...      # exit 0: bit-for-bit; 1: the first difference
    python -m nnlab.reproduce 3f2a... --force

Numbers are only comparable with the same code and libraries, so a run recorded at another git
commit, from a dirty tree, or with other Python/NumPy versions is refused (exit 2, saying what
differs) unless ``--force`` is given.
"""

import argparse
import math
import sys
import tempfile
from pathlib import Path

from threadpoolctl import threadpool_limits

from nnlab import provenance
from nnlab.paths import REPO_ROOT
from nnlab.train import History


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from nnlab.report.rebuild import config_from_params
    from nnlab.tracking import query

    client = query.client_for(args.uri)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            (record,) = query.load_records(client, [args.run_id], Path(scratch))
        except LookupError as error:
            return _fail(str(error))
    if record.history is None:
        return _fail(f"run {args.run_id} has no history.csv to compare with")
    differences = provenance_differences(record.tags)
    if differences and not args.force:
        return _fail(
            f"run {args.run_id} was recorded with {'; '.join(differences)}: its numbers need not "
            "match; pass --force to re-run anyway"
        )
    for difference in differences:
        print(f"warning: {difference}", file=sys.stderr)
    settings = config_from_params(record.params)
    history = retrain(settings)
    mismatch = first_difference(record.history, history)
    if mismatch is not None:
        print(f"DIFFERS: {mismatch}")
        return 1
    metrics = len(record.history.metrics)
    print(f"reproduced exactly: {metrics} metrics x {len(history)} epochs of run {args.run_id}")
    return 0


def retrain(settings) -> History:
    """Train the run ``settings`` describe, as the harness did, without tracking it."""
    from hydra.utils import instantiate

    from nnlab.build import build

    job = build(settings)
    callbacks = [instantiate(node) for node in settings.callbacks.values()]
    with threadpool_limits(settings.trainer.blas_threads):
        return job.run(callbacks)


def provenance_differences(tags: dict[str, str]) -> list[str]:
    """How the code that recorded a run differs from the code here, in words."""
    found = []
    recorded = tags.get(provenance.COMMIT_TAG, "unknown")
    commit, dirty = provenance.git_state(REPO_ROOT)
    if recorded != commit:
        found.append(f"git commit {recorded[:12]} (this checkout is at {commit[:12]})")
    if tags.get(provenance.DIRTY_TAG) == "true":
        found.append("uncommitted changes in its tree")
    if dirty:
        found.append("uncommitted changes here")
    current = provenance.versions()
    for key, value in tags.items():
        if key.startswith(provenance.VERSION_TAG):
            name = key.removeprefix(provenance.VERSION_TAG)
            if name in current and current[name] != value:
                found.append(f"{name} {value} (here {current[name]})")
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
        description="Re-run a logged run from its recorded config and compare every metric.",
    )
    parser.add_argument("run_id")
    parser.add_argument("--uri", help="tracking URI (default: $MLFLOW_TRACKING_URI or mlruns/)")
    parser.add_argument(
        "--force", action="store_true", help="re-run even if the code or versions differ"
    )
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
