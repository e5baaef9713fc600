"""A run's folder is its record: everything the run is and did, written while it trains, so a
crash or a kill leaves a folder that says how far it got. MLflow mirrors it
(``nnlab.track.mirror``); reports, ``reproduce`` and resume read it.

- ``config.yaml``: the resolved config, the one source for rebuilding the run;
- ``run.json``: who and where the run is and how it ended (``RunInfo``);
- ``history.csv``: every metric of every epoch, one row per epoch, appended as training goes
  (empty cells where a metric was not measured);
- ``weights.npz``: the latest weights (``np.load`` without pickle), the final ones at the end;
- ``error.txt``: the traceback of a run that failed; ``figures/``: its figures.

Whole files are replaced atomically (written beside, then renamed), so a reader sees the old
file or the new one; the history is append-only, and a reader drops a last line that was cut
off mid-write.
"""

import errno
import json
import math
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml

from nnlab.train import History

CONFIG, INFO, HISTORY, WEIGHTS, ERROR, FIGURES = (
    "config.yaml", "run.json", "history.csv", "weights.npz", "error.txt", "figures"
)  # fmt: skip
MIRROR = "mirror.json"  # written by the tracker (nnlab.track.mirror): the MLflow run
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)  # no room for what a record writes
# YAML's safe loader and dumper, in C (libyaml) where PyYAML has it: 4 to 7 times faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
ENDED = ("FINISHED", "FAILED", "KILLED", "SKIPPED")


@dataclass
class RunInfo:
    """``run.json``. ``status`` is the run's MLflow status (``RUNNING`` while it trains, or
    ``SKIPPED`` for a job a resumed sweep did not train); ``outcome`` says how training ended
    (``completed``, ``diverged``, ``stopped``, ``pruned``; ``failed``, ``killed``, ``lost``,
    ``skipped``) and ``reason`` why, in words."""

    uid: str
    name: str
    process: dict  # nnlab.run.process.Process of the process that trains it
    started: float  # seconds since the epoch
    epochs: int  # planned
    job: int = 0  # the job's number in its sweep
    sweep_dir: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    tracking: dict | None = None  # uri, experiment, max_points, figures; None: not tracked
    status: str = "RUNNING"
    outcome: str = "running"
    reason: str | None = None
    ended: float | None = None
    seconds: float = 0.0  # from the start of training to its end
    summary: dict[str, float] = field(default_factory=dict)  # History.summary() at the end
    reused: dict | None = None  # SKIPPED: run_id, folder and commit of the run reused


