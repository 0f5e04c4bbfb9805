"""Errors a user can fix (exit code 2), a lost worker (exit 1) and termination (SIGTERM, exit 143).

The command line prints each as one message (:func:`sim.cli.qgeo.main`).
"""

from __future__ import annotations

import errno

DISK_ERRORS: dict[int, str] = {
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
}
"""Errors of the file system a user can fix (free space, mount, permissions), by ``errno``, in plain
words. An ``OSError`` with one of them is not a failure of a run: it ends the command with exit
code 2 (``sim.cli.qgeo.main``)."""


class UserError(Exception):
    """Bad input from a user: a file, key or value.

    The message says where, what was expected and what was found.
    """


class FileLocationError(UserError, ValueError):
    """A bad value at a place in a file: file, line, column, what was expected, what was found.

    The message reads ``FILE, line N, column 'C': expected ..., found ... (did you mean 'X'?)``.

    Attributes:
        file: The file (name or path as given).
        row: Line number in the file (header = 1), or None when the problem is not on one line.
        column: Column concerned, or None.
        expected: What a valid value looks like.
        found: What was found.
        suggestion: Nearest valid name, or None.
    """

    def __init__(
        self,
        file: str,
        row: int | None,
        column: str | None,
        expected: str,
        found: str,
        suggestion: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        self.suggestion = suggestion
        where = file
        if row is not None:
            where += f", line {row}"
        if column is not None:
            where += f", column '{column}'"
        message = f"{where}: expected {expected}, found {found}"
        if suggestion is not None:
            message += f" (did you mean '{suggestion}'?)"
        super().__init__(message)


class ParameterError(UserError, ValueError):
    """A model parameter value that is not valid (the world's size as much as the model's rates)."""


class WorkerLost(RuntimeError):
    """A worker process died: finished runs are kept, ``--resume`` continues (exit code 1)."""


class Terminated(KeyboardInterrupt):
    """The command was terminated (SIGTERM), in this process or in one of its worker processes.

    It stops a session as Ctrl-C does (finished results are kept), and the command line ends
    with exit code 143. A ``SIGTERM`` sent to the whole process group (as a batch scheduler or a
    closing terminal does) may reach a worker first: that worker's death is this, not a
    :class:`WorkerLost`.
    """
