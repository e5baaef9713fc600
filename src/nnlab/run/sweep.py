"""A sweep's record, in ``<sweep folder>/.nnlab/``, beside its jobs' run folders:

- ``sweep.json`` (``SweepInfo``): written by the sweep's process before any job starts and again
  when it ends; jobs read it to learn the sweep they belong to, wherever they run;
- ``reuse.json``: for a resumed sweep, the earlier FINISHED runs its jobs reuse, by config
  hash; written once, by the tracker, before it mirrors any job of the sweep.

Every job's outcome is in its own run folder (``nnlab.run.folder``); the sweep lists them with
``runs``.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nnlab.run.folder import INFO, MIRROR, RunFolder, mirrored_run_id, write_atomic

FOLDER = ".nnlab"
MULTIRUN = Path("multirun")  # where sweeps go (conf/hydra/default.yaml)


@dataclass
class SweepInfo:
    id: str  # the sweep folder's name
    uid: str  # the sweep's parent run carries it as a tag
    name: str  # what the sweep is: a study's name, or the keys it varies
    process: dict  # nnlab.run.process.Process of the sweep's own process
    started: float
    objective: str  # the metric its jobs are compared by
    overrides: list[str] = field(default_factory=list)  # the command line's
    total_jobs: int | None = None  # None: the sweeper picks jobs as it goes (a search)
    varying: list[str] = field(default_factory=list)  # override keys that differ between jobs
    tracking: dict | None = None  # uri, experiment; None: not tracked
    resume: bool = False  # whether jobs wait for reuse.json
    code: dict[str, str] | None = None  # the code tags a reused run must have; None: any
    hashes: list[str] = field(default_factory=list)  # the jobs' config hashes, for resuming
    colors: dict[str, str] = field(default_factory=dict)  # a job's colour by its colour key
    status: str = "RUNNING"  # then FINISHED, FAILED or KILLED
    reason: str | None = None  # why it ended early, if it did
    ended: float | None = None
    report: str | None = None  # the report's folder, once written


class SweepFolder:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.state = self.path / FOLDER

    def exists(self) -> bool:
        return (self.state / "sweep.json").is_file()

    def info(self) -> SweepInfo | None:
        path = self.state / "sweep.json"
        if not path.is_file():
            return None
        try:
            return SweepInfo(**json.loads(path.read_text()))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} is not a sweep record: {error}") from None

    def start(self, info: SweepInfo) -> None:
        """Write the record of a new sweep (dropping the state of one run into this folder
        before)."""
        for name in ("reuse.json", MIRROR):
            (self.state / name).unlink(missing_ok=True)
        self.write_info(info)

    def write_info(self, info: SweepInfo) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        write_atomic(self.state / "sweep.json", json.dumps(asdict(info), indent=1))

    def reuse(self) -> dict[str, dict] | None:
        """The runs to reuse by config hash; ``None`` until decided."""
        path = self.state / "reuse.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def write_reuse(self, found: dict[str, dict]) -> None:
        write_atomic(self.state / "reuse.json", json.dumps(found, indent=1))

    def mirrored_run_id(self) -> str | None:
        return mirrored_run_id(self.state)

    def runs(self) -> list[RunFolder]:
        """The run folders of the sweep's jobs, by job number (a folder whose record cannot be
        read, torn by a full disk say, is left out)."""
        found = []
        for path in self.path.rglob(INFO):
            folder = RunFolder(path.parent)
            try:
                found.append((folder.info().job, folder))
            except ValueError:
                continue
        return [folder for _, folder in sorted(found, key=lambda pair: pair[0])]


def find_sweep(text: str) -> tuple[SweepFolder | None, str]:
    """The sweep ``text`` names: its folder here, if there is one (``text`` itself, the nearest
    folder above it that holds a sweep, or ``multirun/<text>``), and its id. A path that is not
    here names the sweep by its part after ``multirun/``, else by its last part."""
    path = Path(text)
    here = [path, *path.parents, *path.resolve().parents] if path.exists() else [MULTIRUN / text]
    for candidate in here:
        if (folder := SweepFolder(candidate)).exists():
            return folder, folder.path.resolve().name
    after = [index + 1 for index, part in enumerate(path.parts[:-1]) if part == MULTIRUN.name]
    return None, path.parts[after[-1]] if after else path.name
