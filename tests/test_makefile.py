"""The Makefile's installs, read with ``make -n`` (nothing run): ``make sweep`` installs nnlab
alone and shows pip's progress; ``make test`` and the other development targets add the dev and
torch extras, also after ``make sweep`` made the environment."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEVELOPMENT = ["test", "test-slow", "lint", "bench", "install"]
EXTRAS = '-e ".[dev,torch]"'

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The Makefile and pyproject.toml in a folder of their own, without a .venv."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def planned(folder: Path, target: str) -> list[str]:
    """The commands ``make <target>`` would run in ``folder`` (as typed in a shell, also when
    the tests themselves run under ``make test``)."""
    shell = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "--no-print-directory", "-n", target], cwd=folder, env=shell,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.splitlines()


def installs(commands: list[str]) -> list[str]:
    return [command for command in commands if " install " in command]


def test_sweep_installs_nnlab_alone_with_progress(checkout):
    commands = planned(checkout, "sweep")
    assert commands[0].endswith("-m venv .venv")
    assert installs(commands)[-1].endswith("pip install --progress-bar on -e .")
    assert not any("--quiet" in command or "[" in command for command in installs(commands))
    assert commands[-1] == ".venv/bin/python run.py -m optimizer=sgd,adagrad"


@pytest.mark.parametrize("target", DEVELOPMENT)
def test_development_targets_install_the_extras(checkout, target):
    assert any(command.endswith(EXTRAS) for command in installs(planned(checkout, target)))


@pytest.mark.parametrize("target", DEVELOPMENT)
def test_after_make_sweep_only_the_extras_are_added(checkout, target):
    (checkout / ".venv").mkdir()
    (checkout / ".venv" / ".installed-main").touch()  # what make sweep leaves
    commands = planned(checkout, target)
    assert [command.split("pip install --progress-bar on ")[1] for command in installs(commands)
            ] == [EXTRAS]  # fmt: skip
    assert not any("-m venv" in command for command in commands)


def test_sweep_after_make_test_installs_nothing(checkout):
    (checkout / ".venv").mkdir()
    for stamp in (".installed-main", ".installed-dev"):
        (checkout / ".venv" / stamp).touch()
    assert installs(planned(checkout, "sweep")) == []
