"""Reports of runs read back from a tracking store."""

import tempfile
from pathlib import Path

from nnlab.report.build import write_report
from nnlab.tracking import query


def report_runs(uri: str, run_ids: list[str], folder: Path, *, title: str, objective: str) -> Path:
    """Write the report of ``run_ids`` into ``folder``; the path of its ``report.md``."""
    client = query.client_for(uri)
    with tempfile.TemporaryDirectory() as scratch:
        records = query.load_records(client, run_ids, Path(scratch))
        return write_report(records, folder, title=title, objective=objective)
