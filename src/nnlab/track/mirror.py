"""MLflow as a mirror of run folders (``nnlab.run.folder``) and sweep folders
(``nnlab.run.sweep``).

A pass (``Mirror.step``) looks at every watched folder and sends what MLflow lacks: a sweep's
parent run first (and, for a resumed sweep, which earlier runs its jobs reuse), then each run:
created once with its tags and its config as params, its new history rows as decimated points
(``nnlab.track.points``) and, once it ended, its last points, summary, files, figures and
status; then the parent's tally, report and status when every run of the sweep is closed.

The MLflow run id is kept in the folder (``mirror.json``) and the run carries the folder's uid as
a tag, so passes can be repeated at any time, by the tracking worker while runs train or later by
``python -m nnlab.sync``, and nothing is sent twice. A run whose process is gone while its record
says RUNNING (killed, or its machine lost power) is closed FAILED as "process lost", with
everything its folder holds. A store that fails is left alone for ``RETRY_SECONDS``; its runs
wait in their folders, and ``notes`` says how to send them.
"""

import json
import math
import os
import re
import time
from pathlib import Path

from nnlab.run.folder import (
    ENDED,
    ERROR,
    FIGURES,
    INFO,
    MIRROR,
    RunFolder,
    RunInfo,
    history_rows,
    write_atomic,
)
from nnlab.run.process import Process
from nnlab.run.provenance import COMMIT_TAG
from nnlab.run.schema import flatten
from nnlab.run.sweep import FOLDER, SweepFolder
from nnlab.track.points import Decimator
from nnlab.track.store import Store
from nnlab.track.view import TAG_PREFIX, encoded, link, sweep_view, view_id
from nnlab.train.metrics import higher_is_better, summary_key, sweep_key

RETRY_SECONDS = float(os.environ.get("NNLAB_TRACKING_RETRY_SECONDS", "30"))
LOST = "process lost"
UPLOADED = ("config.yaml", INFO, "history.csv", "weights.npz", ERROR)


class Mirror:
    def __init__(self) -> None:
        self.roots: list[Path] = []
        self.runs: dict[Path, RunMirror] = {}
        self.sweeps: dict[Path, SweepMirror] = {}
        self.notes: dict[str, str] = {}  # a store or folder -> why not all is in MLflow yet
        self.sent: list[_Mirrored] = []  # what a pass sent something of, once each
        self._stores: dict[str, Store] = {}
        self._down: dict[str, float] = {}  # uri -> when to try it again

    def watch(self, path: Path | str) -> None:
        self.roots.append(Path(path).resolve())

    def step(self, final: bool = False, opening: bool = False) -> bool:
        """One pass over every watched folder; whether every run and sweep is closed. A store
        that fails is not tried again in the pass, nor before ``RETRY_SECONDS`` (unless
        ``final``). ``opening``: only create the MLflow runs not created yet (a later pass
        sends the rest)."""
        self._discover()
        failed: set[str] = set()
        for target in [*self.sweeps.values(), *self.runs.values(), *self.sweeps.values()]:
            waiting = not final and self._down.get(target.uri, 0) > time.monotonic()
            if target.closed or waiting or target.uri in failed:
                continue
            try:
                if target.step(self, final, opening) and target not in self.sent:
                    self.sent.append(target)
                self.notes.pop(str(target.uri), None)
            except Exception as error:  # noqa: BLE001 - keep the data, say why, go on
                if self._failed(target, error):
                    failed.add(target.uri)
        for uri, store in self._stores.items():
            if final and store.replaced():
                self.notes[uri] = f"the database of {uri} was deleted or replaced meanwhile"
        return all(t.closed for t in [*self.runs.values(), *self.sweeps.values()])

    def store(self, uri: str) -> Store:
        """The store at ``uri``, opened once; on opening, the runs this machine left RUNNING in
        it whose process is gone are taken care of: their folders are watched (and so closed
        as "process lost"), or, without a folder, the run is ended FAILED."""
        if uri not in self._stores:
            store = self._stores[uri] = Store(uri)
            for run in store.running_here():
                tags = run.data.tags
                process = Process(tags["nnlab.host"], int(tags["nnlab.pid"]),
                                  int(tags["nnlab.pid_start"] or 0) or None)  # fmt: skip
                if process.alive() is False:
                    folder = tags.get("nnlab.run_dir") or tags.get("nnlab.sweep_dir")
                    if folder and Path(folder).is_dir():
                        self.watch(folder)
                    else:
                        store.set_tags(run.info.run_id, {"nnlab.error": LOST})
                        store.end(run.info.run_id, "FAILED")
        return self._stores[uri]

    def parent(self, sweep_dir: str) -> "SweepMirror":
        path = Path(sweep_dir).resolve()
        if path not in self.sweeps:
            self.sweeps[path] = SweepMirror(path)
        return self.sweeps[path]

    def _discover(self) -> None:
        for root in self.roots:
            infos = [root / INFO] if (root / INFO).is_file() else root.rglob(INFO)
            for info in infos:
                folder = info.parent
                if FOLDER not in info.parts and folder not in self.runs and not _copy(folder):
                    self.runs[folder] = RunMirror(folder)
            for state in root.rglob(f"{FOLDER}/sweep.json"):
                self.parent(state.parent.parent)

    def _failed(self, target, error: Exception) -> bool:
        """Note why ``target`` could not be sent; whether its store failed (a damaged record
        is closed for good, and what was sent of it ended FAILED)."""
        target.forget()  # what it had read but not sent is read again next time
        if isinstance(error, ValueError):  # a damaged record: it will not get better
            target.closed = True
            self.notes[str(target.path)] = f"{target.path}: not sent ({error})"
            if target.run_id and target.uri:
                store = self.store(target.uri)
                store.set_tags(target.run_id, {"nnlab.error": f"record damaged: {error}"})
                store.end(target.run_id, "FAILED")
            return False
        self._down[target.uri] = time.monotonic() + RETRY_SECONDS
        reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        self.notes[target.uri] = f"the tracking store {target.uri} failed ({reason})"
        return True


