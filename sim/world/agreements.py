"""Observed agreements: the record a hindcast is held against, and its out-of-sample split.

An agreements file is a CSV with exactly the columns of :data:`COLUMNS` (in any order)::

    a_iso3,b_iso3,year,kind,source,note
    CHN,RUS,2019,joint_statement,https://example.org/statement,Quantum cooperation roadmap

one row per publicly reported agreement between two countries: ``a_iso3`` and ``b_iso3`` are two different
ISO3 codes, ``year`` the calendar year it was signed or reported (1990 to 2100), ``kind`` one of
:data:`AGREEMENT_KINDS`, ``source`` the publication it rests on (required) and ``note`` free text (may be
empty). :func:`load_agreements` checks every row; any problem raises :class:`AgreementsError`, whose message
names the file, the line (the header is line 1), the column, what was expected and what was found, with the
nearest valid name when a name looks misspelled.

The split is fixed by the model brief's out-of-sample discipline: rows dated :data:`CALIBRATION_END` or
earlier (:func:`calibration_rows`) may shape initial ties, defaults and calibration; rows dated in
:data:`VALIDATION_YEARS` (:func:`validation_rows`) are the hindcast's test and must never choose a default,
a weight or a functional form.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.base.errors import FileLocationError
from sim.base.suggest import closest
from sim.base.wording import shown
from sim.world.csvtable import read_rows

__all__ = [
    "AGREEMENT_KINDS",
    "CALIBRATION_END",
    "COLUMNS",
    "VALIDATION_YEARS",
    "YEAR_RANGE",
    "AgreementsError",
    "calibration_rows",
    "load_agreements",
    "validation_rows",
]

COLUMNS: tuple[str, ...] = ("a_iso3", "b_iso3", "year", "kind", "source", "note")
"""The columns of an agreements file."""

AGREEMENT_KINDS: tuple[str, ...] = (
    "joint_statement",
    "mou",
    "letter_of_intent",
    "programme",
    "commercial",
    "talks",
)
"""Valid values of column ``kind``."""

CALIBRATION_END: int = 2021
"""Last year whose agreements may shape the model (initial ties, defaults, calibration)."""

VALIDATION_YEARS: range = range(2022, 2026)
"""The hindcast window, 2022 to 2025: never used to shape the model."""

YEAR_RANGE: tuple[int, int] = (1990, 2100)
"""Smallest and largest valid ``year`` (inclusive)."""

_DIGITS = re.compile(r"[0-9]+")


class AgreementsError(FileLocationError):
    """Bad agreements file (the file is named by its path as given; ``line`` is ``row``)."""

    @property
    def line(self) -> int | None:
        """Line number in the file (header = 1), or None."""
        return self.row


def _check_row(
    name: str, line: int, cells: dict[str, str], known: frozenset[str], codes: Sequence[str]
) -> int:
    """Check one data row.

    Args:
        name: The file as named in messages.
        line: The row's line number.
        cells: The row's cells by column.
        known: Valid ISO3 codes.
        codes: The same codes, sorted, for suggestions.

    Returns:
        The row's year.

    Raises:
        AgreementsError: The first problem in the row.
    """
    for column in ("a_iso3", "b_iso3"):
        code = cells[column]
        if not code:
            raise AgreementsError(name, line, column, "an ISO3 code", "an empty cell")
        if code not in known:
            raise AgreementsError(
                name, line, column, "a known ISO3 code", shown(code), closest(code.upper(), codes)
            )
    if cells["a_iso3"] == cells["b_iso3"]:
        raise AgreementsError(
            name, line, "b_iso3", "a country other than column 'a_iso3'", shown(cells["b_iso3"])
        )
    text = cells["year"]
    low, high = YEAR_RANGE
    if not _DIGITS.fullmatch(text):
        raise AgreementsError(
            name, line, "year", "a year (integer, e.g. 2021)", shown(text) if text else "an empty cell"
        )
    year = int(text)
    if not low <= year <= high:
        raise AgreementsError(name, line, "year", f"a year between {low} and {high}", shown(text))
    kind = cells["kind"]
    if kind not in AGREEMENT_KINDS:
        raise AgreementsError(
            name,
            line,
            "kind",
            f"one of {', '.join(AGREEMENT_KINDS)}",
            shown(kind) if kind else "an empty cell",
            closest(kind.lower(), AGREEMENT_KINDS),
        )
    if not cells["source"]:
        raise AgreementsError(name, line, "source", "the publication the agreement rests on", "an empty cell")
    return year


def load_agreements(path: str | Path, known_iso3: Collection[str]) -> pd.DataFrame:
    """Load and validate an agreements file.

    Args:
        path: The CSV file.
        known_iso3: Valid ISO3 codes (e.g. those of ``countries.csv``).

    Returns:
        One row per agreement, in file order, with columns ``a_iso3``, ``b_iso3``, ``year`` (int),
        ``kind``, ``source``, ``note`` and ``pair``: the two codes sorted and joined by ``'-'``
        (``'CHN-RUS'``).

    Raises:
        AgreementsError: Any problem in the file (see the module docstring).
    """
    path = Path(path)
    name = str(path)
    known = frozenset(known_iso3)
    codes = sorted(known)
    rows = [(line, {column: cell.strip() for column, cell in cells.items()})
            for line, cells in read_rows(path, name, COLUMNS, AgreementsError)]
    years = [_check_row(name, line, cells, known, codes) for line, cells in rows]
    frame = pd.DataFrame({column: [cells[column] for _, cells in rows] for column in COLUMNS})
    frame["year"] = np.array(years, dtype=np.int64)
    a = frame["a_iso3"].to_numpy(dtype=str)
    b = frame["b_iso3"].to_numpy(dtype=str)
    first, second = np.where(a <= b, a, b), np.where(a <= b, b, a)
    frame["pair"] = np.char.add(np.char.add(first, "-"), second)
    return frame


def calibration_rows(frame: pd.DataFrame, until: int = CALIBRATION_END) -> pd.DataFrame:
    """The agreements that may shape the model: those dated ``until`` or earlier.

    Args:
        frame: Agreements, as returned by :func:`load_agreements`.
        until: Last year included; at most :data:`CALIBRATION_END`, so that no hindcast year can leak
            into calibration.

    Returns:
        The rows dated ``until`` or earlier, index reset.

    Raises:
        ValueError: ``until`` is later than :data:`CALIBRATION_END`.
    """
    if until > CALIBRATION_END:
        raise ValueError(
            f"calibration_rows: until must be at most {CALIBRATION_END} (later agreements are the "
            f"hindcast's test), got {until}"
        )
    return frame[frame["year"] <= until].reset_index(drop=True)


def validation_rows(frame: pd.DataFrame, years: Collection[int] = VALIDATION_YEARS) -> pd.DataFrame:
    """The agreements a hindcast is scored against: those dated in ``years``.

    Args:
        frame: Agreements, as returned by :func:`load_agreements`.
        years: The hindcast window; :data:`VALIDATION_YEARS` by default.

    Returns:
        The rows dated in ``years``, index reset.
    """
    return frame[frame["year"].isin(list(years))].reset_index(drop=True)
