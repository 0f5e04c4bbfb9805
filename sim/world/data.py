"""The baseline world as data: load and validate the CSV files in ``scenarios/data``.

The data directory holds five files (described column by column in
``scenarios/data/README.md``):

* ``countries.csv``: one row per country, its role and geopolitical bloc;
* ``attributes.csv``: long format, one row per (country, attribute) with its
  source and year, or ``estimated=true`` and the method;
* ``ties.csv``: undirected prior ties (alliances, agreements, nuclear, energy,
  science) with a strength in [0, 1];
* ``sanctions.csv``: who sanctions whom, and how severely;
* ``controls.csv``: export controls on quantum technology, with exempt countries.

Two more files are optional: ``world.toml`` (``base_year``, the calendar year the
data describe, default :data:`BASE_YEAR`; ``description``; ``agreements``, the path
of the observed-agreements file relative to the directory, default
``agreements.csv`` when the directory has one) and the agreements file itself
(:mod:`sim.world.agreements`). Only agreements dated :data:`sim.world.agreements.CALIBRATION_END`
or earlier, and not after the base year, become the world's initial partnerships.

:func:`load_world` reads them, checks every row, and returns a :class:`WorldData`
of numpy arrays in the order of ``countries.csv``. Any problem raises
:class:`DataError`, whose message names the file, the line in that file (the
header is line 1), the column, what was expected and what was found, with the
nearest valid name when a name looks misspelled.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.base.bounds import Bounds
from sim.base.errors import FileLocationError
from sim.base.paths import PROJECT_ROOT
from sim.base.suggest import closest
from sim.base.tomltext import parse_toml
from sim.base.wording import shown
from sim.world.agreements import CALIBRATION_END, calibration_rows, load_agreements
from sim.world.csvtable import read_rows
from sim.world.vocabulary import KINDS as PARTNERSHIP_KINDS
from sim.world.vocabulary import NONE, SIGNED, TALKS

__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTE_RANGES",
    "ATTRIBUTE_UNITS",
    "BASE_YEAR",
    "BLOCS",
    "DEFAULT_DATA_DIR",
    "FILES",
    "KINDS",
    "ROLES",
    "DataError",
    "WorldData",
    "data_files",
    "load_world",
    "load_world_cached",
]

DEFAULT_DATA_DIR: Path = PROJECT_ROOT / "scenarios" / "data"
"""The shipped baseline data: ``<repo>/scenarios/data``."""

BASE_YEAR: int = 2025
"""Calendar year that the baseline data describe."""

ROLES: tuple[str, ...] = ("leader", "provider", "second_wave")
"""Valid values of ``countries.csv`` column ``role``."""

BLOCS: tuple[str, ...] = ("west", "east", "nonaligned")
"""Valid values of ``countries.csv`` column ``bloc``."""

KINDS: tuple[str, ...] = ("alliance", "nuclear", "energy")
"""Valid values of ``ties.csv`` column ``kind``."""

ATTRIBUTES: tuple[str, ...] = (
    "budget_usd",
    "disbursed_share",
    "efficiency",
    "openness",
    "price_usd",
    "alignment",
    "dependence_aversion",
)
"""Attribute names of ``attributes.csv``; every country must have each once."""

ATTRIBUTE_RANGES: dict[str, Bounds] = {
    "budget_usd": Bounds(0.0, None, low_open=True, unit="USD/yr"),
    "disbursed_share": Bounds(0.0, 1.0, low_open=True, unit="fraction"),
    "efficiency": Bounds(0.05, 10.0, unit="relative"),
    "openness": Bounds(0.0, 1.0, unit="index"),
    "price_usd": Bounds(0.0, None, low_open=True, unit="USD/yr"),
    "alignment": Bounds(-1.0, 1.0, unit="position"),
    "dependence_aversion": Bounds(0.0, 10.0, unit="relative"),
}
"""Valid range and unit of each attribute's value."""

