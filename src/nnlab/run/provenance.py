"""Where a run's code came from: git commit, whether the tree was dirty, package versions;
and the run tags that record them (``tags``), which ``nnlab.reproduce`` reads back."""

import functools
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from nnlab.paths import REPO_ROOT

PACKAGES = ("nnlab", "numpy", "mlflow", "hydra-core")
COMMIT_TAG = "mlflow.source.git.commit"
DIRTY_TAG = "nnlab.git_dirty"
VERSION_TAG = "nnlab.version."  # + "python" or a package name


def tags(directory: Path = REPO_ROOT) -> dict[str, str]:
    """The provenance tags of a run of the code in ``directory``: git commit, dirty tree and
    versions. Found once per process (two git commands), as they do not change while it runs."""
    return dict(_cached_tags(Path(directory)))


@functools.cache
def _cached_tags(directory: Path) -> dict[str, str]:
    commit, dirty = git_state(directory)
    found = {DIRTY_TAG: str(dirty).lower(), COMMIT_TAG: commit}
    found.update({f"{VERSION_TAG}{name}": value for name, value in versions().items()})
    return found


def git_state(directory: Path) -> tuple[str, bool]:
    """``(commit sha, dirty)`` of the repository holding ``directory``; ``("unknown", False)``
    outside a repository or without git."""
    try:
        commit = _git(directory, "rev-parse", "HEAD")
        dirty = bool(_git(directory, "status", "--porcelain", "--untracked-files=no"))
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


def _git(directory: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(directory), *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()
