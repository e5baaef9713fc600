"""A child Python process that runs functions sent to it, one at a time, in order.

The parent writes ``(call id, function, args, kwargs)`` pickles to the child's stdin; the child
answers ``(call id, ok, result or error)`` pickles on a copy of its stdout (its own prints and
logs go to stderr). Two threads in the parent do the pipe work: one writes the calls (so Ctrl-C
or SIGTERM, which interrupt only the main thread, can never cut a call in half), one turns the
answers into ``Future`` results. The child
is started as ``python -c "from nnlab.tracking.process import serve; serve()"``, so it imports
only what the calls need, whatever process starts it: a script, a notebook, a joblib/loky or
Ray worker (unlike ``multiprocessing``, which would re-run or re-import the parent's main).
"""

import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future

CHILD = "from nnlab.tracking.process import serve; serve()"


class RemoteError(RuntimeError):
    """An exception raised by a call in the child, as ``Type: message``."""


class ChildProcess:
    def __init__(self, initialize=None) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self._lock = threading.Lock()
        self._futures: dict[int, Future] = {}
        self._next_id = 0
        self._ended: Exception | None = None
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._write_calls, name="nnlab-calls", daemon=True).start()
        threading.Thread(target=self._read_answers, name="nnlab-answers", daemon=True).start()
        if initialize is not None:
            self.submit(initialize)

    def submit(self, function, *args, **kwargs) -> Future:
        future: Future = Future()
        with self._lock:
            if self._ended is not None:
                future.set_exception(self._ended)
                return future
            call_id = self._next_id
            self._next_id += 1
            self._futures[call_id] = future
        self._outbox.put(pickle.dumps((call_id, function, args, kwargs), protocol=5))
        return future

    def close(self, timeout: float = 30.0) -> None:
        """No more calls: the child finishes what it was sent, then exits."""
        self._outbox.put(None)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def _write_calls(self) -> None:
        pipe = self._process.stdin
        try:
            while (call := self._outbox.get()) is not None:
                pipe.write(call)
                pipe.flush()
            pipe.close()
        except OSError as error:
            with self._lock:
                self._end(RemoteError(f"the tracking worker is gone ({error})"))

    def _read_answers(self) -> None:
        while True:
            try:
                call_id, ok, value = pickle.load(self._process.stdout)
            except Exception:  # noqa: BLE001 - end of stream, or the child died mid-answer
                break
            with self._lock:
                future = self._futures.pop(call_id)
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        code = self._process.wait()
        with self._lock:
            self._end(RemoteError(f"the tracking worker stopped (exit status {code})"))

    def _end(self, error: Exception) -> None:
        self._ended = error
        for future in self._futures.values():
            future.set_exception(error)
        self._futures.clear()


def serve() -> None:
    """The child's loop: answer every call read from stdin until it closes, then leave at once
    (tearing down a process that imported MLflow module by module takes half a second)."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # prints and logs of the calls go to stderr, not into the answers
    requests = sys.stdin.buffer
    while True:
        try:
            call_id, function, args, kwargs = pickle.load(requests)
        except EOFError:
            break
        try:
            answer = (call_id, True, function(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the caller
            answer = (call_id, False, RemoteError(f"{type(error).__name__}: {error}"))
        pickle.dump(answer, answers, protocol=5)
        answers.flush()
    sys.stderr.flush()
    os._exit(0)