ATTRIBUTE_UNITS: dict[str, str] = {name: bounds.unit for name, bounds in ATTRIBUTE_RANGES.items()}
"""The unit each attribute must be given in."""

FILES: dict[str, tuple[str, ...]] = {
    "countries.csv": ("iso3", "name", "role", "bloc", "notes"),
    "attributes.csv": (
        "iso3",
        "attribute",
        "value",
        "unit",
        "period",
        "source",
        "year",
        "estimated",
        "method",
    ),
    "ties.csv": ("a", "b", "kind", "strength", "source", "year", "basis"),
    "sanctions.csv": ("target", "imposed_by", "severity", "since", "source", "year", "basis"),
    "controls.csv": ("actor", "stringency", "exempt", "since", "source", "year", "basis"),
}
"""Each data file and its columns, in order."""

_ISO3 = re.compile(r"[A-Z]{3}")
_UNIT_RANGE = Bounds(0.0, 1.0)


class DataError(FileLocationError):
    """Bad world data (:class:`sim.base.errors.FileLocationError`).

    ``file`` is a file name (e.g. ``"ties.csv"``), or ``"overrides"`` for
    :meth:`WorldData.with_overrides`; ``row`` is None when the problem is not on one
    line (a missing file, a missing country-attribute pair).
    """


@dataclass
class _Row:
    """One data row: its cells and its line number in the file."""

    file: str
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def error(self, column: str | None, expected: str, found: str, suggestion: str | None = None):
        return DataError(self.file, self.line, column, expected, found, suggestion)

    def number(self, column: str, bounds: Bounds) -> float:
        """The cell as a finite float inside ``bounds``.

        Args:
            column: Column name.
            bounds: Valid range.

        Returns:
            The value.

        Raises:
            DataError: Not a number, or out of range.
        """
        text = self.get(column)
        try:
            value = float(text)
        except ValueError:
            raise self.error(column, "a number", shown(text)) from None
        if not math.isfinite(value):
            raise self.error(column, "a finite number", shown(text))
        if not bounds.contains(value):
            raise self.error(column, bounds.expected(), shown(text))
        return value

    def year(self, column: str, required: bool) -> int | None:
        """The cell as a calendar year.

        Args:
            column: Column name.
            required: Whether an empty cell is an error.

        Returns:
            The year, or None for an allowed empty cell.

        Raises:
            DataError: Missing when required, or not a year.
        """
        text = self.get(column)
        if not text:
            if required:
                raise self.error(column, "a year (integer)", "an empty cell")
            return None
        try:
            value = int(text)
        except ValueError:
            raise self.error(column, "a year (integer, e.g. 2024)", shown(text)) from None
        if not 1900 <= value <= 2100:
            raise self.error(column, "a year between 1900 and 2100", shown(text))
        return value

    def country(self, column: str, known: Mapping[str, int], text: str | None = None) -> str:
        """The cell (or one item of it) as an ISO3 code listed in countries.csv.

        Args:
            column: Column name.
            known: ISO3 codes of countries.csv, to their index.
            text: The item to check; the whole cell when None.

        Returns:
            The code.

        Raises:
            DataError: Empty, malformed, or not in countries.csv.
        """
        code = self.get(column) if text is None else text.strip()
        if not code:
            raise self.error(column, "an ISO3 code from countries.csv", "an empty cell")
        if code not in known:
            raise self.error(
                column,
                "an ISO3 code listed in countries.csv",
                shown(code),
                closest(code, known),
            )
        return code


def _read(data_dir: Path, name: str) -> list[_Row]:
    """Read one data file and check its header (:func:`sim.world.csvtable.read_rows`).

    Args:
        data_dir: Data directory.
        name: File name, a key of :data:`FILES`.

    Returns:
        The data rows with their line numbers.

    Raises:
        DataError: Missing file, not UTF-8 text, empty file, missing or unexpected column, or a
            row with the wrong number of fields.
    """
    rows = read_rows(data_dir / name, name, FILES[name], DataError)
    return [_Row(name, line, cells) for line, cells in rows]


