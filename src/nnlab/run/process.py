"""Which process a record belongs to, and whether that process still runs.

A process is named by its host, its pid and (on Linux) the time it started, so that a pid the
system has since given to another process is not mistaken for it.
"""

import os
import socket
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Process:
    host: str
    pid: int
    start: int | None  # clock ticks after boot (Linux /proc/<pid>/stat field 22); None elsewhere

    @classmethod
    def current(cls) -> "Process":
        return cls(socket.gethostname(), os.getpid(), _stat(os.getpid())[1])

    def is_local(self) -> bool:
        return self.host == socket.gethostname()

    def alive(self) -> bool | None:
        """Whether the process still runs; ``None`` when that cannot be told from here (it ran
        on another host)."""
        if not self.is_local():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # it exists, under another user
        state, start = _stat(self.pid)
        if state in ("Z", "X"):  # ended, not yet reaped by its parent
            return False
        return self.start is None or start == self.start

    def as_dict(self) -> dict:
        return asdict(self)


def _stat(pid: int) -> tuple[str | None, int | None]:
    """The process's state (``R``, ``S``, ``Z`` for ended but not reaped...) and start time
    (clock ticks after boot) from Linux's ``/proc/<pid>/stat``; ``(None, None)`` elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None, None
    return fields[0], int(fields[19])  # fields 3 and 22 of the line
