"""A stored run is untrusted input: a run forged by anyone who can reach the store, naming code
to run in its config, makes ``reproduce`` and reports refuse it, and nothing is executed. Forged
here in a local store with MLflow's client and, the way a stranger would, through a tracking
server's REST API."""

import json
import subprocess
import sys
import urllib.request

import pytest
import yaml
from support import e2e
from support.server import Server

from nnlab.run import provenance

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow

MARKER = "forged-run-ran-this"
CONFIG = {
    "dataset": {"name": "spiral", "samples": 20, "validation_samples": 10},
    "model": {"hidden": [8]},
    "optimizer": {"name": "sgd", "learning_rate": 1.0},
    "schedule": {"name": "constant"},
    "trainer": {"epochs": 5},
}
ATTACKS = {  # a callback each: what the attacker used, and its friends
    "dispatcher": {"_target_": "nnlab.tracking.worker.call", "_args_": ["os:system", "touch {m}"]},
    "system": {"_target_": "os.system", "command": "touch {m}"},
    "open": {"_target_": "builtins.open", "file": "{m}", "mode": "w"},
    "yaml": "!!python/object/apply:os.system ['touch {m}']",
}


def forged_files(folder, attack: str) -> dict[str, str]:
    """The files of a forged run: a config naming ``attack``, a record with this checkout's
    provenance (so nothing else refuses it first), a one-row history."""
    marker = folder / MARKER
    callback = ATTACKS[attack]
    if isinstance(callback, str):
        config = yaml.safe_dump(CONFIG) + f"extra: {callback.format(m=marker)}\n"
    else:
        node = json.loads(json.dumps(callback).replace("{m}", str(marker)))
        config = yaml.safe_dump({**CONFIG, "callbacks": {"x": node}})
    record = {
        "uid": "f" * 32,
        "name": "forged",
        "process": {"host": "h", "pid": 1, "start": None},
        "started": 0.0,
        "epochs": 5,
        "status": "FINISHED",
        "tags": provenance.tags(),
    }
    return {"config.yaml": config, "run.json": json.dumps(record),
            "history.csv": "epoch,train/loss\n0,1.0\n"}  # fmt: skip


def reproduce(run_id: str, uri: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlab.reproduce", run_id, "--uri", uri],
                          capture_output=True, text=True, timeout=120, cwd=cwd)  # fmt: skip


def report(run_id: str, uri: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnlab.report", "--runs", run_id, "--uri", uri],
                          capture_output=True, text=True, timeout=120, cwd=cwd)  # fmt: skip


def check_refused(proc: subprocess.CompletedProcess, folder, named: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    (line,) = e2e.error_lines(proc.stderr)
    assert line.startswith("error: "), line
    assert named in line, line
    assert not (folder / MARKER).exists(), "the forged run executed code"


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_forged_run_in_a_local_store_executes_nothing(tmp_path, store, attack):
    client = e2e.client(store)
    experiment = client.create_experiment("forged")
    run = client.create_run(experiment, tags=provenance.tags()).info.run_id
    for name, text in forged_files(tmp_path, attack).items():
        client.log_text(run, text, name)
    named = {"yaml": "config.yaml", "dispatcher": "nnlab.tracking.worker.call",
             "system": "os.system", "open": "builtins.open"}[attack]  # fmt: skip
    check_refused(reproduce(run, store, tmp_path), tmp_path, named)
    if attack == "dispatcher":  # a report reads its config too, to draw decision regions
        made = report(run, store, tmp_path)
        assert not (tmp_path / MARKER).exists(), "the report of a forged run executed code"
        assert "Traceback" not in made.stderr


def rest(server: Server, endpoint: str, payload: dict) -> dict:
    request = urllib.request.Request(
        f"{server.uri}/api/2.0/mlflow/{endpoint}", json.dumps(payload).encode(),
        {"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


@pytest.mark.slow
def test_a_run_forged_through_the_servers_rest_api_executes_nothing(tmp_path):
    """No credentials, plain HTTP: create the run, log its tags, upload its files."""
    server = Server(tmp_path / "server")
    server.folder.mkdir()
    server.start()
    try:
        experiment = rest(server, "experiments/create", {"name": "forged"})["experiment_id"]
        tags = [{"key": k, "value": v} for k, v in provenance.tags().items()]
        run = rest(server, "runs/create", {"experiment_id": experiment, "tags": tags})
        run_id = run["run"]["info"]["run_id"]
        for name, text in forged_files(tmp_path, "dispatcher").items():
            path = f"{experiment}/{run_id}/artifacts/{name}"
            request = urllib.request.Request(
                f"{server.uri}/api/2.0/mlflow-artifacts/artifacts/{path}", text.encode(),
                method="PUT",
            )  # fmt: skip
            urllib.request.urlopen(request, timeout=30).close()
        check_refused(reproduce(run_id, server.uri, tmp_path), tmp_path, "worker.call")
    finally:
        server.stop()
