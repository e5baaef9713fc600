"""The tracking worker: a child process that mirrors run folders into MLflow while runs train
(``nnlab.track.mirror``), so that importing MLflow, writing to its store, drawing figures and
uploading files happen beside training, on another core. Training processes never talk to it:
they write their folders, which it reads.

The parent drives it with JSON lines on its stdin (``MirrorProcess``): ``watch`` a run or sweep
folder, ``runs`` (create the MLflow runs of new folders, answer with the run ids and the sweeps'
links: the rest is sent in the passes that follow) and ``end`` (mirror everything, close the
sweeps, answer, exit). Between commands it makes a pass every ``POLL_SECONDS``. If its stdin closes
without ``end`` (the parent was killed), it waits up to ``ORPHAN_SECONDS`` for the runs still
training to stop, closes whatever it can (runs whose process is gone as FAILED, "process lost") and
exits: it never outlives its parent by more. It ignores Ctrl-C and SIGTERM (a terminal or a job
scheduler sends them to the whole process group), so that it records the runs the parent closes as
KILLED. It computes (decision regions) on one BLAS thread: it runs beside training.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

POLL_SECONDS = 0.5
ORPHAN_SECONDS = 15.0
CHILD = "from nnlab.track.worker import serve; serve()"


class MirrorProcess:
    """The parent's handle on the worker. Answers are dicts: ``runs`` (run folder -> MLflow run
    id), ``parents`` (sweep folder -> parent run id), ``links`` (sweep folder -> its view in the
    MLflow UI) and ``notes`` (what the user must hear)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._answers: queue.SimpleQueue = queue.SimpleQueue()
        self._watching = self._ended = False
        threading.Thread(target=self._read, name="nnlab-mirror", daemon=True).start()

    def watch(self, folder: Path) -> None:
        self._watching = True
        self._send({"watch": str(folder)})

    def opened(self) -> dict:
        """The answer once the MLflow runs of new folders are created (their ids under
        ``runs``, the sweeps' links under ``links``), without waiting for the rest of them to
        be sent: the worker sends it next."""
        self._send({"runs": True})
        return self._answer()

    def end(self) -> dict:
        """Mirror everything and close the sweeps; the answer, once the worker exited."""
        self._ended = True
        self._send({"end": True})
        answer = self._answer()
        self._process.wait()
        return answer

    def stop(self) -> None:
        """At exit: a worker with something to mirror ends as with ``end`` (its notes printed
        as warnings); one that was never used is stopped at once."""
        if self._process.poll() is not None:
            return
        if self._watching and not self._ended:
            for note in self.end()["notes"]:
                print(f"warning: {note}", file=sys.stderr, flush=True)
        else:
            self._process.kill()
            self._process.wait()

    def _send(self, command: dict) -> None:
        try:
            self._process.stdin.write(json.dumps(command) + "\n")
            self._process.stdin.flush()
        except OSError:
            pass  # the worker is gone: _answer says so

    def _answer(self) -> dict:
        while True:
            try:
                return self._answers.get(timeout=0.5)
            except queue.Empty:
                code = self._process.poll()
                if code is not None and self._answers.empty():
                    return {"runs": {}, "parents": {}, "links": {}, "notes": [
                        f"the tracking worker stopped (exit status {code}); send the runs with: "
                        "python -m nnlab.sync <their folder>"]}  # fmt: skip

    def _read(self) -> None:
        for line in self._process.stdout:
            self._answers.put(json.loads(line))


def serve() -> None:
    """The worker's loop (see the module's docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # what MLflow prints goes to stderr, not into the answers
    commands: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_read_commands, args=(commands,), daemon=True).start()
    from nnlab.track.mirror import Mirror  # imports MLflow: while the parent composes its config
    from nnlab.track.query import settle_mlflow

    settle_mlflow()
    threadpool_limits(1)  # a second BLAS thread would spin on the core training runs on
    mirror = Mirror()
    command: dict = {}
    while True:
        try:  # after ``runs``, the rest of those runs is sent at once, while the next one trains
            command = commands.get(block="runs" not in command, timeout=POLL_SECONDS)
        except queue.Empty:
            command = {}
        if command is None:  # the parent is gone
            deadline = time.monotonic() + ORPHAN_SECONDS
            while not mirror.step(final=True) and time.monotonic() < deadline:
                time.sleep(1.0)
            break
        if "watch" in command:
            mirror.watch(command["watch"])
        mirror.step(final="end" in command, opening="runs" in command)
        if "runs" in command or "end" in command:
            try:
                answers.write(json.dumps(_answer(mirror)) + "\n")
                answers.flush()
            except OSError:  # the parent is gone: its stdin closing says so next
                pass
        if "end" in command:
            break
    sys.stderr.flush()
    os._exit(0)  # tearing down a process that imported MLflow takes half a second


def _read_commands(commands: queue.SimpleQueue) -> None:
    for line in sys.stdin:
        commands.put(json.loads(line))
    commands.put(None)


def _answer(mirror) -> dict:
    return {
        "runs": {str(path): run.run_id for path, run in mirror.runs.items() if run.run_id},
        "parents": {str(path): sweep.run_id for path, sweep in mirror.sweeps.items()},
        "links": {str(path): sweep.link for path, sweep in mirror.sweeps.items()},
        "notes": list(mirror.notes.values()),
    }
