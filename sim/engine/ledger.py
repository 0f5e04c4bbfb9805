"""The ledger of an output directory's parts: file name, row count and sha256 of every committed part.

``parts.jsonl`` sits next to ``manifest.json`` (which names it: :data:`MANIFEST_FIELDS`). Each commit
appends one JSON line per file it renamed into place, after the renames, in one write, so the
manifest is never rewritten per part. Like the parts, the write is not forced to the disk (no
``fsync``, which cost a tenth of a run's simulation time per replication): a killed process leaves it
in place (the kernel holds it), and after a power loss a line that was lost only leaves its part
unrecorded, which ``--resume`` sets aside and computes again. A line either records a part
(``{"file": "runs/part-000000.parquet", "rows": 2, "sha256": "..."}``) or that it was moved aside
(``{"file": ..., "moved_to": "damaged/..."}``, or ``null`` if it was missing then); the last line of
a file wins. A writer killed
mid-append leaves a torn last line (no newline): it is ignored, and cut off before the next append.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LEDGER = "parts.jsonl"
MANIFEST_FIELDS: dict[str, str] = {"parts_ledger": LEDGER, "checksum": "sha256"}
"""What a manifest says of a directory whose parts are recorded (a directory without them has no ledger)."""


class LedgerLineError(ValueError):
    """A line of the ledger, before its last, that is not a record of a part (the message says which)."""


@dataclass(frozen=True)
class Entry:
    """What was committed under a file name.

    Attributes:
        file: The file, relative to the directory, with ``/`` separators.
        rows: Its row count.
        sha256: The hex sha256 of its bytes.
    """

    file: str
    rows: int
    sha256: str

    @classmethod
    def of(cls, root: Path, path: Path, rows: int, data: bytes) -> Entry:
        """The entry of a part about to be committed.

        Args:
            root: The output directory.
            path: The part's final path, inside ``root``.
            rows: Its row count.
            data: Its bytes.

        Returns:
            The entry.
        """
        return cls(relative(root, path), int(rows), hashlib.sha256(data).hexdigest())

    def record(self) -> dict[str, Any]:
        """The entry as a ledger record."""
        return {"file": self.file, "rows": self.rows, "sha256": self.sha256}


def relative(root: Path, path: Path) -> str:
    """A path inside an output directory as the ledger names it.

    Args:
        root: The directory.
        path: The path, inside it.

    Returns:
        The relative path with ``/`` separators.
    """
    return Path(path).relative_to(root).as_posix()


class Ledger:
    """The ledger file of one output directory.

    Args:
        root: The output directory.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.path = self.root / LEDGER

    def append(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Append records in one write (safe for several processes appending at once).

        Args:
            records: Records of :meth:`Entry.record`, or of a part moved aside (``file``, ``moved_to``:
                where to, or None if it was missing).

        Raises:
            OSError: The write failed; ``filename`` is the ledger.
        """
        text = "".join(json.dumps(dict(record)) + "\n" for record in records)
        if not text:
            return
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, text.encode("utf-8"))
            finally:
                os.close(descriptor)
        except OSError as error:  # a full or read-only disk: name the ledger (sim.cli.qgeo.main says so)
            raise OSError(error.errno, error.strerror, str(self.path)) from error

    def read(self) -> tuple[Recorded, bool]:
        """Read the ledger (a missing one is empty).

        Returns:
            What it records, and whether its last line was torn (ignored).

        Raises:
            LedgerLineError: If a line before the last is not a record of a part.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return Recorded(self.root, {}), False
        *lines, tail = data.split(b"\n")
        entries: dict[str, Entry] = {}
        for number, line in enumerate(lines, start=1):
            if line.strip():
                _apply(entries, _parse(line, number))
        return Recorded(self.root, entries), bool(tail.strip())

    def cut_torn_tail(self) -> bool:
        """Cut off a torn last line, so that the next append starts on a line of its own.

        Returns:
            Whether there was one.
        """
        if not self.path.is_file():
            return False
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end == len(data):
            return False
        os.truncate(self.path, end)
        return True


def _parse(line: bytes, number: int) -> dict[str, Any]:
    """One ledger line as a record, or a :class:`LedgerLineError` naming its line."""
    try:
        record = json.loads(line)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise LedgerLineError(f"line {number} is not valid JSON: {str(error).splitlines()[0]}") from None
    valid = isinstance(record, dict) and isinstance(record.get("file"), str) and (
        ("moved_to" in record and isinstance(record["moved_to"], str | None))
        or (isinstance(record.get("rows"), int) and isinstance(record.get("sha256"), str)))
    if not valid:
        raise LedgerLineError(f"line {number}: expected a record with 'file' and 'rows' and 'sha256' "
                              f"(or 'moved_to'), found {line[:60].decode('utf-8', 'replace')!r}")
    return record


def _apply(entries: dict[str, Entry], record: dict[str, Any]) -> None:
    """Apply one record: a part committed under its name, or moved aside."""
    if "moved_to" in record:
        entries.pop(record["file"], None)
    else:
        entries[record["file"]] = Entry(record["file"], record["rows"], record["sha256"])


class Recorded:
    """The parts a ledger records as committed and not moved aside.

    Args:
        root: The output directory.
        entries: Entry by relative file name.
    """

    def __init__(self, root: Path, entries: dict[str, Entry]) -> None:
        self.root = Path(root)
        self.entries = entries

    def has(self, path: Path) -> bool:
        """Whether a part is recorded.

        Args:
            path: The part, inside the directory.

        Returns:
            True if its name has a live entry.
        """
        return relative(self.root, path) in self.entries

    def missing(self, folder: str) -> list[Path]:
        """Recorded parts of a folder that are not there.

        Args:
            folder: ``runs``, ``model``, ...

        Returns:
            Their paths, sorted.
        """
        return sorted(self.root / name for name in self.entries
                      if name.startswith(f"{folder}/") and not (self.root / name).exists())

    def problem(self, path: Path, rows: int, data: bytes) -> str | None:
        """What is wrong with a part's bytes given its ledger entry.

        Args:
            path: The part, inside the directory.
            rows: Its row count (from its Parquet metadata).
            data: Its bytes.

        Returns:
            The problem, or None if it holds what was committed.
        """
        entry = self.entries.get(relative(self.root, path))
        if entry is None:
            return f"not recorded in {LEDGER} (a writer stopped between writing and recording it?)"
        if rows != entry.rows:
            return f"{rows} rows, expected {entry.rows} (as recorded in {LEDGER} when it was written)"
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            return (f"sha256 differs from the one recorded in {LEDGER} when it was written (altered, or "
                    "a part of another run)")
        return None
