"""``python -m nnlab.ui``: the latest sweeps in a tracking store, each with the link that opens
its runs as overlaid curves in the MLflow UI (``nnlab.track.view``); ``--serve`` then serves the
UI of a local store at ``nnlab.track.view.LOCAL_UI`` until Ctrl-C (``make ui``).

The UI is MLflow's own (``mlflow ui``), started with one worker and without its job runner: a
store on this machine needs no more.
"""

import argparse
import os
import subprocess
import sys
from urllib.parse import urlparse

from nnlab.track.uri import SERVERS, describe, resolve_uri, store_exists
from nnlab.track.view import LOCAL_UI, TAG_PREFIX, link, view_id

SHOWN = 5  # sweeps listed by default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnlab.ui", description=__doc__)
    parser.add_argument("--uri", help="the tracking store (default: the repository's mlruns/)")
    parser.add_argument("--sweeps", type=int, default=SHOWN, help="how many sweeps to list")
    parser.add_argument("--serve", action="store_true", help="serve the UI of a local store")
    args = parser.parse_args(argv)
    uri = resolve_uri(args.uri)
    if not store_exists(uri):
        print(f"error: no tracking store at {describe(uri)}; run a sweep first (make sweep)",
              file=sys.stderr)  # fmt: skip
        return 2
    for line in sweep_lines(uri, args.sweeps):
        print(line, flush=True)
    if not args.serve:
        return 0
    if urlparse(uri).scheme in SERVERS:
        print(f"error: {uri} is a tracking server: its UI is there already", file=sys.stderr)
        return 2
    return serve(uri)


def sweep_lines(uri: str, count: int) -> list[str]:
    """The newest ``count`` sweeps of the store that have a view, newest first: name, when,
    how many runs, link."""
    from nnlab.track.query import client_for, settle_mlflow

    settle_mlflow()
    client = client_for(uri)
    experiments = {e.experiment_id: e for e in client.search_experiments()}
    parents = client.search_runs(
        list(experiments), "tags.`nnlab.role` = 'sweep'", order_by=["attributes.start_time DESC"],
        max_results=max(count, 1) * 4,
    ) if experiments else []  # fmt: skip
    lines = []
    for parent in parents:
        sweep_id = parent.data.tags.get("nnlab.sweep_id", "")
        experiment = experiments[parent.info.experiment_id]
        if TAG_PREFIX + view_id(sweep_id) not in experiment.tags:
            continue
        lines.append(f"{parent.info.run_name} ({experiment.name}, {sweep_id}, "
                     f"{parent.info.status.lower()}):\n  "
                     f"{link(uri, experiment.experiment_id, sweep_id)}")  # fmt: skip
        if len(lines) == count:
            break
    return lines or [f"no sweep in {describe(uri)} yet"]


def serve(uri: str) -> int:
    host, port = urlparse(LOCAL_UI).hostname, urlparse(LOCAL_UI).port
    print(f"serving {describe(uri)} at {LOCAL_UI} (Ctrl-C stops it)", flush=True)
    environment = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", uri,
               "--host", host, "--port", str(port), "--workers", "1"]  # fmt: skip
    try:
        return subprocess.call(command, env=environment)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