def _codes(row: _Row, column: str, known: Mapping[str, int], allow_empty: bool) -> list[str]:
    """A semicolon-separated list of ISO3 codes.

    Args:
        row: The row.
        column: Column name.
        known: ISO3 codes of countries.csv.
        allow_empty: Whether an empty list is valid.

    Returns:
        The codes, duplicates removed, in order.

    Raises:
        DataError: An empty list where one is required, or an unknown code.
    """
    text = row.get(column)
    items = [item.strip() for item in text.split(";") if item.strip()]
    if not items and not allow_empty:
        raise row.error(column, "a ';'-separated list of ISO3 codes", "an empty cell")
    codes: list[str] = []
    for item in items:
        code = row.country(column, known, item)
        if code not in codes:
            codes.append(code)
    return codes


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class WorldData:
    """The baseline world, validated, as arrays in the order of ``countries.csv``.

    Pairwise matrices are indexed ``[i, j]`` by country position (see
    :meth:`index`). Arrays are read-only; use :meth:`with_overrides` to change
    attribute values.

    Attributes:
        base_year: Calendar year the data describe (``world.toml``; default :data:`BASE_YEAR`).
        iso3: ISO3 codes.
        name: Country names.
        role: Roles, dtype ``<U11``, values in :data:`ROLES`.
        bloc: Geopolitical blocs, values in :data:`BLOCS`.
        budget_usd: Announced public quantum budget, USD per year.
        disbursed_share: Share of the announced budget disbursed per year.
        efficiency: R&D results per dollar relative to the USA (= 1.0).
        openness: Share of core technology transferred to partners, 0..1.
        price_usd: Annual cost to a partner of a typical partnership, USD.
        alignment: Geopolitical position, -1 (US camp) .. +1 (China/Russia camp).
        dependence_aversion: Weight on dependence risk, 1.0 = typical.
        ties: Prior-tie strength, symmetric, max over rows, 0 on the diagonal.
        alliance: True where an ``alliance`` tie exists, symmetric.
        sanctions: ``sanctions[a, t]`` = severity of sanctions by a on t.
        controls: ``controls[a, r]`` = stringency of a's export controls toward
            receiver r (0 for exempt receivers and for r == a).
        provenance: ``attributes.csv`` as read, one row per (iso3, attribute),
            with columns iso3, attribute, value, unit, period, source, year,
            estimated, method.
        stage: Initial stage of each pair's quantum partnership (``sim.model.formation``
            codes none/talks/signed), symmetric, int8.
        kind: Kind of each pair's partnership (index into ``sim.model.formation.KINDS``),
            symmetric, int8; meaningful where ``stage`` is not none.
        initial_agreements: The agreement rows the initial partnerships were built from
            (dated :data:`sim.world.agreements.CALIBRATION_END` or earlier and not after
            ``base_year``).
        description: One line on what the data describe (``world.toml``).
    """

    base_year: int
    iso3: tuple[str, ...]
    name: tuple[str, ...]
    role: np.ndarray
    bloc: np.ndarray
    budget_usd: np.ndarray
    disbursed_share: np.ndarray
    efficiency: np.ndarray
    openness: np.ndarray
    price_usd: np.ndarray
    alignment: np.ndarray
    dependence_aversion: np.ndarray
    ties: np.ndarray
    alliance: np.ndarray
    sanctions: np.ndarray
    controls: np.ndarray
    provenance: pd.DataFrame
    stage: np.ndarray
    kind: np.ndarray
    initial_agreements: pd.DataFrame
    description: str = ""

    def __len__(self) -> int:
        return len(self.iso3)

    def index(self, iso3: str) -> int:
        """Position of a country in the arrays.

        Args:
            iso3: ISO3 code.

        Returns:
            Its index.

        Raises:
            KeyError: Unknown code; the message suggests the nearest code.
        """
        try:
            return self.iso3.index(iso3)
        except ValueError:
            hint = closest(str(iso3), self.iso3)
            extra = f"; did you mean '{hint}'?" if hint else ""
            raise KeyError(f"unknown country {iso3!r}{extra}") from None

    def with_overrides(self, overrides: Mapping[str, Mapping[str, float]]) -> WorldData:
        """A copy with some attribute values replaced.

        Args:
            overrides: ``{iso3: {attribute: value}}``, e.g.
                ``{"VNM": {"dependence_aversion": 3.0}}``.

        Returns:
            A new :class:`WorldData`; this one is unchanged. ``provenance`` is
            kept as read from the files.

        Raises:
            DataError: Unknown ISO3 code or attribute (with the nearest valid
                name), a value that is not a finite number, or a value out of
                the attribute's range.
        """
        arrays = {attr: np.array(getattr(self, attr), dtype=float) for attr in ATTRIBUTES}
        for code, values in overrides.items():
            if code not in self.iso3:
                raise DataError(
                    "overrides",
                    None,
                    "iso3",
                    "an ISO3 code listed in countries.csv",
                    shown(code),
                    closest(str(code), self.iso3),
                )
            i = self.iso3.index(code)
            for attr, raw in values.items():
                if attr not in ATTRIBUTES:
                    raise DataError(
                        "overrides",
                        None,
                        "attribute",
                        f"one of {', '.join(ATTRIBUTES)}",
                        f"{shown(attr)} (for {code})",
                        closest(str(attr), ATTRIBUTES),
                    )
                try:
                    value = float(raw)
                except (TypeError, ValueError):
                    raise DataError("overrides", None, attr, "a number",
                                    f"{shown(raw)} (for {code})") from None
                bounds = ATTRIBUTE_RANGES[attr]
                if not bounds.contains(value):
                    raise DataError("overrides", None, attr, bounds.expected(), f"{shown(raw)} (for {code})")
                arrays[attr][i] = value
        changes: dict[str, Any] = {attr: _readonly(arr) for attr, arr in arrays.items()}
        return dataclasses.replace(self, **changes)


