"""``nnlab.report --sweep`` takes a sweep as the console prints it: its id, its folder with or
without a trailing ``/``, or any path inside it; a path that is not here names the sweep it is
in by the part after ``multirun/``."""

from pathlib import Path

import pytest

from nnlab.run.sweep import find_sweep

SWEEP_ID = "2026-01-02_03-04-05-ab12"
SWEEP = Path("multirun") / SWEEP_ID


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """A folder holding a sweep's record, a job folder and a report, as the working directory."""
    for path in (SWEEP / ".nnlab" / "sweep.json", SWEEP / "0_optimizer=sgd" / "run.json",
                 SWEEP / "report" / "report.md"):  # fmt: skip
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("{}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "text",
    [
        SWEEP_ID,
        f"multirun/{SWEEP_ID}",
        f"multirun/{SWEEP_ID}/",
        f"multirun/{SWEEP_ID}/report/report.md",
        f"multirun/{SWEEP_ID}/0_optimizer=sgd",
        f"./multirun/{SWEEP_ID}/0_optimizer=sgd/run.json",
    ],
)
def test_every_printed_form_finds_the_folder(here, text):
    folder, sweep_id = find_sweep(text)
    assert folder is not None
    assert folder.path.resolve() == (here / SWEEP).resolve()
    assert sweep_id == SWEEP_ID


def test_a_path_inside_from_elsewhere(here, monkeypatch, tmp_path_factory):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    folder, sweep_id = find_sweep(str(here / SWEEP / "report"))
    assert folder.path.resolve() == (here / SWEEP).resolve()
    assert sweep_id == SWEEP_ID


@pytest.mark.parametrize(
    "text",
    [
        SWEEP_ID,
        f"multirun/{SWEEP_ID}/",
        f"multirun/{SWEEP_ID}/report/report.md",
        f"/other/machine/multirun/{SWEEP_ID}/0_optimizer=sgd",
    ],
)
def test_a_sweep_not_here_is_named_by_its_id(tmp_path, monkeypatch, text):
    monkeypatch.chdir(tmp_path)
    assert find_sweep(text) == (None, SWEEP_ID)
