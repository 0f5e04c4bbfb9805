"""Scheduled events: export controls, sanctions, breakthroughs, budget changes, new programmes.

Events are plain data, a list of dicts such as
``{"year": 2027, "kind": "export_controls", "actors": ["USA"], "stringency": 0.9}``,
so that scenario files can feed them. :func:`parse_events` validates them
against :data:`EVENT_FIELDS` and returns typed :class:`Event` objects; the model
applies each in the year it is scheduled for (:mod:`sim.model`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.errors import UserError


@dataclass(frozen=True)
class FieldSpec:
    """One field of an event kind.

    Attributes:
        kind: ``"number"`` or ``"countries"`` (a list of ISO3 codes).
        required: Whether the field must be given.
        low: Smallest allowed number (inclusive), if any.
        high: Largest allowed number (inclusive), if any.
        doc: What the field means, with its unit.
    """

    kind: str
    required: bool
    low: float | None = None
    high: float | None = None
    doc: str = ""


EVENT_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "export_controls": {
        "stringency": FieldSpec(
            "number", True, 0.0, 1.0,
            "control level the actors set toward the targets, 0 open to 1 closed (replaces "
            "the current level, so a lower value eases controls)",
        ),
        "targets": FieldSpec(
            "countries", False,
            doc="receivers denied; default: the actor's control scope (every country its data controls "
            "target, i.e. not in its exempt list; every non-ally if it has no controls in the data)",
        ),
    },
    "sanctions": {
        "targets": FieldSpec("countries", True, doc="sanctioned countries"),
        "severity": FieldSpec(
            "number", True, 0.0, 1.0,
            "sanctions severity the actors impose on the targets, 0 (lifted) to 1 (full embargo)",
        ),
    },
    "breakthrough": {
        "capability_gain": FieldSpec(
            "number", True, 0.0, 10.0, "one-off capability jump as a fraction (0.5 = +50%)"
        ),
    },
    "budget_change": {
        "factor": FieldSpec(
            "number", True, 0.0, 100.0,
            "multiplies the announced budget (USD per year); must be > 0",
        ),
    },
    "new_programme": {
        "budget": FieldSpec(
            "number", True, 0.0, 1e12, "announced budget of the new programme, USD per year; > 0"
        ),
        "disbursed_share": FieldSpec(
            "number", False, 0.0, 1.0, "share of the new budget disbursed each year; default unchanged"
        ),
    },
}
"""Fields of each event kind, besides ``year``, ``kind`` and ``actors``."""

EVENT_KINDS: tuple[str, ...] = tuple(EVENT_FIELDS)
COMMON_FIELDS: tuple[str, ...] = ("year", "kind", "actors")


class EventError(UserError, ValueError):
    """An event that is not valid: names the event, the key, what was expected and found."""


@dataclass(frozen=True)
class Event:
    """A validated event.

    Attributes:
        year: Calendar year in which it takes effect (applied at the start of that year's step).
        kind: One of :data:`EVENT_KINDS`.
        actors: ISO3 codes of the countries that act (impose, gain, change budget).
        fields: The kind's fields; ``targets`` as a tuple of ISO3 codes.
    """

    year: int
    kind: str
    actors: tuple[str, ...]
    fields: Mapping[str, Any] = field(default_factory=dict)


def nearest(name: str, valid: Iterable[str]) -> str:
    """Return a hint naming the valid name closest to ``name``, or an empty string.

    Case is ignored; among equally similar names (difflib's ratio), the one with
    more letters in the same positions wins, so ``RUZ`` suggests ``RUS``, not ``UZB``.

    Args:
        name: What was given.
        valid: The valid names.

    Returns:
        ``" (did you mean 'X'?)"`` or ``""``.
    """
    given = str(name).upper()

    def score(candidate: str) -> tuple[float, int]:
        upper = candidate.upper()
        same_place = sum(a == b for a, b in zip(given, upper, strict=False))
        return difflib.SequenceMatcher(None, given, upper).ratio(), same_place

    best = max(valid, key=score, default=None)
    if best is None or score(best)[0] < 0.5:
        return ""
    return f" (did you mean '{best}'?)"


def _countries(where: str, key: str, value: Any, iso3: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise EventError(f"{where}: '{key}' expected a non-empty list of ISO3 codes, found {value!r}")
    known = set(iso3)
    for code in value:
        if code not in known:
            raise EventError(
                f"{where}: '{key}' has unknown country code {code!r}{nearest(str(code), iso3)}"
            )
    return tuple(value)


def _number(where: str, key: str, value: Any, spec: FieldSpec) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(f"{where}: '{key}' expected a number, found {value!r}")
    low = -float("inf") if spec.low is None else spec.low
    high = float("inf") if spec.high is None else spec.high
    if not low <= value <= high:
        raise EventError(f"{where}: '{key}' expected a number in [{low:g}, {high:g}], found {value!r}")
    if key in ("factor", "budget") and value <= 0:
        raise EventError(f"{where}: '{key}' expected a number > 0, found {value!r}")
    return float(value)


def parse_event(
    raw: Mapping[str, Any], iso3: Sequence[str], first_year: int, last_year: int, label: str = "event"
) -> Event:
    """Validate one event dict.

    Args:
        raw: The event as plain data.
        iso3: Valid country codes.
        first_year: First year the model simulates (the base year).
        last_year: Last year an event can take effect in.
        label: How to name the event in messages (e.g. ``"events[2]"``).

    Returns:
        The typed event.

    Raises:
        EventError: On an unknown kind or key, a missing field, a bad value or a year out of range.
    """
    if not isinstance(raw, Mapping):
        raise EventError(f"{label}: expected a table with year, kind and actors, found {raw!r}")
    kind = raw.get("kind")
    if kind not in EVENT_FIELDS:
        raise EventError(
            f"{label}: 'kind' expected one of {', '.join(EVENT_KINDS)}, found {kind!r}"
            f"{nearest(str(kind), EVENT_KINDS)}"
        )
    where = f"{label} ({kind})"
    specs = EVENT_FIELDS[kind]
    allowed = (*COMMON_FIELDS, *specs)
    for key in raw:
        if key not in allowed:
            raise EventError(
                f"{where}: unknown key {key!r}{nearest(key, allowed)}; "
                f"valid keys are {', '.join(allowed)}"
            )
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise EventError(f"{where}: 'year' expected an integer year, found {year!r}")
    if not first_year <= year <= last_year:
        raise EventError(
            f"{where}: 'year' expected a year within the horizon {first_year}-{last_year}, found {year}"
        )
    if "actors" not in raw:
        raise EventError(f"{where}: missing key 'actors' (a list of ISO3 codes)")
    actors = _countries(where, "actors", raw["actors"], iso3)
    fields: dict[str, Any] = {}
    for key, spec in specs.items():
        if key not in raw:
            if spec.required:
                raise EventError(f"{where}: missing key {key!r} ({spec.doc})")
            continue
        if spec.kind == "countries":
            fields[key] = _countries(where, key, raw[key], iso3)
        else:
            fields[key] = _number(where, key, raw[key], spec)
    return Event(year=year, kind=kind, actors=actors, fields=fields)


def parse_events(
    raw_events: Iterable[Mapping[str, Any] | Event] | None,
    iso3: Sequence[str],
    first_year: int,
    last_year: int,
) -> list[Event]:
    """Validate a list of event dicts (already-typed events pass through after a range check).

    Args:
        raw_events: The events, or None for none.
        iso3: Valid country codes.
        first_year: First simulated year.
        last_year: Last year an event can take effect in.

    Returns:
        Typed events sorted by year (stable, so same-year events keep their order).
    """
    events: list[Event] = []
    for number, raw in enumerate(raw_events or []):
        if isinstance(raw, Event):
            raw = {"year": raw.year, "kind": raw.kind, "actors": list(raw.actors), **raw.fields}
            raw = {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
        events.append(parse_event(raw, iso3, first_year, last_year, label=f"events[{number}]"))
    return sorted(events, key=lambda event: event.year)
