"""The parent run of a sweep (run in the tracking worker of the process that runs the sweep):
opened before its jobs, closed after them with a tally of how the jobs ended and the
comparison report. The worker remembers it by sweep id, so jobs it records are nested under it
without waiting for its id."""

import json
import math
from pathlib import Path

from mlflow.entities import Metric, RunTag

from nnlab.tracking import worker
from nnlab.train.callbacks import summary_key


def open_parent(
    uri: str, experiment: str, sweep_id: str, sweep_dir: str, overrides: list[str]
) -> str:
    """Create the sweep's parent run (and the store and experiment, if new); its id."""
    tracker = worker.tracker(uri, experiment)
    tags = {
        "nnlab.role": "sweep",
        "nnlab.sweep_id": sweep_id,
        "nnlab.sweep_dir": sweep_dir,
        "nnlab.overrides": " ".join(overrides) or "(defaults)",
    }
    run = tracker.client.create_run(tracker.experiment_id, tags=tags, run_name=f"sweep {sweep_id}")
    worker.parents[sweep_id] = run.info.run_id
    return run.info.run_id


def close_parent(
    uri: str, experiment: str, sweep_id: str, results: list[dict], report_dir: str | None,
    objective: str,
) -> str:  # fmt: skip
    """Tag the jobs' outcomes, log the list of runs and the report, mark the sweep FINISHED;
    the parent's id."""
    client = worker.tracker(uri, experiment).client
    run_id = worker.parents.pop(sweep_id)
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    tags = {f"nnlab.jobs_{status.lower()}": str(n) for status, n in counts.items()}
    failed = [r for r in results if r["status"] == "FAILED"]
    if failed:
        tags["nnlab.failed_jobs"] = "; ".join(f"{r['name']}: {r['error']}" for r in failed)[:5000]
    client.log_batch(run_id, tags=[RunTag(key, value) for key, value in tags.items()])
    client.log_text(run_id, json.dumps(results, indent=2), "sweep_runs.json")
    values = [r["objective"] for r in results if r["objective"] is not None]
    values = [value for value in values if not math.isnan(value)]
    if values:
        best = max(values) if objective.endswith("accuracy") else min(values)
        client.log_batch(run_id, metrics=[Metric(summary_key(objective, "best"), best, 0, 0)])
    if report_dir is not None and Path(report_dir).is_dir():
        client.log_artifacts(run_id, report_dir, artifact_path="report")
    client.set_terminated(run_id, "FINISHED")
    return run_id


def end_parent(uri: str, experiment: str, sweep_id: str, status: str) -> None:
    """Close the parent of a sweep that stopped before its end (KILLED or FAILED)."""
    client = worker.tracker(uri, experiment).client
    run_id = worker.parents.pop(sweep_id)
    client.set_tag(run_id, "nnlab.outcome", status.lower())
    client.set_terminated(run_id, status)
