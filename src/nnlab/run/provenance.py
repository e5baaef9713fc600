"""Where a run's code came from: git commit, whether the tree was dirty and a hash of its
uncommitted changes, package versions; and the run tags that record them (``tags``), which
``nnlab.reproduce`` and resuming read back (``code_tags``: the ones that decide the numbers).

A study rewrites its own README and ``results/`` (``nnlab.report.study``): those files
(the studies' outputs) are left out of the dirty check and the hash, so running a study does not
make the runs after it "dirty"."""

import functools
import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from nnlab.paths import REPO_ROOT

PACKAGES = ("nnlab", "numpy", "mlflow", "hydra-core")
COMMIT_TAG = "mlflow.source.git.commit"
DIRTY_TAG = "nnlab.git_dirty"
DIFF_TAG = "nnlab.git_diff"  # sha256 of `git diff HEAD` (first 12 digits); "" for a clean tree
VERSION_TAG = "nnlab.version."  # + "python" or a package name
# pathspecs: the whole repository but the studies' outputs
TRACKED = (":(top)", ":(top,exclude,glob)experiments/*/README.md",
           ":(top,exclude,glob)experiments/*/results/**")  # fmt: skip


def tags(directory: Path = REPO_ROOT) -> dict[str, str]:
    """The provenance tags of a run of the code in ``directory``: git commit, dirty tree and
    versions. Found once per process (two git commands), as they do not change while it runs."""
    return dict(_cached_tags(Path(directory)))


@functools.cache
def _cached_tags(directory: Path) -> dict[str, str]:
    commit, dirty = git_state(directory)
    found = {DIRTY_TAG: str(dirty).lower(), COMMIT_TAG: commit,
             DIFF_TAG: _diff_hash(directory) if dirty else ""}  # fmt: skip
    found.update({f"{VERSION_TAG}{name}": value for name, value in versions().items()})
    return found


def code_tags(tags: dict[str, str]) -> dict[str, str]:
    """Of a run's tags, those that decide its numbers besides its config: commit, uncommitted
    changes, versions."""
    return {k: v for k, v in tags.items() if k in (COMMIT_TAG, DIFF_TAG) or
            k.startswith(VERSION_TAG)}  # fmt: skip


def git_state(directory: Path) -> tuple[str, bool]:
    """``(commit sha, dirty)`` of the repository holding ``directory`` (tracked files only,
    the studies' outputs left out); ``("unknown", False)`` outside a repository or without
    git."""
    try:
        commit = _git(directory, "rev-parse", "HEAD")
        dirty = bool(_git(directory, "status", "--porcelain", "--untracked-files=no", "--",
                          *TRACKED))  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown", False
    return commit, dirty


def versions() -> dict[str, str]:
    """Python's and the numerically relevant packages' versions."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _diff_hash(directory: Path) -> str:
    """What ``git diff HEAD`` shows of the tracked files (the studies' outputs left out), hashed."""
    try:
        diff = _git(directory, "diff", "HEAD", "--", *TRACKED)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return hashlib.sha256(diff.encode()).hexdigest()[:12]


def _git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(directory), *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()
