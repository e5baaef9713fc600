"""Provenance in a real git repository: a study rewriting its README and results leaves the tree
clean, any other change makes it dirty with a hash of that change, which decides resuming."""

import subprocess

import pytest

from nnlab.run import provenance


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    for path in ("src/code.py", "experiments/seeds/README.md", "experiments/seeds/results/a.csv"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("one\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    return tmp_path


def state(repo):
    _, dirty = provenance.git_state(repo / "src")
    return dirty, provenance._diff_hash(repo) if dirty else ""


def test_a_study_rewriting_its_outputs_leaves_the_tree_clean(repo):
    (repo / "experiments/seeds/README.md").write_text("new results\n")
    (repo / "experiments/seeds/results/a.csv").write_text("new\n")
    assert state(repo) == (False, "")


def test_other_changes_make_it_dirty_and_are_told_apart_by_their_hash(repo):
    (repo / "src/code.py").write_text("two\n")
    dirty, first = state(repo)
    (repo / "experiments/seeds/README.md").write_text("new results\n")
    assert state(repo) == (True, first)  # the study's outputs are not part of the hash
    (repo / "src/code.py").write_text("three\n")
    assert dirty
    assert state(repo)[1] not in ("", first)


def test_the_code_tags_are_commit_changes_and_versions():
    tags = {"mlflow.source.git.commit": "c", "nnlab.git_diff": "d", "nnlab.git_dirty": "true",
            "nnlab.version.numpy": "2", "nnlab.seed": "0"}  # fmt: skip
    assert provenance.code_tags(tags) == {"mlflow.source.git.commit": "c", "nnlab.git_diff": "d",
                                          "nnlab.version.numpy": "2"}  # fmt: skip
