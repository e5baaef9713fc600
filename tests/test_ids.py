"""Sweeps and runs are accepted in every form the tools print them: ``nnlab.report --sweep``
takes a sweep's id, its folder with or without a trailing ``/``, and any path inside it;
``--runs`` and ``nnlab.reproduce`` take a run id's first 8 digits (``86f1ddcd`` or
``86f1ddcd...``), looked up in the store, with one line and exit status 2 for a prefix that
starts no run id (several: ``tests/track/test_track_query.py``)."""

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import e2e

from nnlab.track import query

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow
SWEEP_ID = "2026-01-02_03-04-05-ab12"
MAINS = {"nnlab.report": "nnlab.report.__main__", "nnlab.reproduce": "nnlab.reproduce"}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, run_sweep) -> SimpleNamespace:
    """A two-run sweep into ``multirun/<id>`` under its folder, as ``run.py`` makes them."""
    root = tmp_path_factory.mktemp("ids")
    done = run_sweep(["-m", "optimizer=sgd,adam", "trainer.epochs=20"], root,
                     sweep_dir=Path("multirun") / SWEEP_ID)  # fmt: skip
    assert done.returncode == 0, done.stderr
    runs = e2e.child_runs(e2e.all_runs(e2e.store_uri(root)))
    return SimpleNamespace(root=root, uri=e2e.store_uri(root), ids=[r.info.run_id for r in runs])


def command(module: str, args: list[str], cwd: Path, capsys, monkeypatch) -> SimpleNamespace:
    """``python -m <module> ARGS`` in this process, from ``cwd``: its status, stdout, stderr."""
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    status = importlib.import_module(MAINS[module]).main(args)
    captured = capsys.readouterr()
    return SimpleNamespace(status=status, out=captured.out, err=captured.err)


def sweep_report(sweep, text: str, cwd: Path, capsys, monkeypatch) -> str:
    """The title of the report ``--sweep <text>`` writes."""
    out = sweep.root / "reports" / str(abs(hash((text, str(cwd)))))
    args = ["--sweep", text, "--uri", sweep.uri, "--out", str(out)]
    done = command("nnlab.report", args, cwd, capsys, monkeypatch)
    assert done.status == 0, done.err
    return (out / "report.md").read_text().splitlines()[0]


@pytest.mark.parametrize(
    "text",
    [
        SWEEP_ID,
        f"multirun/{SWEEP_ID}",
        f"multirun/{SWEEP_ID}/",
        f"multirun/{SWEEP_ID}/report/report.md",
        f"multirun/{SWEEP_ID}/0_optimizer=sgd,trainer.epochs=20",
        f"multirun/{SWEEP_ID}/.nnlab/sweep.json",
    ],
)
def test_sweep_in_every_printed_form(sweep, text, capsys, monkeypatch):
    assert sweep_report(sweep, text, sweep.root, capsys, monkeypatch) == f"# sweep {SWEEP_ID}"


def test_absolute_path_inside_the_sweep(sweep, capsys, monkeypatch, tmp_path):
    text = str(sweep.root / "multirun" / SWEEP_ID / "report")
    assert sweep_report(sweep, text, tmp_path, capsys, monkeypatch) == f"# sweep {SWEEP_ID}"


@pytest.mark.parametrize(
    "text",
    [SWEEP_ID, f"multirun/{SWEEP_ID}/", f"elsewhere/multirun/{SWEEP_ID}/report/report.md"],
)
def test_sweep_not_here_is_found_in_the_store(sweep, text, capsys, monkeypatch, tmp_path):
    assert sweep_report(sweep, text, tmp_path, capsys, monkeypatch) == f"# sweep {SWEEP_ID}"


@pytest.mark.parametrize("shown", ["{}", "{}...", "{}\u2026"])
def test_report_of_runs_by_their_short_ids(sweep, shown, capsys, monkeypatch, tmp_path):
    short = [shown.format(run_id[: query.SHORT_ID]) for run_id in sweep.ids]
    args = ["--runs", *short, "--uri", sweep.uri, "--out", str(tmp_path / "out")]
    done = command("nnlab.report", args, tmp_path, capsys, monkeypatch)
    assert done.status == 0, done.err
    assert (tmp_path / "out" / "report.md").read_text().startswith("# 2 runs\n")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("0000000000", "error: no run id starts with 0000000000 in "),
        ("86f1", "error: '86f1' is neither a run folder nor a run id (8 to 32 hexadecimal"),
        ("86f1ddcz", "error: '86f1ddcz' is neither a run folder nor a run id"),
    ],
)
def test_unknown_short_id_is_one_line(sweep, text, error, capsys, monkeypatch, tmp_path):
    for module, args in (("nnlab.report", ["--runs", text]), ("nnlab.reproduce", [text])):
        done = command(module, [*args, "--uri", sweep.uri], tmp_path, capsys, monkeypatch)
        assert done.status == 2
        assert len(done.err.splitlines()) == 1
        assert done.err.startswith(error)


def test_reproduce_by_short_id(sweep, capsys, monkeypatch, tmp_path):
    short = sweep.ids[0][: query.SHORT_ID] + "..."
    # --force: the tree may hold uncommitted work (tests/test_studies.py covers the refusal)
    args = [short, "--uri", sweep.uri, "--force"]
    done = command("nnlab.reproduce", args, tmp_path, capsys, monkeypatch)
    assert done.status == 0, done.err
    assert "reproduced exactly" in done.out
