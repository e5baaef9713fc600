"""The numerics never import the tracker or plotting; the training process never imports MLflow
or matplotlib (the tracking worker does: it mirrors the run folders and draws their figures)."""

import subprocess
import sys

import pytest

PROBE = "import sys, {modules}; print(sorted(m for m in {banned} if m in sys.modules))"


@pytest.mark.parametrize(
    ("modules", "banned"),
    [
        ("nnlab.nn, nnlab.optim, nnlab.schedules, nnlab.data", ("mlflow", "matplotlib", "hydra")),
        ("nnlab.train", ("mlflow", "matplotlib", "hydra")),
        (
            "nnlab.cli.app, nnlab.cli.sweeper, nnlab.run.folder, nnlab.viz.regions",
            ("mlflow", "matplotlib"),
        ),
    ],
)
def test_imports_stay_on_their_side(modules, banned):
    code = PROBE.format(modules=modules, banned=banned)
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]"