class _Mirrored:
    """A folder and the MLflow run that mirrors it, kept in its ``mirror.json`` with the uid of
    the record it mirrors (a folder reused by a later run starts afresh)."""

    def __init__(self, path: Path, state: Path) -> None:
        self.path, self.state_file = path, state
        try:  # a damaged one is as good as none: the run is found by its uid tag
            self._saved = json.loads(state.read_text())
        except (OSError, ValueError):
            self._saved = {}
        self.uid: str | None = None
        self.run_id: str | None = None
        self.closed = False
        self.uri: str | None = None
        self._verified = False  # the store was seen to have run_id

    def bind(self, uid: str) -> None:
        """Mirror the record with ``uid``: what ``mirror.json`` says of it, if anything."""
        if uid != self.uid:
            saved = self._saved if self._saved.get("uid") == uid else {}
            self.uid, self.run_id = uid, saved.get("run_id")
            self.closed, self._verified = saved.get("closed", False), False

    def save(self) -> None:
        self._saved = {"uid": self.uid, "run_id": self.run_id, "closed": self.closed}
        write_atomic(self.state_file, json.dumps(self._saved))

    def forget(self) -> None:
        """Drop what is only in memory (after a failure): the store is asked again."""

    def ensure_run(self, store: Store, experiment: str, uid: str, name: str, tags: dict) -> bool:
        """Find or create the run (a saved id the store does not have, as after its database
        was replaced, is looked up again); whether it was created now."""
        if self.run_id is not None and (self._verified or store.has_run(self.run_id)):
            self._verified = True
            return False
        experiment_id = store.experiment_id(experiment)
        self.run_id = store.run_with_uid(experiment_id, uid)
        created = self.run_id is None
        if created:
            self.run_id = store.create_run(experiment_id, name, uid, tags)
        self._verified = True
        self.save()
        return created


