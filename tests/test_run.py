"""End to end: ``python run.py -m ...`` in a subprocess against a fresh local MLflow store, read
back with ``MlflowClient``. What a sweep records (runs, params, tags, metrics, artifacts, the
parent run and its report), reproducibility from the seed, one-line configuration errors, the
``none`` tracking backend and an unreachable tracking server.

Failed, diverged and interrupted runs, resuming and syncing are in ``tests/track/``.
"""

import csv
import io
import math
import subprocess
import time
from types import SimpleNamespace

import matplotlib.image
import numpy as np
import pytest
import yaml
from support import e2e

from nnlab.run.schema import flatten

EPOCHS = 40
HISTORY_COLUMNS = {"epoch", *e2e.PER_EPOCH_METRICS}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def results_table(stdout: str) -> list[list[str]]:
    """The rows of the results table the sweep prints at its end (header first)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("rank  job"))
    assert set(lines[start + 1].replace(" ", "")) == {"-"}, lines[start + 1]
    rows = [lines[start].split()]
    for line in lines[start + 2 :]:
        if not line[:1].isdigit() and line[:2] != "- ":
            break
        rows.append(line.split())
    return rows


# --- a two-job sweep: everything it records ----------------------------------------------------


@pytest.fixture(scope="module")
def sgd_adam(tmp_path_factory, run_sweep):
    folder = tmp_path_factory.mktemp("sgd-adam")
    sweep_dir = folder / "sweep-sgd-adam"
    started = time.perf_counter()
    proc = run_sweep(
        ["-m", "optimizer=sgd,adam", f"trainer.epochs={EPOCHS}"],
        folder,
        sweep_dir=sweep_dir,
        quiet=False,
    )
    seconds = time.perf_counter() - started
    uri = e2e.store_uri(folder)
    runs = e2e.all_runs(uri)
    return SimpleNamespace(
        proc=proc,
        seconds=seconds,
        uri=uri,
        sweep_dir=sweep_dir,
        runs=runs,
        parents=e2e.parent_runs(runs),
        children=e2e.by_job(e2e.child_runs(runs)),
        client=e2e.client(uri),
    )


def test_sweep_exits_zero(sgd_adam):
    proc = sgd_adam.proc
    assert proc.returncode == 0, proc.stderr
    assert "error" not in proc.stderr.lower(), proc.stderr


def test_sweep_prints_results_table_best_first(sgd_adam):
    rows = results_table(sgd_adam.proc.stdout)
    header, body = rows[0], rows[1:]
    assert header[:6] == ["rank", "job", "run", "status", "val/loss", "train/accuracy"]
    assert [row[0] for row in body] == ["1", "2"]
    assert sorted(row[1:3] for row in body) == [["1", "optimizer=sgd"], ["2", "optimizer=adam"]]
    assert [row[3] for row in body] == ["FINISHED", "FINISHED"]
    losses = [float(row[4]) for row in body]
    assert losses == sorted(losses)
    run_ids = {r.info.run_id[:8] for r in sgd_adam.children}
    assert {row[7] for row in body} == run_ids
    best = next(line for line in sgd_adam.proc.stdout.splitlines() if line.startswith("best: "))
    assert best.startswith(f"best: {body[0][2]} (val/loss={body[0][4]}, run {body[0][7]})")


def test_sweep_has_one_parent_and_a_finished_child_per_job(sgd_adam):
    assert len(sgd_adam.parents) == 1, [r.info.run_name for r in sgd_adam.runs]
    parent = sgd_adam.parents[0]
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["nnlab.sweep_id"] == "sweep-sgd-adam"
    assert len(sgd_adam.children) == 2
    for child in sgd_adam.children:
        assert child.info.status == "FINISHED"
        assert child.data.tags["nnlab.role"] == "run"
        assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert child.info.experiment_id == parent.info.experiment_id
    assert [c.data.params["optimizer.name"] for c in sgd_adam.children] == ["sgd", "adam"]
    assert [c.info.run_name for c in sgd_adam.children] == ["optimizer=sgd", "optimizer=adam"]


def test_experiment_opens_as_model_development(sgd_adam):
    experiment = sgd_adam.client.get_experiment(sgd_adam.parents[0].info.experiment_id)
    assert experiment.name == "nnlab"
    assert experiment.tags.get("mlflow.experimentKind") == "custom_model_development"


def test_child_metrics_cover_every_epoch(sgd_adam):
    for child in sgd_adam.children:
        assert not {"train/data_loss", "train/reg_loss"} & set(child.data.metrics)
        for key in ("train/loss", "train/accuracy", "lr", "val/loss"):
            history = e2e.metric_history(sgd_adam.client, child.info.run_id, key)
            assert sorted(history) == list(range(EPOCHS)), key
            assert all(math.isfinite(v) for v in history.values()), key
        metrics = child.data.metrics
        for key in ("val_loss_final", "val_loss_best", "val_loss_best_epoch", "train_loss_final"):
            assert key in metrics, sorted(metrics)
        assert metrics["val_loss_best"] <= metrics["val_loss_final"]


def test_child_metrics_match_history_csv(sgd_adam):
    for child in sgd_adam.children:
        run_id = child.info.run_id
        rows = read_csv(e2e.download(sgd_adam.client, run_id, "history.csv").read_text())
        assert len(rows) == EPOCHS
        assert set(rows[0]) == HISTORY_COLUMNS
        assert [int(row["epoch"]) for row in rows] == list(range(EPOCHS))
        logged = e2e.metric_history(sgd_adam.client, run_id, "train/loss")
        assert {int(r["epoch"]): float(r["train/loss"]) for r in rows} == logged
        assert child.data.metrics["val_loss_final"] == float(rows[-1]["val/loss"])


def test_child_artifacts(sgd_adam):
    for child in sgd_adam.children:
        run_id = child.info.run_id
        paths = e2e.artifact_paths(sgd_adam.client, run_id)
        expected = {
            "history.csv",
            "weights.npz",
            "config.yaml",
            ".hydra/config.yaml",
            ".hydra/overrides.yaml",
            "figures/decision_boundary.png",
        }
        assert expected <= paths, sorted(paths)
        assert "figures/curves.png" not in paths, "a sweep's curves are its report's overlays"
        with np.load(e2e.download(sgd_adam.client, run_id, "weights.npz"), allow_pickle=False) as w:
            assert {"dense1.weights", "dense1.biases", "dense2.weights", "dense2.biases"} <= set(
                w.files
            )
            assert w["dense1.weights"].shape == (2, 64)
            assert w["dense2.weights"].shape == (64, 3)
            assert all(np.isfinite(w[key]).all() for key in w.files)
        config = e2e.download(sgd_adam.client, run_id, "config.yaml").read_text()
        assert f"name: {child.data.params['optimizer.name']}" in config
        path = e2e.download(sgd_adam.client, run_id, "figures/decision_boundary.png")
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.ndim == 3
        assert image.shape[0] > 50
        assert image.shape[1] > 50


def test_child_params_and_tags(sgd_adam):
    commit = subprocess.run(
        ["git", "-C", str(e2e.REPO), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    hashes = set()
    for num, child in enumerate(sgd_adam.children):
        params, tags = child.data.params, child.data.tags
        config = yaml.safe_load(
            e2e.download(sgd_adam.client, child.info.run_id, "config.yaml").read_text()
        )
        assert params == flatten(config)
        assert params["trainer.seed"] == "0"
        assert params["trainer.epochs"] == str(EPOCHS)
        assert params["dataset.name"] == "spiral"
        assert "optimizer.learning_rate" in params
        assert len(tags["nnlab.config_hash"]) == 16
        hashes.add(tags["nnlab.config_hash"])
        assert tags["nnlab.seed"] == "0"
        assert tags["nnlab.job"] == str(num)
        assert f"optimizer={params['optimizer.name']}" in tags["nnlab.overrides"]
        assert tags["nnlab.sweep_id"] == "sweep-sgd-adam"
        assert tags["mlflow.source.git.commit"] == commit
        assert tags["nnlab.git_dirty"] in ("true", "false")
        for package in ("nnlab", "numpy", "mlflow", "python"):
            assert tags.get(f"nnlab.version.{package}"), package
    assert len(hashes) == 2


def test_parent_has_runs_list_and_report(sgd_adam):
    parent = sgd_adam.parents[0]
    paths = e2e.artifact_paths(sgd_adam.client, parent.info.run_id)
    assert {"sweep_runs.json", "report/report.md"} <= paths, sorted(paths)
    listed = e2e.sweep_runs_json(sgd_adam.client, parent.info.run_id)
    assert {job["run_id"] for job in listed} == {c.info.run_id for c in sgd_adam.children}
    assert {job["status"] for job in listed} == {"FINISHED"}
    report = e2e.download(sgd_adam.client, parent.info.run_id, "report/report.md").read_text()
    for child in sgd_adam.children:
        assert child.info.run_name in report
    assert (sgd_adam.sweep_dir / "report" / "report.md").is_file()
    assert parent.data.metrics["sweep_best_val_loss_final"] == min(
        c.data.metrics["val_loss_final"] for c in sgd_adam.children
    )


# --- reproducibility ---------------------------------------------------------------------------

SEEDED = [
    "trainer.epochs=30",
    "trainer.batch_size=64",
    "model.dropout=0.1",
    "model.weight_regularizer_l2=5e-4",
]
METRICS = ("train/loss", "train/data_loss", "train/reg_loss", "train/accuracy", "val/loss", "lr")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, run_sweep):
    """Seed 0 run twice into two stores: once after a seed-1 job in the same sweep (so state left
    over from an earlier job would show), once alone."""
    first, second = tmp_path_factory.mktemp("seed-a"), tmp_path_factory.mktemp("seed-b")
    procs = [
        run_sweep(["-m", "trainer.seed=1,0", *SEEDED], first),
        run_sweep(["-m", "trainer.seed=0", *SEEDED], second),
    ]
    for proc in procs:
        assert proc.returncode == 0, proc.stderr
    runs = {}
    for folder in (first, second):
        uri = e2e.store_uri(folder)
        for run in e2e.child_runs(e2e.all_runs(uri)):
            runs[folder.name[:6], run.data.params["trainer.seed"]] = (e2e.client(uri), run)
    return SimpleNamespace(first=first, second=second, runs=runs)


def logged(client_and_run) -> dict[str, dict[int, float]]:
    client, run = client_and_run
    return {key: e2e.metric_history(client, run.info.run_id, key) for key in METRICS}


def test_same_seed_gives_identical_runs(seeded):
    a = (e2e.job_folder(seeded.first / "sweep", 1) / "history.csv").read_text()
    b = (e2e.job_folder(seeded.second / "sweep", 0) / "history.csv").read_text()
    assert len(read_csv(a)) == 30
    assert a == b
    run_a, run_b = seeded.runs["seed-a", "0"], seeded.runs["seed-b", "0"]
    assert logged(run_a) == logged(run_b)
    assert all(value > 0 for value in logged(run_a)["train/reg_loss"].values())
    assert run_a[1].data.tags["nnlab.config_hash"] == run_b[1].data.tags["nnlab.config_hash"]
    weights_a = np.load(e2e.job_folder(seeded.first / "sweep", 1) / "weights.npz")
    weights_b = np.load(e2e.job_folder(seeded.second / "sweep", 0) / "weights.npz")
    for key in weights_a.files:
        np.testing.assert_array_equal(weights_a[key], weights_b[key])


def test_other_seed_gives_other_values(seeded):
    seed0, seed1 = logged(seeded.runs["seed-a", "0"]), logged(seeded.runs["seed-a", "1"])
    assert sorted(seed0["train/loss"]) == sorted(seed1["train/loss"]) == list(range(30))
    assert seed0["train/loss"][0] != seed1["train/loss"][0]
    assert seed0["val/loss"] != seed1["val/loss"]


# --- configuration errors: one line, exit status 2, no run -------------------------------------


MOMENTUM = ["optimizer.momentum", "[0, 1)", "1.5"]
OPTIMIZERS = ["sgdd", "adagrad", "adam", "hill_climb", "random_search", "rmsprop", "sgd"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["-m", "optimizer.momentum=1.5"], MOMENTUM, id="momentum"),
        pytest.param(["optimizer.momentum=1.5"], MOMENTUM, id="momentum-single-run"),
        pytest.param(["-m", "optimizer=sgdd"], OPTIMIZERS, id="unknown-option"),
        pytest.param(["optimizer=sgdd"], OPTIMIZERS, id="unknown-option-single-run"),
        pytest.param(["-m", "optimizer.foo=1"], ["optimizer.foo"], id="unknown-key"),
        pytest.param(["-m", "trainer.epochs=abc"], ["trainer.epochs", "abc"], id="not-an-int"),
        pytest.param(["-m", "optimizer.momentum=0.5,1.5"], MOMENTUM, id="momentum-in-sweep"),
        pytest.param(
            ["-m", "optimizer=sgd,adam", "trainer.epochs=0"], ["trainer.epochs", "0"], id="epochs"
        ),
        pytest.param(
            ["-m", "optimizer=glob(sdg*)"], ["no jobs", "optimizer=glob(sdg*)"], id="empty-glob"
        ),
        pytest.param(
            ["-m", "tracking.backend=mlfow"],
            ["tracking.backend", "mlfow", "mlflow, none"],
            id="tracking-backend",
        ),  # fmt: skip
    ],
)
def test_bad_override_fails_fast_with_one_line(tmp_path, store, run_sweep, args, expected):
    proc = run_sweep(args, tmp_path, timeout=60)
    lines = e2e.error_lines(proc.stderr)
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    for fragment in expected:
        assert fragment in lines[0]
    assert e2e.all_runs(store) == []
    assert not list(tmp_path.rglob("history.csv"))


def test_unknown_key_error_lists_the_allowed_keys(tmp_path, run_sweep):
    """``optimizer.foo=1`` should say which keys ``optimizer`` takes (``errors.describe`` has a
    branch for it)."""
    proc = run_sweep(["-m", "optimizer.foo=1"], tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    (line,) = e2e.error_lines(proc.stderr)
    assert "optimizer.foo" in line
    assert "learning_rate" in line
    assert "momentum" in line


def test_added_unknown_key_is_refused(tmp_path, store, run_sweep):
    """``+optimizer.momentun=0.9`` (a typo, forced in with ``+``) must not train with momentum
    0 as if nothing had been said."""
    proc = run_sweep(["-m", "+optimizer.momentun=0.9", "trainer.epochs=5"], tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    (line,) = e2e.error_lines(proc.stderr)
    assert "optimizer.momentun" in line
    assert e2e.all_runs(store) == []


def test_glob_sweeps_the_matching_options(tmp_path, store, run_sweep):
    proc = run_sweep(["-m", "optimizer=glob(ada*)", "trainer.epochs=5"], tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    children = e2e.child_runs(e2e.all_runs(store))
    assert sorted(r.info.run_name for r in children) == ["optimizer=adagrad", "optimizer=adam"]
    assert {r.info.status for r in children} == {"FINISHED"}


# --- tracking=none and an unreachable server ---------------------------------------------------


def test_tracking_none_writes_files_and_no_store(tmp_path, store, run_sweep):
    proc = run_sweep(
        ["-m", "optimizer=sgd,adagrad", "trainer.epochs=20", "tracking=none"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert not e2e.db_exists(store)
    # nor any other store in the command's folder (its working directory, where MLflow's own
    # defaults would put one: ./mlflow.db and ./mlruns)
    assert not list(tmp_path.rglob("*.db"))
    assert not (tmp_path / "mlruns").exists()
    for num in (0, 1):
        folder = e2e.job_folder(tmp_path / "sweep", num)
        rows = read_csv((folder / "history.csv").read_text())
        assert len(rows) == 20
        assert set(rows[0]) == HISTORY_COLUMNS
        assert (folder / "weights.npz").is_file()
        assert (folder / "config.yaml").is_file()


@pytest.mark.parametrize("mode", [["-m"], []], ids=["multirun", "single"])
def test_unreachable_server_stops_before_training(tmp_path, run_sweep, mode):
    uri = "http://127.0.0.1:9"
    started = time.perf_counter()
    proc = run_sweep([*mode, "optimizer=sgd", "trainer.epochs=20000"], tmp_path, uri=uri)
    seconds = time.perf_counter() - started
    assert proc.returncode == 3, proc.stderr
    lines = e2e.error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert uri in lines[0]
    assert seconds < 15
    assert not list(tmp_path.rglob("history.csv"))
    assert not list(tmp_path.rglob("*.db"))


# --- a single run (no -m) ----------------------------------------------------------------------


def test_single_run_is_tracked_without_a_parent(tmp_path, store, run_sweep):
    proc = run_sweep(["optimizer=adam", "trainer.epochs=20"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    runs = e2e.all_runs(store)
    assert e2e.parent_runs(runs) == []
    (run,) = runs
    assert run.info.status == "FINISHED"
    assert "mlflow.parentRunId" not in run.data.tags
    assert "nnlab.sweep_id" not in run.data.tags
    assert run.data.params["optimizer.name"] == "adam"
    mlflow = e2e.client(store)
    assert sorted(e2e.metric_history(mlflow, run.info.run_id, "val/loss")) == list(range(20))
    assert {"history.csv", "weights.npz", "config.yaml"} <= e2e.artifact_paths(
        mlflow, run.info.run_id
    )
    assert len(read_csv((tmp_path / "run" / "history.csv").read_text())) == 20


def test_single_run_that_diverges_exits_nonzero(tmp_path, store, run_sweep):
    """The run is recorded FAILED (as in a sweep, which then exits 1); the command should not
    report success either."""
    args = ["dataset=sine", "optimizer.learning_rate=1e6", "trainer.epochs=40"]
    proc = run_sweep(args, tmp_path)
    (run,) = e2e.all_runs(store)
    assert run.info.status == "FAILED"
    assert "non-finite" in run.data.tags["nnlab.error"]
    assert proc.returncode != 0, proc.stdout
