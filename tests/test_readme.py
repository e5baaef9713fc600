"""The README shows what the code prints: the quick start's job lines and results table are
checked against a run of the same command (numbers and names; times and ids differ)."""

import re
from pathlib import Path

from support import e2e

README = e2e.REPO / "README.md"
JOB = re.compile(r"^\s*\[(\d+)/(\d+)\] (\S+)\s+(\w+)\s+val/loss=(\S+)\s+train/accuracy=(\S+)")
ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\w+)\s+(\S+)\s+(\S+)\s+[\d.]+\s+[0-9a-f]{8}\s*$")


def quick_start(text: str) -> str:
    """The output block under the quick start's ``make sweep``."""
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return section.split("no server needed):", 1)[1].split("Without `make`", 1)[0]


def shown(text: str) -> tuple[list[tuple], list[tuple], str]:
    lines = text.splitlines()
    jobs = [m.groups() for m in map(JOB.match, lines) if m]
    rows = [m.groups() for m in map(ROW.match, lines) if m]
    best = next(line.strip() for line in lines if line.strip().startswith("best: "))
    return jobs, rows, re.sub(r", run [0-9a-f]{8}\)", ")", best)


def test_the_quick_start_shows_what_make_sweep_prints(tmp_path: Path, run_sweep):
    command = re.search(r"make sweep .*runs: (python run\.py .*)$", README.read_text(), re.M)[1]
    proc = run_sweep(command.split()[2:], tmp_path, quiet=False)
    assert proc.returncode == 0, proc.stderr
    expected = shown(quick_start(README.read_text()))
    assert expected[0]
    assert len(expected[1]) == len(expected[0])
    assert shown(proc.stdout) == expected
