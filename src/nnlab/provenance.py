"""Where a run's code came from: git commit, whether the tree was dirty, package versions."""

import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("nnlab", "numpy", "mlflow", "hydra-core")


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
