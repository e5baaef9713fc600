"""``python run.py --help`` is nnlab's text: what run.py does, the config groups a user picks
from with their options (not the schema's), common overrides, examples and where results go."""

import subprocess
import sys

import pytest
from support import e2e


@pytest.fixture(scope="module")
def shown(sweep_env) -> str:
    done = subprocess.run([sys.executable, str(e2e.REPO / "run.py"), "--help"], env=sweep_env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def group_line(text: str, group: str) -> str:
    (line,) = [line for line in text.splitlines() if line.split()[:1] == [group]]
    return line


def test_it_is_nnlabs_text(shown):
    assert shown.startswith("python run.py: train")
    assert "powered by Hydra" not in shown
    assert "schema" not in shown


@pytest.mark.parametrize(
    ("group", "options"),
    [
        ("dataset", ["spiral*", "sine", "vertical"]),
        ("optimizer", ["sgd*", "adagrad", "adam", "rmsprop", "random_search", "hill_climb"]),
        ("schedule", ["constant*", "inverse_time", "cosine"]),
        ("experiment", ["optimizers", "seeds"]),
        ("hydra/launcher", ["basic*", "joblib"]),
    ],
)
def test_groups_with_their_options(shown, group, options):
    listed = group_line(shown, group).removeprefix(group).replace(",", " ").split()
    assert set(options) <= set(listed)


def test_nested_options_are_listed_as_typed(shown):
    assert "decay/inverse_time_1e-3" in shown.split("Common overrides")[0]


@pytest.mark.parametrize(
    "text",
    [
        "python run.py -m optimizer=sgd,adagrad",
        "experiment=<study>",
        "trainer.epochs=",
        "optimizer.learning_rate=",
        "quiet=true",
        "multirun/<sweep>/report/report.md",
        "make ui",
        "python -m nnlab.report --sweep",
        "python -m nnlab.reproduce <run id>",
    ],
)
def test_usage_examples_and_results(shown, text):
    assert text in shown


def test_help_for_a_choice_marks_it(sweep_env):
    done = subprocess.run([sys.executable, str(e2e.REPO / "run.py"), "optimizer=adam", "--help"],
                          env=sweep_env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "adam*" in group_line(done.stdout, "optimizer")
