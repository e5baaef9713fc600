"""A run folder holds the files the README lists and nothing else: no log file of Hydra's, no
cached arrays (the decision regions are drawn from ``weights.npz`` when a report needs them),
and nothing large."""

import pytest

from nnlab.run.folder import CONFIG, ERROR, FIGURES, HISTORY, INFO, MIRROR, WEIGHTS

pytestmark = pytest.mark.slow  # end-to-end sweeps in subprocesses: make test-slow

DOCUMENTED = {CONFIG, INFO, HISTORY, WEIGHTS, ERROR, FIGURES, MIRROR, ".hydra"}
LARGEST = 200_000  # bytes: a file of a small run (a figure, the weights of a 2-64-3 network)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, run_sweep) -> list:
    """The job folders of a small sweep, and the folder of a run of its own."""
    root = tmp_path_factory.mktemp("files")
    for args in (["-m", "optimizer=sgd,adam", "trainer.epochs=30"], ["trainer.epochs=30"]):
        done = run_sweep(args, root)
        assert done.returncode == 0, done.stderr
    jobs = [p for p in (root / "sweep").iterdir() if p.name[0].isdigit()]  # <num>_<overrides>
    assert len(jobs) == 2
    return [*jobs, root / "run"]


def test_only_documented_files(folders):
    for folder in folders:
        assert {p.name for p in folder.iterdir()} <= DOCUMENTED, folder


def test_no_large_files(folders):
    for folder in folders:
        for path in folder.rglob("*"):
            assert not path.is_file() or path.stat().st_size < LARGEST, path
