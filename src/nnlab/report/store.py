"""Reports of runs read back from a tracking store."""

import tempfile
from pathlib import Path

from nnlab.report.build import write_report
from nnlab.report.records import RunRecord
from nnlab.tracking import query

DEFAULT_OBJECTIVE = "val/loss"


def report_runs(
    uri: str,
    run_ids: list[str],
    folder: Path,
    *,
    title: str,
    objective: str | None = None,
    sweep_id: str | None = None,
) -> Path:
    """Write the report of ``run_ids`` into ``folder``; the path of its ``report.md``.

    ``objective`` defaults to the one the runs were trained with (``val/loss`` if they
    disagree). For a sweep, runs from other sweeps are the earlier runs a resumed sweep reused
    for jobs it skipped, and are shown as such.
    """
    client = query.client_for(uri)
    with tempfile.TemporaryDirectory() as scratch:
        records = query.load_records(client, run_ids, Path(scratch))
        if sweep_id is not None:
            for record in records:
                record.extra["skipped"] = record.tags.get("nnlab.sweep_id") != sweep_id
        return write_report(
            records, folder, title=title, objective=objective or trained_objective(records)
        )


def trained_objective(records: list[RunRecord]) -> str:
    found = {record.params.get("objective") for record in records} - {None}
    return found.pop() if len(found) == 1 else DEFAULT_OBJECTIVE
