"""The parent run of a sweep (run in the tracking worker of the process that runs the sweep):
opened before its jobs, closed after them with a tally of how the jobs ended and the
comparison report. The worker remembers it by sweep id, so jobs it records are nested under it
without waiting for its id. Closing goes through an outbox (``nnlab.tracking.outbox``) in the
sweep's ``.nnlab`` folder, so a store that is down at the end loses nothing."""

import json
import math
from pathlib import Path

from nnlab.runspec import RunSpec
from nnlab.tracking import worker
from nnlab.tracking.mlflow_tracker import MlflowRun
from nnlab.tracking.outbox import Channel
from nnlab.train.callbacks import higher_is_better, summary_key


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
    uri: str, experiment: str, sweep_id: str, state_dir: str, arguments: dict
) -> tuple[str, str | None]:
    """End the sweep's parent run (``finish_parent`` with ``arguments``), or keep that for
    ``python -m nnlab.sync`` in ``state_dir``; the parent's id and a note if it waits there."""
    run_id = worker.parents.pop(sweep_id)
    spec = RunSpec(name=f"sweep {sweep_id}", epochs=0, config_hash="", output_dir=state_dir)
    channel = Channel(uri, experiment, spec, None)
    channel.send({**channel.open_operation(), "op": "attach", "run_id": run_id})
    channel.send({"op": "close_parent", "arguments": arguments})
    return run_id, channel.note()


def finish_parent(
    run: MlflowRun, status: str, results: list[dict], report_dir: str | None, objective: str
) -> None:
    """Tag the jobs' outcomes, log the list of runs and the report (if written), and end the
    parent ``run`` with ``status`` (FINISHED, or KILLED/FAILED for a sweep that stopped
    early)."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    tags = {f"nnlab.jobs_{status_.lower()}": str(n) for status_, n in counts.items()}
    if status != "FINISHED":
        tags["nnlab.outcome"] = status.lower()
    failed = [r for r in results if r["status"] == "FAILED"]
    if failed:
        tags["nnlab.failed_jobs"] = "; ".join(f"{r['name']}: {r['error']}" for r in failed)
    if tags:
        run.set_tags(tags)  # cut to MLflow's tag length
    run.client.log_text(run.run_id, json.dumps(results, indent=2), "sweep_runs.json")
    values = [r["objective"] for r in results if r["objective"] is not None]
    values = [value for value in values if not math.isnan(value)]
    if values:
        best = max(values) if higher_is_better(objective) else min(values)
        run.log_points([(summary_key(objective, "best"), best, 0, 0)])
    if report_dir is not None and Path(report_dir).is_dir():
        run.client.log_artifacts(run.run_id, report_dir, artifact_path="report")
    run.close(status)