class RunFolder:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    def exists(self) -> bool:
        return self.file(INFO).is_file()

    # -- writing (the process that trains the run) ---------------------------------------------

    def start(self, resolved: dict) -> None:
        """A new run's folder with its config, emptied of an earlier run's record (a sweep run
        again into the same folder)."""
        self.path.mkdir(parents=True, exist_ok=True)
        for name in (INFO, HISTORY, WEIGHTS, ERROR, MIRROR):
            self.file(name).unlink(missing_ok=True)
        shutil.rmtree(self.file(FIGURES), ignore_errors=True)
        self.write_config(resolved)

    def write_config(self, resolved: dict) -> None:
        write_atomic(self.file(CONFIG), yaml.dump(resolved, Dumper=SAFE_DUMPER, sort_keys=False))

    def write_info(self, info: RunInfo) -> None:
        write_atomic(self.file(INFO), json.dumps(asdict(info), indent=1))

    def start_history(self, columns: tuple[str, ...]) -> None:
        write_atomic(self.file(HISTORY), ",".join(("epoch", *columns)) + "\n")

    def append_history(self, columns: tuple[str, ...], rows: list[tuple[int, dict]]) -> None:
        """Append ``(epoch, metrics)`` rows; a metric not in ``metrics`` gets an empty cell."""
        lines = [
            ",".join((str(epoch), *(_cell(metrics.get(key, math.nan)) for key in columns)))
            for epoch, metrics in rows
        ]
        with open(self.file(HISTORY), "a") as handle:
            handle.write("\n".join(lines) + "\n")

    def write_weights(self, params: dict[str, np.ndarray]) -> None:
        partial = self.file(f".{WEIGHTS}.{os.getpid()}")
        with open(partial, "wb") as handle:
            np.savez(handle, **params)
        os.replace(partial, self.file(WEIGHTS))

    def write_error(self, text: str) -> None:
        write_atomic(self.file(ERROR), text)

    # -- reading -------------------------------------------------------------------------------

    def config(self) -> dict:
        """``config.yaml`` as plain data (YAML's safe loader: no object is made from it);
        ``ValueError`` if it is not a mapping of settings."""
        try:
            found = yaml.load(self.file(CONFIG).read_text(), Loader=SAFE_LOADER)
        except yaml.YAMLError as error:
            reason = str(error).splitlines()[0]
            raise ValueError(f"{self.file(CONFIG)} is not a config ({reason})") from None
        if not isinstance(found, dict):
            raise ValueError(f"{self.file(CONFIG)} is not a config: not a mapping")
        return found

    def info(self) -> RunInfo | None:
        """``run.json``, or ``None`` before the run wrote it; ``ValueError`` if it is not one."""
        path = self.file(INFO)
        if not path.is_file():
            return None
        try:
            return RunInfo(**json.loads(path.read_text()))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path} is not a run record: {error}") from None

    def history(self) -> History:
        """The history so far; a last line cut off mid-write is left out."""
        return read_history(self.file(HISTORY))

    def mirrored_run_id(self) -> str | None:
        return mirrored_run_id(self.path)

    def weights(self) -> dict[str, np.ndarray]:
        with np.load(self.file(WEIGHTS), allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}


def read_history(path: Path) -> History:
    """A ``history.csv`` as a ``History``; a last line cut off mid-write is left out."""
    history = History()
    columns, rows, _ = history_rows(path)
    history.metrics = {key: [] for key in columns}
    for epoch, metrics in rows:
        history.epochs.append(epoch)
        for key in columns:
            history.metrics[key].append(metrics[key])
    return history


def history_rows(path: Path, start: int = 0) -> tuple[list[str], list[tuple[int, dict]], int]:
    """``(columns, rows, end)``: the metric columns of a ``history.csv``, its whole rows from
    byte ``start`` on as ``(epoch, {metric: value})`` (``nan`` for an empty cell), and the byte
    offset after the last whole row (where to start next time)."""
    if not path.is_file():
        return [], [], start
    with open(path, "rb") as handle:
        header = handle.readline()
        start = max(start, len(header))
        handle.seek(start)
        body = handle.read()
    names = header.decode().rstrip("\n").split(",")
    whole = body[: body.rfind(b"\n") + 1]
    rows = []
    for line in whole.decode().splitlines():
        cells = line.split(",")
        if len(cells) != len(names):
            raise ValueError(f"{path}: a row has {len(cells)} cells, the header {len(names)}")
        values = [float(cell) if cell else math.nan for cell in cells[1:]]
        rows.append((int(cells[0]), dict(zip(names[1:], values, strict=True))))
    return names[1:], rows, start + len(whole)


def mirrored_run_id(folder: Path) -> str | None:
    """The MLflow run the tracker made of a run (or sweep state) folder, once it has."""
    try:
        return json.loads((folder / MIRROR).read_text()).get("run_id")
    except (OSError, ValueError):
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, whole. On a
    full disk, where even the small file beside it cannot be written, an existing file is
    overwritten in place: its blocks need no new space, and a record that says how the run
    ended is worth the small risk of a torn one (readers refuse a torn record)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        partial.write_text(text)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        if error.errno not in DISK_FULL or not path.is_file():
            raise
        with open(path, "r+") as handle:
            handle.write(text)
            handle.truncate()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _cell(value: float) -> str:
    return "" if math.isnan(value) else repr(float(value))
