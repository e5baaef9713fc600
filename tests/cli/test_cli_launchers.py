"""A launcher whose optional extra is not installed (``hydra/launcher=ray``, ``submitit_local``,
``submitit_slurm``) stops the sweep before anything is created, with one line that names the
extra and the pip command, and exit status 2. The extras are hidden from the command by a
``sitecustomize`` that marks their modules as absent."""

import os

import pytest
from support import e2e

from nnlab.cli import launchers

HIDDEN = ("ray", "submitit", "hydra_plugins.hydra_submitit_launcher")


@pytest.fixture
def without_extras(tmp_path) -> dict[str, str]:
    """An environment in which Ray, submitit and its Hydra plugin cannot be imported."""
    site = tmp_path / "site"
    site.mkdir()
    lines = ["import sys", *(f"sys.modules[{name!r}] = None" for name in HIDDEN)]
    (site / "sitecustomize.py").write_text("\n".join(lines) + "\n")
    return {"PYTHONPATH": os.pathsep.join([str(site), str(e2e.TESTS)])}


@pytest.mark.parametrize(
    ("launcher", "extra"),
    [("submitit_local", "slurm"), ("submitit_slurm", "slurm"), ("ray", "ray")],
)
def test_missing_extra_is_one_line_and_nothing_is_created(
    tmp_path, run_sweep, without_extras, launcher, extra
):
    folder = tmp_path / "work"
    folder.mkdir()
    done = run_sweep(["-m", f"hydra/launcher={launcher}", "trainer.epochs=5"], folder,
                     env=without_extras)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f'error: hydra/launcher={launcher} needs the {extra} extra: pip install -e ".[{extra}]"'
    ]
    assert list(folder.iterdir()) == []


def test_installed_or_unknown_launchers_need_nothing(monkeypatch):
    monkeypatch.setattr(launchers, "find_spec", lambda name: object())
    assert launchers.missing_extra("ray") is None
    assert launchers.missing_extra("joblib") is None
    assert launchers.missing_extra(None) is None


def test_a_launcher_missing_one_module_needs_its_extra(monkeypatch):
    present = {"hydra_plugins.hydra_submitit_launcher"}  # the plugin without submitit itself
    monkeypatch.setattr(launchers, "find_spec",
                        lambda name: object() if name in present else None)  # fmt: skip
    assert launchers.missing_extra("submitit_local") == (
        'hydra/launcher=submitit_local needs the slurm extra: pip install -e ".[slurm]"'
    )