class RunMirror(_Mirrored):
    def __init__(self, path: Path) -> None:
        super().__init__(path, path / MIRROR)
        self.folder = RunFolder(path)
        self._offset = 0
        self._points: Decimator | None = None

    def forget(self) -> None:
        self._points, self._offset = None, 0

    def step(self, mirror: Mirror, final: bool, opening: bool = False) -> bool:
        """Send what is new (``opening``: only create the run); whether there was anything."""
        info = self.folder.info()
        if info is None or info.tracking is None or info.status == "SKIPPED":
            self.closed = info is not None
            return False
        self.bind(info.uid)
        if self.closed:
            return False
        self.uri = info.tracking["uri"]
        store = mirror.store(self.uri)
        if self.run_id is None and info.sweep_dir and info.status == "RUNNING":
            parent = mirror.parent(info.sweep_dir)
            parent.open_parent(mirror)
            if info.tags.get("nnlab.config_hash") in (parent.sweep.reuse() or {}):
                return False  # the job stops as SKIPPED once it reads the sweep's reuse.json
        created = self.run_id is None
        if self.run_id is None or self._points is None:
            self._open(mirror, store, info)
        if opening:
            return created
        if info.status == "RUNNING" and Process(**info.process).alive() is False:
            info = _lost(self.folder, info)
        columns, rows, self._offset = history_rows(self.folder.file("history.csv"), self._offset)
        points = [point for epoch, metrics in rows for point in self._points.add(epoch, metrics)]
        if info.status not in ENDED:
            store.log_points(self.run_id, points)
            return created or bool(points)
        summary = [(k, v, 0) for k, v in info.summary.items() if k not in self._points.sent]
        store.log_points(self.run_id, points + self._points.finish() + summary)
        self._finish(store, info)
        return True

    def _open(self, mirror: Mirror, store: Store, info: RunInfo) -> None:
        tags = {**info.tags, **_process_tags(info.process), "nnlab.run_dir": str(self.path)}
        parent = mirror.parent(info.sweep_dir).open_parent(mirror) if info.sweep_dir else None
        if parent:
            tags["mlflow.parentRunId"] = parent
        tracking = info.tracking
        if self.ensure_run(store, tracking["experiment"], info.uid, info.name, tags):
            store.log_params(self.run_id, flatten(self.folder.config()))
            sent = {}
        else:
            sent = store.last_steps(self.run_id)
        self._points = Decimator(info.epochs, tracking["max_points"], sent)
        self._offset = 0

    def _finish(self, store: Store, info: RunInfo) -> None:
        tags = {"nnlab.outcome": info.outcome, "nnlab.epochs_run": str(len(self.folder.history()))}
        if info.reason:
            tags["nnlab.error" if info.status == "FAILED" else "nnlab.stop_reason"] = info.reason
        if info.status == "KILLED":
            tags["nnlab.error"] = info.reason or "interrupted"
        if info.tracking.get("figures") and (trouble := _draw_figures(self.folder, info)):
            tags["nnlab.figures_error"] = trouble
        store.set_tags(self.run_id, tags)
        for name in UPLOADED:
            store.upload(self.run_id, self.folder.file(name))
        store.upload(self.run_id, self.folder.file(".hydra"), ".hydra")
        store.upload(self.run_id, self.folder.file(FIGURES), FIGURES)
        store.end(self.run_id, info.status)
        self.closed = True
        self.save()


class SweepMirror(_Mirrored):
    """A sweep's parent run: opened before its runs, closed after them. Opening it saves the
    sweep's view in the MLflow UI (``nnlab.track.view``), at ``link``."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, path / FOLDER / MIRROR)
        self.sweep = SweepFolder(path)
        self.link: str | None = None

    def open_parent(self, mirror: Mirror) -> str | None:
        """The parent run's id, created if need be; ``None`` for a sweep that is not tracked."""
        info = self.sweep.info()
        if info is None or info.tracking is None:
            return None
        self.bind(info.uid)
        self.uri = info.tracking["uri"]
        store = mirror.store(self.uri)
        tags = {"nnlab.role": "sweep", "nnlab.sweep_id": info.id, "nnlab.sweep_dir": str(self.path),
                "nnlab.overrides": " ".join(info.overrides) or "(defaults)",
                **_process_tags(info.process)}  # fmt: skip
        created = self.ensure_run(store, info.tracking["experiment"], info.uid, info.name, tags)
        experiment_id = store.experiment_id(info.tracking["experiment"])
        if created:
            view = sweep_view(info.id, info.objective, info.varying)
            store.set_experiment_tag(experiment_id, TAG_PREFIX + view_id(info.id),
                                     encoded(info.name, view))  # fmt: skip
        self.link = link(self.uri, experiment_id, info.id)
        if info.resume and self.sweep.reuse() is None:
            self.sweep.write_reuse(_finished_runs(store, info))
        return self.run_id

    def step(self, mirror: Mirror, final: bool, opening: bool = False) -> bool:
        """Open the parent run, and close it once the sweep and its runs ended (not when only
        ``opening``); whether it was closed now."""
        info = self.sweep.info()
        if info is None or info.tracking is None:
            self.closed = info is not None
            return False
        self.open_parent(mirror)
        if self.closed or opening:
            return False
        if info.status == "RUNNING" and Process(**info.process).alive() is False:
            info.status, info.reason, info.ended = "FAILED", LOST, time.time()
            self.sweep.write_info(info)
        # a job's folder made since this pass looked for folders is not known yet: not closed
        runs = [mirror.runs.get(folder.path) for folder in self.sweep.runs()]
        if info.status == "RUNNING" or not all(run is not None and run.closed for run in runs):
            return False
        store = mirror.store(self.uri)
        jobs = [_job(run.folder.info(), run.run_id, info.objective) for run in runs]
        counts: dict[str, int] = {}
        for job in jobs:
            counts[job["status"]] = counts.get(job["status"], 0) + 1
        tags = {f"nnlab.jobs_{status.lower()}": str(n) for status, n in counts.items()}
        failed = [f"{job['name']}: {job['error']}" for job in jobs if job["status"] == "FAILED"]
        if failed:
            tags["nnlab.failed_jobs"] = "; ".join(failed)
        if info.status != "FINISHED":
            tags["nnlab.outcome"] = info.status.lower()
        if info.reason:
            tags["nnlab.error"] = info.reason
        store.set_tags(self.run_id, tags)
        store.upload_text(self.run_id, json.dumps(jobs, indent=2), "sweep_runs.json")
        values = [j["objective"] for j in jobs if j["objective"] is not None]
        if values := [v for v in values if math.isfinite(v)]:
            best = (max if higher_is_better(info.objective) else min)(values)
            store.log_points(self.run_id, [(sweep_key(info.objective), best, 0)])
        if info.report:
            store.upload(self.run_id, Path(info.report), "report")
        store.end(self.run_id, info.status)
        self.closed = True
        self.save()
        return True


