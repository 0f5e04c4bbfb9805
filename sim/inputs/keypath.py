"""Scenario key paths: ``params.x``, ``countries.ISO.attr``, ``events[i].field`` and top-level keys.

One grammar for every place that names a part of a scenario: ``--set`` and typed
overrides (:mod:`sim.inputs.scenario`), experiment inputs and ``fixed`` values
(:mod:`sim.inputs.experiment`) and the engine's design points (``sim.engine.execute.apply_inputs``).
:func:`parse` reads a key path, :func:`resolve` says what it points at in a scenario
and its valid values (a :class:`sim.base.bounds.Bounds`), :func:`apply` sets it in a
scenario's plain data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from sim.base.bounds import Bounds
from sim.base.suggest import did_you_mean
from sim.model.events import KINDS
from sim.model.parameters import PARAMETERS
from sim.world.data import ATTRIBUTE_RANGES

_NAME = r"[A-Za-z0-9_]+"
_GRAMMAR = re.compile(
    rf"^(?:(?P<top>{_NAME})"
    rf"|params\.(?P<param>{_NAME})"
    rf"|countries\.(?P<iso3>{_NAME})\.(?P<attribute>{_NAME})"
    rf"|events\[(?P<index>\d+)\]\.(?P<field>{_NAME}))$"
)
INPUT_PARAMS: tuple[str, ...] = tuple(name for name in PARAMETERS if name not in ("steps", "n_countries"))
"""Parameters an experiment can vary as ``params.<name>`` (the horizon is ``steps``)."""


class KeyPathError(ValueError):
    """A key path that does not parse, or points at nothing in the scenario (the message says why)."""


@dataclass(frozen=True)
class KeyPath:
    """A parsed key path.

    Attributes:
        kind: ``top`` (a top-level key such as ``steps``), ``param``, ``country`` or ``event``.
        name: The top-level key, parameter, country attribute or event field.
        iso3: The country (``country`` paths).
        index: The event's position in the scenario's events (``event`` paths).
    """

    kind: Literal["top", "param", "country", "event"]
    name: str
    iso3: str = ""
    index: int = -1

    def __str__(self) -> str:
        """The key path as text (what :func:`parse` reads back)."""
        return {
            "top": self.name,
            "param": f"params.{self.name}",
            "country": f"countries.{self.iso3}.{self.name}",
            "event": f"events[{self.index}].{self.name}",
        }[self.kind]


def parse(text: str) -> KeyPath:
    """Read a key path.

    Args:
        text: A top-level key (``steps``), ``params.<parameter>``, ``countries.<ISO3>.<attribute>``
            or ``events[<i>].<field>``.

    Returns:
        The parsed path.

    Raises:
        KeyPathError: If the text is none of these.
    """
    match = _GRAMMAR.match(str(text))
    if match is None:
        raise KeyPathError(f"key {text!r}: expected a top-level key, params.<parameter>, "
                           "countries.<ISO3>.<attribute> or events[<i>].<field>")
    if match["top"] is not None:
        return KeyPath("top", match["top"])
    if match["param"] is not None:
        return KeyPath("param", match["param"])
    if match["iso3"] is not None:
        return KeyPath("country", match["attribute"], iso3=match["iso3"])
    return KeyPath("event", match["field"], index=int(match["index"]))


def apply(values: MutableMapping[str, Any], path: KeyPath, value: Any) -> None:
    """Set a key path in a scenario's plain data.

    Setting ``steps`` or ``end_year`` drops the other (one horizon: the later one given wins).

    Args:
        values: The scenario as plain data, with ``params`` and ``countries`` tables and an
            ``events`` list; changed in place.
        path: Where to set.
        value: The value.

    Raises:
        KeyPathError: For an event index beyond the scenario's events, or an event that is not a table.
    """
    if path.kind == "top":
        if path.name in ("steps", "end_year"):
            for other in ("steps", "end_year"):
                values.pop(other, None)
        values[path.name] = value
    elif path.kind == "param":
        values["params"][path.name] = value
    elif path.kind == "country":
        values["countries"].setdefault(path.iso3, {})[path.name] = value
    else:
        events = values["events"]
        if path.index >= len(events):
            raise KeyPathError(f"events[{path.index}]: expected an index below {len(events)} "
                               f"(the scenario has {len(events)} events), found {path.index}")
        if not isinstance(events[path.index], dict):
            raise KeyPathError(f"events[{path.index}]: expected a table, found {events[path.index]!r}")
        events[path.index] = {**events[path.index], path.name: value}


@dataclass(frozen=True)
class ScenarioFacts:
    """What resolving key paths and validating an experiment need to know about a scenario.

    Attributes:
        iso3: Country codes of the scenario's data.
        attributes: Country attributes that can be overridden.
        events: The scenario's events, as plain dicts.
        base_year: First simulated year.
        steps: The horizon.
        metrics: Columns of the scenario's model frame.
    """

    iso3: tuple[str, ...]
    attributes: tuple[str, ...]
    events: tuple[Mapping[str, Any], ...]
    base_year: int
    steps: int
    metrics: tuple[str, ...]

    def key_paths(self) -> list[str]:
        """Every key path an experiment can vary (for "did you mean" hints).

        Returns:
            The key paths.
        """
        paths = [f"params.{name}" for name in INPUT_PARAMS]
        paths += [f"countries.{code}.{attr}" for code in self.iso3 for attr in self.attributes]
        for index, event in enumerate(self.events):
            paths += [f"events[{index}].{field}" for field in ("year", *_numeric_fields(event.get("kind")))]
        return [*paths, "steps"]


def _numeric_fields(kind: Any) -> list[str]:
    fields = KINDS[kind].fields if kind in KINDS else {}
    return [name for name, spec in fields.items() if spec.kind == "number"]


def resolve(text: str, facts: ScenarioFacts) -> Bounds:
    """Check that a key path names a number of the scenario that an experiment can vary.

    Args:
        text: The key path.
        facts: The scenario.

    Returns:
        The valid values, with the meaning and unit for messages and plot labels.

    Raises:
        KeyPathError: With the message part after the key path (expected, found, nearest name).
    """
    try:
        path = parse(text)
    except KeyPathError:
        path = None
    if path is None or (path.kind == "top" and path.name != "steps"):
        raise KeyPathError(
            "expected a scenario key path such as params.dependence_weight, "
            f"countries.VNM.dependence_aversion, events[0].year or steps, found {text!r}"
            f"{did_you_mean(text, facts.key_paths())}"
        )
    if path.kind == "top":
        return PARAMETERS["steps"]
    if path.kind == "param":
        if path.name not in INPUT_PARAMS:
            raise KeyPathError(f"unknown parameter {path.name!r}{did_you_mean(path.name, INPUT_PARAMS)}")
        spec = PARAMETERS[path.name]
        return spec.with_doc(f"{spec.doc} ({spec.unit})")
    if path.kind == "country":
        return _resolve_country(text, path, facts)
    return _resolve_event(path, facts)


def _resolve_country(text: str, path: KeyPath, facts: ScenarioFacts) -> Bounds:
    if path.iso3 not in facts.iso3:
        hint = did_you_mean(path.iso3, facts.iso3)
        raise KeyPathError(f"unknown country code {path.iso3!r} in {text!r}{hint}")
    if path.name not in facts.attributes:
        raise KeyPathError(
            f"unknown country attribute {path.name!r}{did_you_mean(path.name, facts.attributes)}; "
            f"valid attributes are {', '.join(facts.attributes)}"
        )
    bounds = ATTRIBUTE_RANGES[path.name]
    return bounds.with_doc(f"{path.iso3} {path.name} ({bounds.unit})")


def _resolve_event(path: KeyPath, facts: ScenarioFacts) -> Bounds:
    if path.index >= len(facts.events):
        raise KeyPathError(
            f"the scenario has {len(facts.events)} event(s) (events[0]..events[{len(facts.events) - 1}]), "
            f"found events[{path.index}]"
        )
    event = facts.events[path.index]
    actors = event.get("actors", [])
    what = f"{event['kind']} by {', '.join(actors) if isinstance(actors, list) else actors}"
    if path.name == "year":
        last = facts.base_year + facts.steps - 1
        return Bounds(facts.base_year, last, integer=True, doc=f"year of {what}")
    numeric = _numeric_fields(event["kind"])
    if path.name not in numeric:
        raise KeyPathError(
            f"events[{path.index}] is a {event['kind']} event; it has no numeric field {path.name!r}"
            f"{did_you_mean(path.name, ['year', *numeric])}; numeric fields are "
            f"{', '.join(['year', *numeric])}"
        )
    return KINDS[event["kind"]].fields[path.name].with_doc(f"{path.name} of {what}")

