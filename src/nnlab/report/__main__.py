"""``python -m nnlab.report``: the comparison report of a sweep, an experiment or some runs.

    python -m nnlab.report --sweep multirun/2026-11-25_10-00-00
    python -m nnlab.report --experiment nnlab --out reports/all
    python -m nnlab.report --runs 60f4c657... bdaaa504... --objective val/accuracy

A sweep is named as the console prints it: its folder (``multirun/<id>``, with or without a
trailing ``/``), any file or folder inside it (a job's folder, its report), or its id (the
folder's name), found under ``multirun/`` here or else in the tracking store. Its report goes
to ``<sweep folder>/report`` when that folder is here (else ``reports/<sweep id>``) and, if
the sweep was tracked, is logged to its parent run under ``report/``. The objective defaults to
the one the runs were trained with (``val/loss`` if they disagree).
"""

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

from nnlab.report.comparison import write_report
from nnlab.report.runs import from_folder, from_store
from nnlab.run.sweep import find_sweep

DEFAULT_OBJECTIVE = "val/loss"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sweep, sweep_id = find_sweep(args.sweep) if args.sweep else (None, None)
    uri, parent = args.uri, None  # where the report of a tracked sweep is logged, and to what
    try:
        if sweep is not None:
            info = sweep.info()
            title, out = f"sweep {info.id}", sweep.path / "report"
            records = nullcontext([from_folder(folder, folder.mirrored_run_id())
                                   for folder in sweep.runs()])  # fmt: skip
            parent = sweep.mirrored_run_id()
            uri = info.tracking["uri"] if info.tracking else None
        else:
            from nnlab.track import query

            client = query.client_for(args.uri)
            if args.sweep:
                found = query.sweep_parent(client, sweep_id)
                parent, run_ids = found.info.run_id, query.child_run_ids(client, found)
                title, out = f"sweep {sweep_id}", Path("reports") / sweep_id
            elif args.experiment:
                run_ids = query.experiment_run_ids(client, args.experiment)
                title, out = f"experiment {args.experiment}", Path("reports") / args.experiment
            else:
                run_ids = list(dict.fromkeys(query.run_id(client, text) for text in args.runs))
                title, out = f"{len(run_ids)} runs", Path("reports") / "runs"
            if not run_ids:
                return _fail(f"{title} has no runs")
            records = from_store(args.uri, run_ids)
        out = Path(args.out) if args.out else out
        with records as found:
            objective = args.objective or _trained_objective(found)
            report = write_report(found, out, title=title, objective=objective)
    except (LookupError, ValueError, OSError) as error:
        return _fail(str(error))
    except RuntimeError as error:  # the store cannot be used now
        return _fail(str(error), 3)
    if parent is not None:
        from nnlab.track import query

        query.client_for(uri).log_artifacts(parent, str(out), artifact_path="report")
    print(report)
    return 0


def _trained_objective(records) -> str:
    found = {record.params.get("objective") for record in records} - {None}
    return found.pop() if len(found) == 1 else DEFAULT_OBJECTIVE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nnlab.report",
        description="Write a comparison report (report.md, runs.csv, figures) of tracked runs.",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--sweep", metavar="FOLDER|ID", help="a sweep's folder (or a path in it), or its id"
    )
    which.add_argument("--experiment", metavar="NAME", help="every run of an MLflow experiment")
    which.add_argument(
        "--runs", metavar="ID", nargs="+", help="these run ids (or their first 8+ digits)"
    )
    parser.add_argument("--uri", help="tracking URI (default: $MLFLOW_TRACKING_URI or mlruns/)")
    parser.add_argument("--out", metavar="DIR", help="the report folder")
    parser.add_argument(
        "--objective",
        help="the metric runs are sorted by (default: the runs' own, else val/loss)",
    )
    return parser


def _fail(message: str, status: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
