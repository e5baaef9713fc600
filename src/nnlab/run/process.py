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
        return cls(socket.gethostname(), os.getpid(), _start_time(os.getpid()))

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
        return self.start is None or _start_time(self.pid) == self.start

    def as_dict(self) -> dict:
        return asdict(self)


def _start_time(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[19])  # field 22 of the line; fields here start at field 3
