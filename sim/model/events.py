"""Scheduled events: export controls, sanctions, breakthroughs, budget changes, new programmes.

Events are plain data, a list of dicts such as
``{"year": 2027, "kind": "export_controls", "actors": ["USA"], "stringency": 0.9}``,
so that scenario files can feed them. :func:`parse_events` validates them
against the event-kind registry :data:`KINDS` (each kind's fields, whether only
leaders and providers may impose it, how it changes the model's state) and returns
typed :class:`Event` objects; the model applies each in the year it is scheduled for
(:mod:`sim.model.quantum_world`). A new kind is one entry of :data:`KINDS` (and its rows in
docs/ODD.md and the README, which the tests check).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.base.bounds import Bounds
from sim.base.errors import UserError
from sim.base.suggest import did_you_mean


@dataclass(frozen=True)
class FieldSpec(Bounds):
    """One field of an event kind: its bounds (numbers) and whether it must be given.

    Attributes:
        kind: ``"number"`` or ``"countries"`` (a list of ISO3 codes).
        required: Whether the field must be given.
    """

    kind: str = "number"
    required: bool = True


def _number_field(required: bool, low: float, high: float, doc: str, *, low_open: bool = False) -> FieldSpec:
    return FieldSpec(low=low, high=high, low_open=low_open, doc=doc, kind="number", required=required)


def _countries_field(required: bool, doc: str) -> FieldSpec:
    return FieldSpec(doc=doc, kind="countries", required=required)


@dataclass(frozen=True)
class EventKind:
    """Everything about one kind of event: a new kind is one entry of :data:`KINDS`.

    Attributes:
        fields: The kind's fields besides ``year``, ``kind`` and ``actors``.
        imposed: Whether only the data's leaders and providers can be its actors.
        apply: Changes a model's state as the event says: ``apply(model, actors, targets, fields)``
            with the actors' and targets' country indices (targets None when not given).
    """

    fields: Mapping[str, FieldSpec]
    imposed: bool
    apply: Callable[[Any, np.ndarray, np.ndarray | None, Mapping[str, Any]], None]

    def describe(self, kind: str, actors: Sequence[str], fields: Mapping[str, Any]) -> str:
        """One line describing an event of this kind (what the explorer lists).

        Args:
            kind: The kind's name.
            actors: ISO3 codes of the actors.
            fields: The event's fields.

        Returns:
            E.g. ``"export controls by USA: stringency 0.9"``.
        """
        details = ", ".join(
            f"{key} {', '.join(value) if isinstance(value, list | tuple) else f'{value:g}'}"
            for key, value in fields.items() if key in self.fields
        )
        return f"{kind.replace('_', ' ')} by {', '.join(actors)}" + (f": {details}" if details else "")


def _apply_export_controls(model: Any, actors: np.ndarray, targets: np.ndarray | None,
                           fields: Mapping[str, Any]) -> None:
    for row in model._actor_row[actors]:
        where = targets if targets is not None else np.flatnonzero(model.control_scope[row])
        model.controls[row, where] = fields["stringency"]
        model.controls[row, model.actors[row]] = 0.0
    model._refresh_pairs()


def _apply_sanctions(model: Any, actors: np.ndarray, targets: np.ndarray | None,
                     fields: Mapping[str, Any]) -> None:
    for row in model._actor_row[actors]:
        model.sanctions[row, targets] = fields["severity"]
        model.sanctions[row, model.actors[row]] = 0.0
    model._refresh_pairs()


def _apply_breakthrough(model: Any, actors: np.ndarray, targets: np.ndarray | None,
                        fields: Mapping[str, Any]) -> None:
    model.capability[actors] *= 1.0 + fields["capability_gain"]


def _apply_budget_change(model: Any, actors: np.ndarray, targets: np.ndarray | None,
                         fields: Mapping[str, Any]) -> None:
    model._budget_base[actors] *= fields["factor"]
    model.budget = model._budget_base * model._uplift


def _apply_new_programme(model: Any, actors: np.ndarray, targets: np.ndarray | None,
                         fields: Mapping[str, Any]) -> None:
    model._budget_base[actors] = fields["budget"] / model._uplift[actors]
    model.budget = model._budget_base * model._uplift
    if "disbursed_share" in fields:
        model.disbursed_share[actors] = fields["disbursed_share"]


KINDS: dict[str, EventKind] = {
    "export_controls": EventKind(
        {
            "stringency": _number_field(
                True, 0.0, 1.0,
                "control level the actors set toward the targets, 0 open to 1 closed (replaces "
                "the current level, so a lower value eases controls)",
            ),
            "targets": _countries_field(
                False,
                "receivers denied; default: the actor's control scope (every country its data controls "
                "target, i.e. not in its exempt list; every non-ally if it has no controls in the data)",
            ),
        },
        imposed=True, apply=_apply_export_controls,
    ),
    "sanctions": EventKind(
        {
            "targets": _countries_field(True, "sanctioned countries"),
            "severity": _number_field(
                True, 0.0, 1.0,
                "sanctions severity the actors impose on the targets, 0 (lifted) to 1 (full embargo)",
            ),
        },
        imposed=True, apply=_apply_sanctions,
    ),
    "breakthrough": EventKind(
        {"capability_gain": _number_field(True, 0.0, 10.0,
                                          "one-off capability jump as a fraction (0.5 = +50%)")},
        imposed=False, apply=_apply_breakthrough,
    ),
    "budget_change": EventKind(
        {"factor": _number_field(
            True, 0.0, 100.0, "multiplies the announced budget (USD per year); must be > 0", low_open=True
        )},
        imposed=False, apply=_apply_budget_change,
    ),
    "new_programme": EventKind(
        {
            "budget": _number_field(
                True, 0.0, 1e12, "announced budget of the new programme, USD per year; > 0", low_open=True
            ),
            "disbursed_share": _number_field(
                False, 0.0, 1.0, "share of the new budget disbursed each year; default unchanged"
            ),
        },
        imposed=False, apply=_apply_new_programme,
    ),
}
"""The event kinds: fields, who may impose them, how they apply."""

EVENT_FIELDS: dict[str, Mapping[str, FieldSpec]] = {name: kind.fields for name, kind in KINDS.items()}
"""Fields of each event kind, besides ``year``, ``kind`` and ``actors``."""

COMMON_FIELDS: tuple[str, ...] = ("year", "kind", "actors")


class EventError(UserError, ValueError):
    """An event that is not valid: names the event, the key, what was expected and found."""


@dataclass(frozen=True)
class Event:
    """A validated event.

    Attributes:
        year: Calendar year in which it takes effect (applied at the start of that year's step).
        kind: A key of :data:`KINDS`.
        actors: ISO3 codes of the countries that act (impose, gain, change budget).
        fields: The kind's fields; ``targets`` as a tuple of ISO3 codes.
    """

    year: int
    kind: str
    actors: tuple[str, ...]
    fields: Mapping[str, Any] = field(default_factory=dict)


def _countries(where: str, key: str, value: Any, iso3: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise EventError(f"{where}: '{key}' expected a non-empty list of ISO3 codes, found {value!r}")
    known = set(iso3)
    for code in value:
        if not isinstance(code, str):  # checked first: a table or an array is not hashable
            raise EventError(f"{where}: '{key}' expected a list of ISO3 codes (strings), found {value!r}")
        if code not in known:
            raise EventError(
                f"{where}: '{key}' has unknown country code {code!r}{did_you_mean(str(code), iso3)}"
            )
    return tuple(value)


def _number(where: str, key: str, value: Any, spec: FieldSpec) -> float:
    problem = spec.problem(value)
    if problem is not None:
        raise EventError(f"{where}: '{key}' {problem}")
    return float(value)


def parse_event(
    raw: Mapping[str, Any],
    iso3: Sequence[str],
    first_year: int,
    last_year: int,
    label: str = "event",
    imposers: Sequence[str] | None = None,
) -> Event:
    """Validate one event dict.

    Args:
        raw: The event as plain data.
        iso3: Valid country codes.
        first_year: First year the model simulates (the base year).
        last_year: Last year an event can take effect in.
        label: How to name the event in messages (e.g. ``"events[2]"``).
        imposers: The data's leaders and providers, the only valid actors of an imposed kind
            (:attr:`EventKind.imposed`); None to skip that check.

    Returns:
        The typed event.

    Raises:
        EventError: On an unknown kind or key, a missing field, a bad value or a year out of range.
    """
    if not isinstance(raw, Mapping):
        raise EventError(f"{label}: expected a table with year, kind and actors, found {raw!r}")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:  # a table or array is no kind (nor hashable)
        raise EventError(
            f"{label}: 'kind' expected one of {', '.join(KINDS)}, found {kind!r}"
            f"{did_you_mean(str(kind), KINDS)}"
        )
    where = f"{label} ({kind})"
    specs = KINDS[kind].fields
    allowed = (*COMMON_FIELDS, *specs)
    for key in raw:
        if key not in allowed:
            raise EventError(
                f"{where}: unknown key {key!r}{did_you_mean(key, allowed)}; "
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
    if imposers is not None and KINDS[kind].imposed:
        for code in actors:
            if code not in imposers:
                raise EventError(
                    f"{label}.actors: expected leaders or providers of the data (only they can impose "
                    f"{kind}), found {code!r}, a second-wave country"
                )
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
    imposers: Sequence[str] | None = None,
) -> list[Event]:
    """Validate a list of event dicts (already-typed events pass through after a range check).

    Args:
        raw_events: The events, or None for none.
        iso3: Valid country codes.
        first_year: First simulated year.
        last_year: Last year an event can take effect in.
        imposers: The data's leaders and providers (see :func:`parse_event`).

    Returns:
        Typed events sorted by year (stable, so same-year events keep their order).
    """
    events: list[Event] = []
    for number, raw in enumerate(raw_events or []):
        if isinstance(raw, Event):
            raw = {"year": raw.year, "kind": raw.kind, "actors": list(raw.actors), **raw.fields}
            raw = {k: list(v) if isinstance(v, tuple) else v for k, v in raw.items()}
        events.append(parse_event(raw, iso3, first_year, last_year, f"events[{number}]", imposers))
    return sorted(events, key=lambda event: event.year)
