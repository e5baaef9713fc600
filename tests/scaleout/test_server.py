"""A sweep tracked on the shared MLflow server (``scripts/tracking-server``: PostgreSQL for runs
and metrics, artifacts stored and served by the server), run as a user runs it: four optimizers,
two jobs at a time under the joblib launcher, ``tracking=server``; then everything read back
through the server with ``MlflowClient``.

Needs a running server at ``$NNLAB_SERVER_URI``; ``.ci/server-tests`` starts one and runs
``pytest -m server tests/scaleout``. Without the variable these tests are skipped. A closed port
under the default ``tracking=mlflow`` is checked in ``tests/test_run.py``
(``test_unreachable_server_stops_before_training``); here the same with ``tracking=server``.
"""

import csv
import io
import math
import os
import time
import uuid
from types import SimpleNamespace

import matplotlib.image
import numpy as np
import pytest
from mlflow.entities import ViewType  # noqa: TID251 - tests read the store back
from support import e2e

from nnlab.run.folder import RunFolder
from nnlab.run.schema import TrackingConfig
from nnlab.train.metrics import SUMMARIZED, SUMMARY_KINDS, summary_key

SERVER = os.environ.get("NNLAB_SERVER_URI")

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not SERVER, reason="NNLAB_SERVER_URI is not set (see .ci/server-tests)"),
]

OPTIMIZERS = ("sgd", "adagrad", "adam", "rmsprop")
EPOCHS = 200
SUMMARIES = {summary_key(key, kind) for key in SUMMARIZED for kind in SUMMARY_KINDS}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_csv(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, run_sweep):
    folder = tmp_path_factory.mktemp("server-sweep")
    experiment = f"nnlab-test-server-{uuid.uuid4().hex[:12]}"
    args = [
        "-m",
        f"optimizer={','.join(OPTIMIZERS)}",
        f"trainer.epochs={EPOCHS}",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        "tracking=server",
        f"tracking.experiment={experiment}",
    ]
    proc = run_sweep(args, folder, timeout=900, uri=SERVER, sweep_dir=folder / "sweep")
    client = e2e.client(SERVER)
    found = client.get_experiment_by_name(experiment)
    runs = []
    if found is not None:
        runs = client.search_runs(
            [found.experiment_id], run_view_type=ViewType.ALL, max_results=1000
        )
    yield SimpleNamespace(
        proc=proc,
        experiment=found,
        client=client,
        parents=e2e.parent_runs(runs),
        children=e2e.by_job(e2e.child_runs(runs)),
    )
    if found is not None:  # on a server others use too: move it to the trash
        client.delete_experiment(found.experiment_id)


def test_sweep_exits_zero(sweep):
    proc = sweep.proc
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    for line in proc.stderr.splitlines():  # nnlab's own: "error: ...", "warning: tracking: ..."
        assert not line.startswith(("error", "warning")), proc.stderr


def test_experiment_artifacts_are_kept_by_the_server(sweep):
    """For an http store nnlab leaves the artifact location to the server, which stores and
    serves the files itself (``mlflow-artifacts:``)."""
    assert sweep.experiment is not None
    assert sweep.experiment.artifact_location.startswith("mlflow-artifacts:/")
    assert sweep.experiment.tags.get("mlflow.experimentKind") == "custom_model_development"
    for run in sweep.parents + sweep.children:
        assert run.info.artifact_uri.startswith("mlflow-artifacts:/"), run.info.artifact_uri


def test_one_parent_with_a_finished_child_per_optimizer(sweep):
    assert len(sweep.parents) == 1, [r.info.run_name for r in sweep.parents]
    parent = sweep.parents[0]
    assert parent.info.status == "FINISHED"
    assert len(sweep.children) == len(OPTIMIZERS)
    for child in sweep.children:
        assert child.info.status == "FINISHED", child.data.tags.get("nnlab.error")
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.data.tags["nnlab.role"] == "run"
        assert child.data.params["trainer.epochs"] == str(EPOCHS)
    assert [c.data.params["optimizer.name"] for c in sweep.children] == list(OPTIMIZERS)
    assert [c.info.run_name for c in sweep.children] == [f"optimizer={o}" for o in OPTIMIZERS]


def test_jobs_ran_in_parallel(sweep):
    """Two jobs at a time: some runs trained at the same time, in processes of their own (as
    their folders, which the server's runs point to, record)."""
    infos = [RunFolder(c.data.tags["nnlab.run_dir"]).info() for c in sweep.children]
    assert len({info.process["pid"] for info in infos}) >= 2
    spans = [(info.started, info.ended) for info in infos]
    assert all(start and end and start <= end for start, end in spans), spans
    overlapping = [
        (a, b) for i, a in enumerate(spans) for b in spans[i + 1 :] if a[0] < b[1] and b[0] < a[1]
    ]
    assert overlapping, spans