def _load_countries(data_dir: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    rows = _read(data_dir, "countries.csv")
    iso3: list[str] = []
    names: list[str] = []
    roles: list[str] = []
    blocs: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        code = row.get("iso3")
        if not _ISO3.fullmatch(code):
            raise row.error("iso3", "3 uppercase letters (ISO 3166-1 alpha-3)", shown(code))
        if code in seen:
            raise row.error("iso3", "each ISO3 code once", f"{code!r} again (first on line {seen[code]})")
        seen[code] = row.line
        name = row.get("name")
        if not name:
            raise row.error("name", "a country name", "an empty cell")
        role = row.get("role")
        if role not in ROLES:
            raise row.error("role", f"one of {', '.join(ROLES)}", shown(role), closest(role, ROLES))
        bloc = row.get("bloc")
        if bloc not in BLOCS:
            raise row.error("bloc", f"one of {', '.join(BLOCS)}", shown(bloc), closest(bloc, BLOCS))
        iso3.append(code)
        names.append(name)
        roles.append(role)
        blocs.append(bloc)
    if not iso3:
        raise DataError("countries.csv", None, None, "at least one country row", "none")
    if "leader" not in roles:
        raise DataError("countries.csv", None, "role", "at least one country with role 'leader'", "none")
    return iso3, names, roles, blocs


def _load_attributes(data_dir: Path, known: Mapping[str, int]) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    rows = _read(data_dir, "attributes.csv")
    n = len(known)
    values = {attr: np.full(n, np.nan) for attr in ATTRIBUTES}
    seen: dict[tuple[str, str], int] = {}
    records = []
    for row in rows:
        code = row.country("iso3", known)
        attr = row.get("attribute")
        if attr not in ATTRIBUTES:
            raise row.error(
                "attribute",
                f"one of {', '.join(ATTRIBUTES)}",
                shown(attr),
                closest(attr, ATTRIBUTES),
            )
        if (code, attr) in seen:
            raise row.error(
                "attribute",
                "one row per (iso3, attribute)",
                f"{code} {attr} again (first on line {seen[code, attr]})",
            )
        seen[code, attr] = row.line
        value = row.number("value", ATTRIBUTE_RANGES[attr])
        unit = row.get("unit")
        if unit != ATTRIBUTE_UNITS[attr]:
            raise row.error("unit", f"{ATTRIBUTE_UNITS[attr]!r} for {attr}", shown(unit))
        flag = row.get("estimated").lower()
        if flag not in ("true", "false"):
            raise row.error(
                "estimated", "true or false", shown(row.get("estimated")), closest(flag, ("true", "false"))
            )
        estimated = flag == "true"
        source = row.get("source")
        method = row.get("method")
        if estimated:
            if not method:
                raise row.error("method", "how the number was made (estimated=true)", "an empty cell")
            year = row.year("year", required=False)
        else:
            if not source:
                raise row.error("source", "the publication (estimated=false)", "an empty cell")
            year = row.year("year", required=True)
        values[attr][known[code]] = value
        records.append(
            {
                "iso3": code,
                "attribute": attr,
                "value": value,
                "unit": unit,
                "period": row.get("period"),
                "source": source,
                "year": year,
                "estimated": estimated,
                "method": method,
            }
        )
    for code in known:
        for attr in ATTRIBUTES:
            if (code, attr) not in seen:
                raise DataError(
                    "attributes.csv",
                    None,
                    "attribute",
                    f"a row for every (iso3, attribute) pair, including {code} {attr}",
                    "no such row",
                )
    frame = pd.DataFrame.from_records(records, columns=list(FILES["attributes.csv"]))
    frame["year"] = frame["year"].astype("Int64")
    frame["estimated"] = frame["estimated"].astype(bool)
    frame["value"] = frame["value"].astype(float)
    return values, frame


def _load_ties(data_dir: Path, known: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    n = len(known)
    ties = np.zeros((n, n))
    alliance = np.zeros((n, n), dtype=bool)
    for row in _read(data_dir, "ties.csv"):
        a = row.country("a", known)
        b = row.country("b", known)
        if a == b:
            raise row.error("b", "a country other than column 'a'", shown(b))
        kind = row.get("kind")
        if kind not in KINDS:
            raise row.error("kind", f"one of {', '.join(KINDS)}", shown(kind), closest(kind, KINDS))
        strength = row.number("strength", _UNIT_RANGE)
        row.year("year", required=False)
        i, j = known[a], known[b]
        ties[i, j] = ties[j, i] = max(ties[i, j], strength)
        if kind == "alliance":
            alliance[i, j] = alliance[j, i] = True
    return ties, alliance


def _load_sanctions(data_dir: Path, known: Mapping[str, int]) -> np.ndarray:
    n = len(known)
    sanctions = np.zeros((n, n))
    for row in _read(data_dir, "sanctions.csv"):
        target = row.country("target", known)
        by = _codes(row, "imposed_by", known, allow_empty=False)
        if target in by:
            raise row.error("imposed_by", "countries other than the target", shown(target))
        severity = row.number("severity", _UNIT_RANGE)
        row.year("since", required=True)
        row.year("year", required=False)
        t = known[target]
        for code in by:
            a = known[code]
            sanctions[a, t] = max(sanctions[a, t], severity)
    return sanctions


def _load_controls(data_dir: Path, known: Mapping[str, int]) -> np.ndarray:
    n = len(known)
    controls = np.zeros((n, n))
    for row in _read(data_dir, "controls.csv"):
        actor = row.country("actor", known)
        stringency = row.number("stringency", _UNIT_RANGE)
        exempt = _codes(row, "exempt", known, allow_empty=True)
        row.year("since", required=True)
        row.year("year", required=False)
        a = known[actor]
        level = np.full(n, stringency)
        level[[known[code] for code in exempt]] = 0.0
        level[a] = 0.0
        controls[a] = np.maximum(controls[a], level)
    return controls


WORLD_KEYS: tuple[str, ...] = ("base_year", "description", "agreements")
"""Keys of the optional ``world.toml``."""


def _load_world_file(data_dir: Path) -> tuple[int, str, Path | None]:
    """Base year, description and agreements path of a data directory (``world.toml``)."""
    path = data_dir / "world.toml"
    default_agreements = data_dir / "agreements.csv"
    agreements = default_agreements if default_agreements.is_file() else None
    if not path.exists():
        return BASE_YEAR, "", agreements
    try:
        content = parse_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DataError("world.toml", None, None, "a readable TOML file", str(error).split("\n")[0]) from None
    for key in content:
        if key not in WORLD_KEYS:
            raise DataError("world.toml", None, key, f"only the keys {', '.join(WORLD_KEYS)}",
                            f"an unknown key {shown(key)}", closest(key, WORLD_KEYS))
    base_year = content.get("base_year", BASE_YEAR)
    if isinstance(base_year, bool) or not isinstance(base_year, int) or not 1990 <= base_year <= 2100:
        raise DataError("world.toml", None, "base_year", "a year from 1990 to 2100", shown(base_year))
    description = content.get("description", "")
    if not isinstance(description, str):
        raise DataError("world.toml", None, "description", "a string", shown(description))
    if "agreements" in content:
        relative = content["agreements"]
        if not isinstance(relative, str) or not relative:
            raise DataError("world.toml", None, "agreements", "a path (string) relative to the directory",
                            shown(relative))
        agreements = (data_dir / relative).resolve()
        if not agreements.is_file():
            raise DataError("world.toml", None, "agreements", "the path of an agreements file",
                            f"{shown(relative)} (no such file)")
    return base_year, description, agreements


def agreements_path(data_dir: str | Path | None = None) -> Path | None:
    """The observed-agreements file of a data directory (``world.toml``'s ``agreements``).

    Args:
        data_dir: The data directory; the shipped :data:`DEFAULT_DATA_DIR` when None.

    Returns:
        Its path, or None when the directory has none.

    Raises:
        DataError: A bad ``world.toml``.
    """
    return _load_world_file(DEFAULT_DATA_DIR if data_dir is None else Path(data_dir))[2]


def data_files(data_dir: str | Path | None = None) -> list[Path]:
    """The CSV files a world is read from: the five of :data:`FILES` and the agreements file.

    Only these names are opened, so anything else in the directory (a FIFO named ``extra.csv``,
    say) is never read.

    Args:
        data_dir: The data directory; the shipped :data:`DEFAULT_DATA_DIR` when None.

    Returns:
        The paths that exist, sorted by file name.

    Raises:
        DataError: A bad ``world.toml``.
    """
    directory = DEFAULT_DATA_DIR if data_dir is None else Path(data_dir)
    paths = [directory / name for name in FILES if (directory / name).is_file()]
    agreements = agreements_path(directory)
    if agreements is not None:
        paths.append(agreements)
    return sorted(paths, key=lambda path: path.name)


def initial_partnerships(
    agreements: pd.DataFrame, known: Mapping[str, int], roles: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Stage and kind matrices of the partnerships the agreements describe.

    A pair of two leaders or providers holds a ``programme`` if a row says so and
    a ``science`` exchange otherwise; a pair of one leader or provider and one
    second-wave country holds a ``commercial`` partnership. Rows of kind ``talks``
    give the stage talks; any other row a signed agreement (signed beats talks).
    Pairs of two second-wave countries are outside the model and ignored.

    Args:
        agreements: Agreement rows (columns ``a_iso3``, ``b_iso3``, ``kind``).
        known: Position of each ISO3 code.
        roles: Role of each country, in order.

    Returns:
        ``(stage, kind)``, each (n, n) int8 and symmetric.
    """
    n = len(known)
    stage = np.full((n, n), NONE, dtype=np.int8)
    kind = np.zeros((n, n), dtype=np.int8)
    programme = PARTNERSHIP_KINDS.index("programme")
    for a_code, b_code, row_kind in agreements[["a_iso3", "b_iso3", "kind"]].itertuples(index=False):
        if a_code not in known or b_code not in known:
            continue
        i, j = known[a_code], known[b_code]
        actors = (roles[i] != "second_wave") + (roles[j] != "second_wave")
        if actors == 0:
            continue
        if actors == 2:
            code = programme if row_kind == "programme" else PARTNERSHIP_KINDS.index("science")
        else:
            code = PARTNERSHIP_KINDS.index("commercial")
        new_stage = TALKS if row_kind == "talks" else SIGNED
        if new_stage > stage[i, j] or (new_stage == stage[i, j] and code == programme):
            stage[i, j] = stage[j, i] = new_stage
            kind[i, j] = kind[j, i] = code
    return stage, kind


def load_world(data_dir: str | Path | None = None) -> WorldData:
    """Load and validate a world.

    Args:
        data_dir: Directory holding the five CSV files (and optionally ``world.toml`` and
            an agreements file); the shipped :data:`DEFAULT_DATA_DIR` when None.

    Returns:
        The validated world.

    Raises:
        DataError: Any problem in the files (see the module docstring).
        sim.world.agreements.AgreementsError: A problem in the agreements file.
    """
    data_dir = DEFAULT_DATA_DIR if data_dir is None else Path(data_dir)
    base_year, description, agreements_path = _load_world_file(data_dir)
    iso3, names, roles, blocs = _load_countries(data_dir)
    known = {code: i for i, code in enumerate(iso3)}
    values, provenance = _load_attributes(data_dir, known)
    ties, alliance = _load_ties(data_dir, known)
    sanctions = _load_sanctions(data_dir, known)
    controls = _load_controls(data_dir, known)
    if agreements_path is None:
        initial = pd.DataFrame(columns=["a_iso3", "b_iso3", "year", "kind", "source", "note", "pair"])
    else:
        initial = calibration_rows(load_agreements(agreements_path, known),
                                   until=min(base_year, CALIBRATION_END)).reset_index(drop=True)
    stage, kind = initial_partnerships(initial, known, roles)
    return WorldData(
        base_year=base_year,
        iso3=tuple(iso3),
        name=tuple(names),
        role=_readonly(np.array(roles, dtype="<U11")),
        bloc=_readonly(np.array(blocs, dtype="<U10")),
        **{attr: _readonly(values[attr]) for attr in ATTRIBUTES},
        ties=_readonly(ties),
        alliance=_readonly(alliance),
        sanctions=_readonly(sanctions),
        controls=_readonly(controls),
        provenance=provenance,
        stage=_readonly(stage),
        kind=_readonly(kind),
        initial_agreements=initial,
        description=description,
    )


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, stamp: tuple[float, ...]) -> WorldData:
    del stamp  # part of the cache key only: reload when a file changes
    return load_world(path)


def load_world_cached(data_dir: str | Path | None = None) -> WorldData:
    """Load the world data once per directory and file modification times.

    Args:
        data_dir: Directory of the data files; default the shipped baseline.

    Returns:
        The loaded (immutable) data.
    """
    directory = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    files = [*data_files(directory), *(p for p in [directory / "world.toml"] if p.exists())]
    stamp = tuple(p.stat().st_mtime for p in files)
    return _load_cached(str(directory.resolve()), stamp)
