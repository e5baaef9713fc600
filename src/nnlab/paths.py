"""Where the project's files live, whatever the working directory."""

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]
# the checkout holding conf/ for an editable install; else the directory runs start from
REPO_ROOT = _CHECKOUT if (_CHECKOUT / "conf").is_dir() else Path.cwd()