def test_every_metric_history_is_complete(sweep):
    """Each per-epoch metric has a point every epoch (200 epochs, within ``tracking.max_points``),
    equal to the run's history.csv; each summary metric one point."""
    assert TrackingConfig.max_points >= EPOCHS
    steps = list(range(EPOCHS))
    for child in sweep.children:
        run_id = child.info.run_id
        assert set(child.data.metrics) == e2e.PER_EPOCH_METRICS | SUMMARIES
        rows = read_csv(e2e.download(sweep.client, run_id, "history.csv"))
        for key in sorted(e2e.PER_EPOCH_METRICS):
            history = e2e.metric_history(sweep.client, run_id, key)
            assert sorted(history) == steps, key
            assert all(math.isfinite(v) for v in history.values()), key
            assert history == {int(r["epoch"]): float(r[key]) for r in rows}, key
        for key in sorted(SUMMARIES):
            (point,) = sweep.client.get_metric_history(run_id, key)
            assert point.value == child.data.metrics[key]
        assert child.data.metrics["val_loss_final"] == float(rows[-1]["val/loss"])


def test_artifacts_download_through_the_server(sweep):
    for child in sweep.children:
        run_id = child.info.run_id
        paths = e2e.artifact_paths(sweep.client, run_id)
        assert {"history.csv", "weights.npz", "config.yaml", ".hydra/config.yaml"} <= paths
        rows = read_csv(e2e.download(sweep.client, run_id, "history.csv"))
        assert [int(r["epoch"]) for r in rows] == list(range(EPOCHS))
        assert set(rows[0]) == {"epoch"} | e2e.PER_EPOCH_METRICS
        weights_path = e2e.download(sweep.client, run_id, "weights.npz")
        with np.load(weights_path, allow_pickle=False) as weights:
            assert weights["dense1.weights"].shape == (2, 64)
            assert weights["dense2.weights"].shape == (64, 3)
            assert all(np.isfinite(weights[key]).all() for key in weights.files)
        figures = sorted(p for p in paths if p.startswith("figures/"))
        assert figures == ["figures/decision_boundary.png"], paths
        for figure in figures:
            assert figure.endswith(".png"), figure
            path = e2e.download(sweep.client, run_id, figure)
            assert path.read_bytes()[:8] == PNG_SIGNATURE, figure
            image = matplotlib.image.imread(path)
            assert image.ndim == 3, (figure, image.shape)
            assert min(image.shape[:2]) > 50, (figure, image.shape)


def test_parent_has_runs_list_and_report(sweep):
    parent = sweep.parents[0]
    run_id = parent.info.run_id
    paths = e2e.artifact_paths(sweep.client, run_id)
    assert {"sweep_runs.json", "report/report.md", "report/runs.csv"} <= paths, sorted(paths)
    assert any(p.startswith("report/") and p.endswith(".png") for p in paths), sorted(paths)
    listed = e2e.sweep_runs_json(sweep.client, run_id)
    assert {job["run_id"] for job in listed} == {c.info.run_id for c in sweep.children}
    assert {job["status"] for job in listed} == {"FINISHED"}
    report = e2e.download(sweep.client, run_id, "report/report.md").read_text()
    assert f"**{len(OPTIMIZERS)} runs**: {len(OPTIMIZERS)} finished" in report
    for child in sweep.children:
        assert child.info.run_name in report
    table = read_csv(e2e.download(sweep.client, run_id, "report/runs.csv"))
    assert {row["run_id"] for row in table} == {c.info.run_id for c in sweep.children}
    assert parent.data.metrics["sweep_best_val_loss_final"] == min(
        c.data.metrics["val_loss_final"] for c in sweep.children
    )


def test_server_down_stops_a_sweep_before_training(tmp_path, run_sweep):
    uri = f"http://127.0.0.1:{e2e.free_port()}"
    args = ["-m", "optimizer=sgd,adam", "trainer.epochs=20000", "tracking=server"]
    started = time.perf_counter()
    proc = run_sweep(args, tmp_path, uri=uri, timeout=60)
    seconds = time.perf_counter() - started
    assert proc.returncode == 3, proc.stderr
    (line,) = e2e.error_lines(proc.stderr)
    assert line.startswith("error: "), line
    assert uri in line, line
    assert seconds < 15
    assert not list(tmp_path.rglob("history.csv"))
