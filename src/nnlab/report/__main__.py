"""``python -m nnlab.report``: the comparison report of a sweep, an experiment or some runs.

    python -m nnlab.report --sweep 2026-11-25_10-00-00
    python -m nnlab.report --experiment nnlab --out reports/all
    python -m nnlab.report --runs 60f4c657... bdaaa504... --objective val/accuracy

The report of a sweep goes to ``<sweep folder>/report`` when that folder is still there (else
``reports/<sweep id>``) and is also logged to the sweep's parent run under ``report/``. The
objective defaults to the one the runs were trained with (``val/loss`` if they disagree).
"""

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from nnlab.report.store import report_runs
    from nnlab.tracking import query, report_upload
    from nnlab.tracking.uri import describe, resolve_uri

    uri = resolve_uri(args.uri)
    client = query.client_for(uri)
    parent = None
    try:
        if args.sweep:
            parent = query.sweep_parent(client, args.sweep)
            run_ids = query.sweep_run_ids(client, parent)
            title, out = f"sweep {args.sweep}", _sweep_out(parent.data.tags, args.sweep)
        elif args.experiment:
            run_ids = query.experiment_run_ids(client, args.experiment)
            title, out = f"experiment {args.experiment}", Path("reports") / args.experiment
        else:
            run_ids = list(dict.fromkeys(args.runs))
            title, out = f"{len(run_ids)} runs", Path("reports") / "runs"
    except LookupError as error:
        return _fail(str(error))
    if not run_ids:
        return _fail(f"{title} has no runs in {describe(uri)}")
    out = Path(args.out) if args.out else out
    try:
        report = report_runs(
            uri, run_ids, out, title=title, objective=args.objective, sweep_id=args.sweep
        )
    except LookupError:
        # each run is read once, by report_runs; only when that fails are the given runs
        # checked, so that the message names every missing one
        missing = report_upload.missing_runs(client, args.runs) if args.runs else []
        if not missing:
            raise
        return _fail(f"no run {', '.join(missing)} in {describe(uri)}")
    if parent is not None:
        report_upload.upload_report(client, parent.info.run_id, out)
    print(report)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nnlab.report",
        description="Write a comparison report (report.md, runs.csv, figures) of tracked runs.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--sweep", metavar="ID", help="a sweep id (its folder's name)")
    which.add_argument("--experiment", metavar="NAME", help="every run of an MLflow experiment")
    which.add_argument("--runs", metavar="ID", nargs="+", help="these run ids")
    parser.add_argument("--uri", help="tracking URI (default: $MLFLOW_TRACKING_URI or mlruns/)")
    parser.add_argument("--out", metavar="DIR", help="the report folder")
    parser.add_argument(
        "--objective",
        help="the metric runs are sorted by (default: the runs' own, else val/loss)",
    )
    return parser


def _sweep_out(tags: dict[str, str], sweep_id: str) -> Path:
    sweep_dir = tags.get("nnlab.sweep_dir")
    if sweep_dir and Path(sweep_dir).is_dir():
        return Path(sweep_dir) / "report"
    return Path("reports") / sweep_id


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
