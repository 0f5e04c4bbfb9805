"""Read a data CSV file whose columns are fixed, naming any problem by file, line and column.

Both the world data (:mod:`sim.world.data`) and the agreements file (:mod:`sim.world.agreements`)
are read here, so a bad header, a row with the wrong number of fields, a byte that is not UTF-8
or a field longer than the CSV reader accepts gives the same clear error for every file, and no
message quotes more of the file than the offending cell (cut by :func:`sim.base.wording.shown`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

from sim.base.errors import FileLocationError
from sim.base.suggest import closest
from sim.base.wording import MAX_SHOWN, shown

ErrorFactory = Callable[..., FileLocationError]
"""Builds the caller's error: ``(file, line, column, expected, found, suggestion=None)``."""


def read_rows(path: Path, name: str, columns: Sequence[str],
              error: ErrorFactory) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV file with exactly ``columns`` (in any order) and return its data rows.

    Args:
        path: The file.
        name: The file as named in messages.
        columns: Its columns.
        error: The caller's error class (a :class:`FileLocationError`).

    Returns:
        (line number, cells by column, unstripped) for each row that is not blank; the header
        is line 1.

    Raises:
        FileLocationError: (of the caller's class) the file is missing or a directory, not UTF-8
            text, empty, has a missing, unexpected or repeated column, a row with the wrong
            number of fields, or a field the CSV reader refuses (too long, bad quoting).
    """
    if path.is_dir():
        raise error(name, None, None, "a CSV file", "a directory")
    if not path.is_file():
        raise error(name, None, None, f"the file {path}", "no such file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            return _rows(reader, name, columns, error)
        except UnicodeDecodeError as problem:
            raise error(name, None, None, "UTF-8 text",
                        f"an undecodable byte at offset {problem.start}") from None
        except csv.Error as problem:
            raise error(name, reader.line_num, None, "a well-formed CSV row",
                        f"a row the CSV reader refuses ({problem})") from None


def _rows(reader: csv.Reader, name: str, columns: Sequence[str],
          error: ErrorFactory) -> list[tuple[int, dict[str, str]]]:
    """Check the header read from ``reader``, then collect its data rows (see :func:`read_rows`)."""
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise error(name, 1, None, f"a header row {','.join(columns)}", "an empty file") from None
    for column in header:
        if column not in columns:
            where = (column or "(empty)") if len(column) <= MAX_SHOWN else None  # a long name is cut below
            raise error(name, 1, where, f"only the columns {', '.join(columns)}",
                        f"an unexpected column {shown(column)}", closest(column, columns))
    for column in columns:
        if column not in header:
            raise error(name, 1, column, f"a column {column!r}", "no such column in the header")
    if len(set(header)) != len(header):
        twice = next(column for column in header if header.count(column) > 1)
        raise error(name, 1, twice, "each column once", f"{twice!r} twice")
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise error(name, reader.line_num, None,
                        f"{len(header)} comma-separated fields (quote fields that contain commas)",
                        f"{len(cells)} fields")
        rows.append((reader.line_num, dict(zip(header, cells, strict=True))))
    return rows
