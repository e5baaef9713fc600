"""Bad input, as users and scripts type it: one line on stderr naming the setting and what is
allowed, exit status 2 (3 for a store that cannot be used now), and nothing created: no run,
no folder, no database. The whole matrix is slow (a command each); a few cases run by
default."""

import subprocess
import sys
import time

import pytest
from support import e2e

LONG_NAME = "x" * 600
SLOW = pytest.mark.slow


def bad_store(folder, kind: str) -> str:
    """A tracking URI of ``kind``, made in ``folder``."""
    if kind == "folder":
        (folder / "adir").mkdir()
        return f"sqlite:///{folder / 'adir'}"
    if kind == "not a database":
        (folder / "notes.txt").write_text("hello\n")
        return f"sqlite:///{folder / 'notes.txt'}"
    (folder / "cut.db").write_bytes(b"SQLite format 3\x00" + b"\x10\x00" + bytes(4000))
    return f"sqlite:///{folder / 'cut.db'}"


RUN_CASES = [  # (overrides, fragments the line names, exit status, default tier)
    (["dataset.samples=100000000"], ["dataset.samples=100000000", "GB"], 2, True),
    (["model.hidden=[100000,100000]"], ["model.hidden=[100000, 100000]", "GB"], 2, False),
    (["trainer.epochs=1000000000000"], ["trainer.epochs=1000000000000", "GB"], 2, False),
    (["+callbacks.x._target_=nonexistent.Cls"], ["callbacks.x", "nonexistent"], 2, True),
    (["+callbacks.stop._target_=nnlab.train.EarlyStopping", "+callbacks.stop.patience=-1"],
     ["callbacks.stop", "patience", "-1"], 2, False),
    (["hydra/launcher=joblib", "hydra.launcher.n_jobs=0"], ["hydra.launcher.n_jobs=0"], 2, True),
    (["optimizer.learning_rate=nan"], ["optimizer.learning_rate", "nan"], 2, False),
    (["dataset.name=moons"], ["dataset.name", "moons", "spiral"], 2, False),
    (["model.hidden=[64,"], ["model.hidden=[64,"], 2, False),
    (["schedule.decay=0.1"], ["schedule.decay", "schedule=constant takes none"], 2, False),
    (["tracking.experiment="], ["tracking.experiment", "empty"], 2, True),
    ([f"tracking.experiment={LONG_NAME}"], ["tracking.experiment", "600 characters"], 2, False),
    (["tracking.uri=bogus://x"], ["tracking.uri=bogus://x"], 2, False),
    (["tracking.uri=file:///tmp/nnlab-file-store"], ["tracking.uri=file:"], 2, False),
    (["tracking.uri=/tmp/bare-path.db"], ["tracking.uri=/tmp/bare-path.db"], 2, False),
    (["tracking.uri={folder}"], ["names a folder"], 2, False),
    (["tracking.uri={not a database}"], ["is not a SQLite database"], 2, False),
    (["tracking.uri={damaged}"], ["is damaged"], 3, True),
    (["tracking.uri=http://127.0.0.1:1"], ["http://127.0.0.1:1", "unreachable"], 3, False),
    (["tracking.uri=postgresql://u@127.0.0.1:1/db"], ["127.0.0.1:1", "unreachable"], 3, False),
]  # fmt: skip


def cases():
    for overrides, fragments, status, fast in RUN_CASES:
        launcher = any(o.startswith("hydra/launcher") for o in overrides)  # sweeps use it
        for mode in (["-m"],) if launcher else (["-m"], []):
            marks = [] if fast and mode else [SLOW]
            yield pytest.param(
                mode + overrides,
                fragments,
                status,
                marks=marks,
                id=f"{'sweep' if mode else 'run'}:{' '.join(overrides)[:40]}",
            )


@pytest.mark.parametrize(("args", "fragments", "status"), list(cases()))
def test_bad_input_is_one_line_and_creates_nothing(tmp_path, run_sweep, args, fragments, status):
    for kind in ("folder", "not a database", "damaged"):
        args = [a.replace(f"{{{kind}}}", bad_store(tmp_path, kind)) if f"{{{kind}}}" in a else a
                for a in args]  # fmt: skip
    uri = next((a.split("=", 1)[1] for a in args if a.startswith("tracking.uri=")), None)
    args = [a for a in args if not a.startswith("tracking.uri=")]
    if not any("epochs" in a for a in args):
        args.append("trainer.epochs=5")
    before = set(tmp_path.rglob("*"))
    proc = run_sweep(args, tmp_path, timeout=120, uri=uri)
    lines = e2e.error_lines(proc.stderr)
    assert proc.returncode == status, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert set(tmp_path.rglob("*")) == before, "something was created"


def tool(*args: str, cwd) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)  # fmt: skip
    return proc, time.perf_counter() - started


@pytest.mark.parametrize(
    ("args", "fragment", "status"),
    [
        (["nnlab.reproduce", "0" * 32, "--uri", "http://127.0.0.1:1"], "unreachable", 3),
        (["nnlab.reproduce", "deadbeef"], "deadbeef", 2),
        (["nnlab.report", "--sweep", "x' OR tags.a = 'b"], "neither a sweep folder", 2),
        (["nnlab.report", "--runs", "0" * 32, "--uri", "http://127.0.0.1:1"], "unreachable", 3),
        (["nnlab.sync", "no-such-folder"], "no such folder", 2),
    ],
)
def test_the_tools_refuse_bad_input_in_one_line_at_once(tmp_path, args, fragment, status):
    proc, seconds = tool(*args, cwd=tmp_path)
    assert proc.returncode == status, proc.stderr
    (line,) = e2e.error_lines(proc.stderr)
    assert fragment in line, line
    assert seconds < 20, "an unreachable store is told within seconds"


def test_a_report_into_a_folder_it_cannot_write_is_one_line(tmp_path, run_sweep):
    proc = run_sweep(["-m", "trainer.epochs=5", "tracking=none"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "a-file").write_text("")
    made, _ = tool("nnlab.report", "--sweep", str(tmp_path / "sweep"), "--out",
                   str(tmp_path / "a-file" / "report"), cwd=tmp_path)  # fmt: skip
    assert made.returncode == 2, made.stderr
    (line,) = e2e.error_lines(made.stderr)
    assert "a-file" in line, line
