"""A study's README carries the results of its last run: the block between two markers is
rewritten from the sweep's report at the end of every sweep of the study, so the numbers there
are never typed by hand."""

import re
from pathlib import Path

from nnlab.paths import REPO_ROOT

START = "<!-- results: written by the study's sweep, do not edit by hand -->"
END = "<!-- /results -->"


def study_folder(name: str, folder: str | None) -> Path:
    return Path(folder) if folder else REPO_ROOT / "experiments" / name


def update_readme(readme: Path, report: Path, sweep_id: str, commit: str, command: str) -> None:
    """Put ``report`` (a report.md) into ``readme`` between the markers, appending them if the
    README has none yet. Figure links are rewritten relative to the README."""
    relative = report.parent.relative_to(readme.parent).as_posix()
    body = report.read_text().split("\n", 1)[1]  # the report's own title goes
    body = re.sub(r"\]\((?!https?:)([^)]+)\)", lambda m: f"]({relative}/{m.group(1)})", body)
    body = re.sub(r"^#", "##", body, flags=re.MULTILINE)  # sections under "## Results"
    block = (
        f"{START}\n## Results\n\nFrom sweep `{sweep_id}` (commit `{commit[:12]}`), written by "
        f"`{command}`.\n{body.rstrip()}\n{END}"
    )
    text = readme.read_text() if readme.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = f"{text.rstrip()}\n\n{block}\n" if text else f"{block}\n"
    readme.write_text(text)
