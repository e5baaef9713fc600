"""The parent side of the tracking worker: a single background process (see
``nnlab.tracking.worker``) that executes tracking calls in the order they were submitted.

Training never waits for MLflow: a run is opened, fed metric batches and finished through
asynchronous calls, and the process waits only where it needs an answer (a run id at the end
of a job) or must not leave work behind (``drain``, called at the end of a single run, of each
job under a parallel launcher, and of a sequential sweep; and at exit). A worker that fails
reports its error at the next wait; the run's local files are written regardless.
"""

import atexit
import sys
import traceback
import uuid
from concurrent.futures import Future

from nnlab.runspec import RunFiles, RunSpec
from nnlab.tracking import worker
from nnlab.tracking.points import MetricSampler
from nnlab.tracking.process import ChildProcess
from nnlab.train import Callback, StopTraining

_worker: ChildProcess | None = None
_pending: list[Future] = []
_notes: set[Future] = set()  # calls whose result, if any, is a note for the user


def start() -> None:
    """Start the worker if it is not running; it begins importing MLflow at once."""
    global _worker
    if _worker is None:
        _worker = ChildProcess(initialize=worker.initialize)
        atexit.register(shutdown)
        _pending.append(_worker.submit(worker.warm_up))


def submit(function, *args, **kwargs) -> Future:
    """Run ``function(*args, **kwargs)`` in the worker, after everything submitted before."""
    start()
    future = _worker.submit(function, *args, **kwargs)
    _pending.append(future)
    return future


def active() -> bool:
    """Whether this process has started a worker."""
    return _worker is not None


def call(function, *args, **kwargs):
    """Run ``function`` in the worker and wait for its result."""
    return submit(function, *args, **kwargs).result()


def drain() -> list[str]:
    """Wait for every submitted call; what the user must hear of them, one line each: errors,
    and where the data of runs the store could not take waits to be sent."""
    messages = []
    while _pending:
        future = _pending.pop(0)
        error = future.exception()
        if error is not None:
            messages.append(f"tracking: {type(error).__name__}: {error}")
        elif future in _notes and future.result():
            messages.append(future.result())
        _notes.discard(future)
    return messages


def warn_pending() -> None:
    """``drain`` and print its messages as warnings."""
    for message in drain():
        print(f"warning: {message}", file=sys.stderr, flush=True)


def shutdown() -> None:
    global _worker
    warn_pending()
    if _worker is not None:
        _worker.close()
        _worker = None


class BackgroundTracker:
    """Runs of one experiment in one store, recorded by the worker."""

    def __init__(self, uri: str, experiment: str) -> None:
        self.uri = uri
        self.experiment = experiment

    def run(self, spec: RunSpec, max_points: int = 500, figures: bool = True,
            resume: bool = False) -> "BackgroundRun":  # fmt: skip
        return BackgroundRun(self, spec, max_points, figures, resume)


class BackgroundRun(Callback):
    """A context manager around one run: entering asks the worker to open it, leaving closes it
    KILLED on Ctrl-C/SIGTERM, FAILED with the traceback on an exception, else as ``finish``
    decided; on an abnormal exit it waits until the worker has recorded the status.

    With ``resume``, the worker may answer that a FINISHED run with the same config exists:
    training, which started without waiting for the answer, then stops at the next epoch
    (this object is also a training callback) and ``resumed_from`` names the earlier run.
    """

    def __init__(self, tracker: BackgroundTracker, spec: RunSpec, max_points: int,
                 figures: bool, resume: bool) -> None:  # fmt: skip
        self.tracker = tracker
        self.spec = spec
        self.figures = figures
        self.resume = resume
        self.handle = uuid.uuid4().hex
        self.sampler = MetricSampler(self._send, spec.epochs, max_points)
        self._opened: Future | None = None

    @property
    def callbacks(self) -> list[Callback]:
        return [self, self.sampler] if self.resume else [self.sampler]

    @property
    def opened(self) -> dict:
        """The worker's answer to opening the run (waits for it): ``run_id``,
        ``resumed_from`` and the resumed run's ``summary``; all empty if it failed."""
        if self._opened is None or self._opened.exception() is not None:
            return {"run_id": None, "resumed_from": None, "summary": {}}
        return self._opened.result()

    @property
    def run_id(self) -> str | None:
        return self.opened["run_id"]

    @property
    def resumed_from(self) -> str | None:
        return self.opened["resumed_from"]

    def on_epoch_end(self, epoch: int, metrics: dict[str, float]) -> None:
        if self._opened.done() and self.resumed_from is not None:
            raise StopTraining(f"a FINISHED run with this config exists: {self.resumed_from}")

    def __enter__(self) -> "BackgroundRun":
        self._opened = submit(
            worker.open_run, self.handle, self.tracker.uri, self.tracker.experiment, self.spec,
            self.resume,
        )  # fmt: skip
        return self

    def finish(self, files: RunFiles) -> None:
        submit(worker.finish_run, self.handle, files, self.figures)

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.sampler.flush()
        status = error = None
        details = ""
        if exc_type is not None:
            interrupted = issubclass(exc_type, KeyboardInterrupt | SystemExit)
            status = "KILLED" if interrupted else "FAILED"
            error = f"{exc_type.__name__}: {exc}" if not interrupted else exc_type.__name__
            details = "" if interrupted else "".join(traceback.format_exception(exc_type, exc, tb))
        closed = submit(worker.close_run, self.handle, status, error, details)
        _notes.add(closed)
        if exc_type is not None:
            closed.exception()
        return False

    def _send(self, points: list) -> None:
        submit(worker.log_points, self.handle, points)
