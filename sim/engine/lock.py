"""One writer per output directory: an exclusive lock on ``<dir>/.qgeo.lock``.

The lock is ``flock(LOCK_EX | LOCK_NB)`` on the lock file, which then records the holder's
process id and command line. The kernel drops it when the holder's last descriptor of the
file closes, so a process killed with SIGKILL never leaves a stale lock: the file may stay,
but the next writer takes it. A clean release removes the file (while still holding it), so
a finished directory holds only its results, and removes the directory too if the lock's
creator made it for the command and nothing was written in it (a command that stopped on
bad input leaves no empty directory behind).

Within one process the lock is re-entrant: a command holds it for its whole length (the run
and what is written after it) while the store it opens takes it again.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sim.base.errors import UserError
from sim.base.paths import display_path

LOCK_FILE = ".qgeo.lock"
"""Name of the lock file in a locked directory; readers of a directory skip it."""


class DirectoryLocked(UserError):
    """An output directory that another process is writing."""


@dataclass
class _Held:
    """A lock this process holds: descriptor, number of holders, whether to remove the directory."""

    descriptor: int
    depth: int
    created: bool


_HELD: dict[Path, _Held] = {}
"""Locks held by this process, by resolved lock-file path."""


def holder(path: Path) -> str:
    """Describe the process that a lock file names.

    Args:
        path: The lock file.

    Returns:
        ``"PID 123 (qgeo run ...)"``, or a description of what the file lacks.
    """
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        return f"PID {int(record['pid'])} ({record['command']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not written its PID yet"


class DirectoryLock:
    """The exclusive lock on an output directory (which must exist), for one writer at a time.

    Args:
        directory: The output directory.
        command: The holder's command line, recorded in the lock file (default: this process's).
        created: Whether the directory was created for this lock: the last release removes it if
            it is empty then.
    """

    def __init__(self, directory: Path, command: str | None = None, created: bool = False) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_FILE
        self.command = command or " ".join(sys.argv)
        self.created = created
        self._key = self.path.resolve()
        self._holding = False

    def acquire(self) -> DirectoryLock:
        """Take the lock, or join this process's hold on it.

        Returns:
            The lock itself.

        Raises:
            DirectoryLocked: If another process holds it: the message names the directory, the
                holder's PID and command, and what to do.
        """
        if self._holding:
            return self
        held = _HELD.get(self._key)
        if held is not None:
            held.depth += 1
        else:
            _HELD[self._key] = _Held(self._take(), 1, self.created)
        self._holding = True
        return self

    def _take(self) -> int:
        """Open, lock and fill the lock file; retry when a releasing holder removed it meanwhile."""
        while True:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                raise DirectoryLocked(
                    f"{display_path(self.directory)}: expected no other qgeo process writing this "
                    f"directory, found {holder(self.path)} holding {LOCK_FILE}; wait for it to end "
                    "(or stop it) and run again (with --resume to continue a run or an experiment), "
                    "or choose another --out") from None
            try:
                same = os.stat(self.path).st_ino == os.fstat(descriptor).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(descriptor)  # locked a file the last holder removed on release: take the new one
        os.ftruncate(descriptor, 0)
        os.write(descriptor, (json.dumps({"pid": os.getpid(), "command": self.command}) + "\n").encode())
        return descriptor

    def release(self) -> None:
        """Leave the lock; the last holder in this process removes the file (and an empty new directory)."""
        if not self._holding:
            return
        self._holding = False
        held = _HELD[self._key]
        held.depth -= 1
        if held.depth:
            return
        del _HELD[self._key]
        try:
            self.path.unlink(missing_ok=True)
            if held.created and not any(self.directory.iterdir()):
                self.directory.rmdir()
        finally:
            os.close(held.descriptor)

    def __enter__(self) -> DirectoryLock:
        """Take the lock (see :meth:`acquire`)."""
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        """Release the lock (see :meth:`release`)."""
        self.release()