def _copy(folder: Path) -> bool:
    """Whether ``folder`` is a run's artifacts in a local store (``<run id>/artifacts``): the
    mirror of a run folder, not one."""
    return (
        folder.name == "artifacts" and re.fullmatch("[0-9a-f]{32}", folder.parent.name) is not None
    )


def _job(info: RunInfo, run_id: str | None, objective: str) -> dict:
    """A job of a sweep as its parent run lists it (``sweep_runs.json``)."""
    return {
        "num": info.job,
        "name": info.name,
        "status": info.status,
        "objective": info.summary.get(summary_key(objective, "final")),
        "run_id": info.reused["run_id"] if info.reused else run_id,
        "error": info.reason if info.status == "FAILED" else None,
        "seconds": info.seconds,
    }


def _finished_runs(store: Store, info) -> dict[str, dict]:
    """For each config hash of the sweep's jobs, the newest FINISHED run with it (not pruned)
    and, unless the sweep reuses runs of any code, the sweep's code tags."""
    experiment_id = store.experiment_id(info.tracking["experiment"])
    found = {}
    for digest in dict.fromkeys(info.hashes):
        run = store.finished_run(experiment_id, digest, info.code)
        if run is not None:
            found[digest] = {
                "run_id": run.info.run_id,
                "folder": run.data.tags.get("nnlab.run_dir"),
                "summary": dict(run.data.metrics),
                "commit": run.data.tags.get(COMMIT_TAG, "unknown"),
            }
    return found


def _lost(folder: RunFolder, info: RunInfo) -> RunInfo:
    """Record that the process of a RUNNING run is gone."""
    process = Process(**info.process)
    info.status, info.outcome, info.ended = "FAILED", "lost", time.time()
    info.reason = f"{LOST} (pid {process.pid} on {process.host})"
    folder.write_info(info)
    return info


def _process_tags(process: dict) -> dict[str, str]:
    """Where a run trains: a later command on the same machine can tell whether it still does."""
    return {"nnlab.host": process["host"], "nnlab.pid": str(process["pid"]),
            "nnlab.pid_start": str(process["start"] or "")}  # fmt: skip


def _draw_figures(folder: RunFolder, info: RunInfo) -> str | None:
    """The run's figures into its folder (once): its decision regions for 2-D classification
    data, and for a run of its own its learning curves (a sweep's runs have theirs overlaid in
    the sweep's report); what went wrong if they could not be drawn."""
    from nnlab.run.job import run_regions
    from nnlab.viz.files import save_run_figures

    if folder.file(FIGURES).is_dir():
        return None
    try:
        history = None if info.sweep_dir else folder.history()
        save_run_figures(folder.file(FIGURES), info.name, history, run_regions(folder))
    except Exception as error:  # noqa: BLE001 - a run is closed with or without its figures
        return f"{type(error).__name__}: {error}"
    return None
