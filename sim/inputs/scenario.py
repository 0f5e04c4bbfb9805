"""Scenario files: TOML in, a validated, fully resolved :class:`Scenario` out.

A scenario file is plain TOML (read with :mod:`tomllib`; it can never execute
code) with these keys::

    name = "export_controls"
    description = "What happens to second-wave partnerships if leaders tighten controls?"
    extends = "baseline.toml"      # optional: start from another file (relative to this one,
                                    # else a shipped scenario name such as "baseline")
    data = "data"                   # optional: directory of data files (default: the shipped data)
    steps = 25                      # or: end_year = 2050 (not both)
    seed = 20250101                 # steps, seed and replications are required (here or from
    replications = 10               # the file extended); all missing ones are reported at once

    [params]                        # any numeric QuantumWorld parameter
    dependence_weight = 2.0

    [countries.VNM]                 # overrides of country attributes, by ISO3 code
    dependence_aversion = 3.0

    [[events]]                      # scheduled events (see sim.model.events)
    year = 2027
    kind = "export_controls"
    actors = ["USA", "CHN"]
    stringency = 0.9

A file that ``extends`` another overrides its scalars, updates its ``params``
and ``countries`` key by key, and appends its ``events`` to the parent's.
:func:`load_scenario` then applies ``--set key=value`` strings and typed
overrides, and validates everything against the model's parameters, the data's
countries and attributes and the event kinds. Every problem raises a
:class:`ScenarioError` naming the file, the key path, what was expected, what
was found and the nearest valid name.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic
import tomli_w

from sim.base.errors import ParameterError, UserError
from sim.base.paths import NAME_PATTERN, PROJECT_ROOT, display_path
from sim.base.seeds import derive_seeds
from sim.base.suggest import did_you_mean
from sim.base.tomltext import parse_toml
from sim.inputs import keypath
from sim.inputs.schema import (
    MAX_REPLICATIONS,
    MAX_SEED,
    SCENARIO_PARAMS,
    Parameters,
    ScenarioFile,
    ScenarioParams,
)
from sim.inputs.validation import first_problem
from sim.model.events import parse_event
from sim.model.parameters import PARAMETERS, check_parameter, defaults
from sim.model.quantum_world import QuantumWorld
from sim.world.data import ATTRIBUTES, DEFAULT_DATA_DIR, WorldData, data_files, load_world_cached

SCENARIO_DIR: Path = PROJECT_ROOT / "scenarios"
"""Directory of the shipped scenario files."""

TOP_LEVEL_KEYS: tuple[str, ...] = tuple(ScenarioFile.model_fields)
"""Keys a scenario file may have at its top level."""

REQUIRED_KEYS: tuple[str, ...] = ("steps", "seed", "replications")
"""Keys a resolved scenario needs (``end_year`` gives ``steps``); all missing ones are reported at once."""

_SETTABLE_TOP = ("name", "description", "data", "steps", "end_year", "seed", "replications")


class ScenarioError(UserError, ValueError):
    """A scenario that is not valid: names the file, key path, expectation, finding and nearest name."""


class Scenario(pydantic.BaseModel):
    """A fully resolved scenario (after ``extends``, ``--set`` and overrides).

    Attributes:
        name: Short name, used for run directories and plot titles.
        description: The question the scenario asks.
        data: Directory of the data files; None for the shipped baseline data.
        steps: Number of yearly steps.
        seed: Root seed; replication ``k`` runs with ``derive_seed(seed, k)``.
        replications: Number of replications.
        params: The model parameters, typed from the registry; those the scenario does not set
            read the model's defaults (:meth:`sim.inputs.schema.Parameters.as_dict` gives the set ones).
        countries: Country attribute overrides, ISO3 -> attribute -> value.
        events: Scheduled events as plain dicts.
        source: The file the scenario was read from, if any.
    """

    model_config = pydantic.ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = pydantic.Field(min_length=1, pattern=NAME_PATTERN)
    description: str = ""
    data: Path | None = None
    steps: int
    seed: int = pydantic.Field(ge=0, le=MAX_SEED)
    replications: int = pydantic.Field(ge=1, le=MAX_REPLICATIONS)
    params: ScenarioParams = pydantic.Field(default_factory=ScenarioParams)  # type: ignore[valid-type]
    countries: dict[str, dict[str, float]] = pydantic.Field(default_factory=dict)
    events: list[dict[str, Any]] = pydantic.Field(default_factory=list)
    source: Path | None = None

    @pydantic.model_validator(mode="before")
    @classmethod
    def _against_the_data(cls, values: Any, info: pydantic.ValidationInfo) -> Any:
        """The rules that need the scenario's facts, given as validation context.

        The context (from :func:`load_scenario`) holds ``world``, the scenario's data, and
        ``raw``, where each key was set (for messages). Parameters are checked against the
        registry, country overrides against the data's countries and attribute ranges, events
        against the data's countries, the horizon and who may impose them. Without a context
        (a scenario built in code) only the types are checked.
        """
        if not info.context or not isinstance(values, dict):
            return values
        raw, world = info.context["raw"], info.context["world"]
        base_year = int(world.base_year)
        values["params"] = _check_params(raw, values["params"])
        _check_countries(raw, values["countries"], world)
        _check_events(raw, values["events"], world, base_year, base_year + values["steps"] - 1)
        return values

    @property
    def base_year(self) -> int:
        """First simulated year (the data's base year)."""
        return int(load_world_cached(self.data).base_year)

    @property
    def end_year(self) -> int:
        """Year of the last step's outcomes (``base_year + steps``)."""
        return self.base_year + self.steps

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``QuantumWorld(**kwargs, seed=...)``.

        Returns:
            The parameters, ``steps``, ``events``, ``overrides`` and ``data``; fresh copies, so a
            caller may change them.
        """
        return {
            **self.params.as_dict(),
            "steps": self.steps,
            "events": [dict(event) for event in self.events],
            "overrides": {code: dict(values) for code, values in self.countries.items()} or None,
            "data": str(self.data) if self.data is not None else None,
        }

    def with_params(self, values: Mapping[str, Any]) -> Scenario:
        """This scenario with some parameters set (on top of its own), validated against the registry.

        Args:
            values: Parameter -> value.

        Returns:
            A new scenario; this one is unchanged.

        Raises:
            ParameterError: On an unknown parameter or a value outside its range.
        """
        return self.model_copy(update={"params": self.params.updated(values)})

    def replication_seeds(self) -> list[int]:
        """Seeds of the replications, derived from the root seed.

        Returns:
            One seed per replication, in order.
        """
        return derive_seeds(self.seed, self.replications)

    def effective_params(self) -> dict[str, float | int]:
        """Every numeric model parameter's value in this scenario: its own, else the model's default.

        Returns:
            Parameter -> value (parameters whose default is None and that are not set are left out).
        """
        merged = {**defaults(), **self.params.as_dict(), "steps": self.steps}
        return {name: value for name, value in merged.items() if value is not None}

    def digest(self) -> str:
        """Stable SHA-256 of what determines the results.

        Covers the resolved scenario (without ``source``), every model parameter's effective
        value (so a change of the model's defaults changes the digest) and the content of
        the data files (not their path).

        Returns:
            The hex digest.
        """
        content = self.to_toml_dict()
        content.pop("data", None)
        content["effective_params"] = self.effective_params()
        content["data_sha256"] = data_digest(self.data)
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def to_toml_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain TOML-ready data (what ``qgeo show`` prints).

        Returns:
            A dict with ``name``, ``description``, ``data`` (if not the shipped data),
            ``steps``, ``seed``, ``replications``, ``params``, ``countries`` and ``events``.
        """
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.data is not None:
            out["data"] = str(self.data)
        out.update(steps=self.steps, seed=self.seed, replications=self.replications)
        out["params"] = self.params.as_dict()
        out["countries"] = {code: dict(values) for code, values in self.countries.items()}
        out["events"] = [dict(event) for event in self.events]
        return out

    def to_toml(self, annotated: bool = False) -> str:
        """The resolved scenario as TOML text that :func:`load_scenario` reads back unchanged.

        Args:
            annotated: List every model parameter in ``[params]`` with its default, unit and meaning
                as a comment; a parameter the scenario does not set is a commented-out line at its
                default, so the text still resolves to the same scenario.

        Returns:
            The TOML document.
        """
        content = self.to_toml_dict()
        scalars = {key: content.pop(key) for key in ("name", "description", "data", "steps", "seed",
                                                      "replications") if key in content}
        params = content.pop("params")
        if annotated:
            params_text = "\n".join(["[params]", *_annotated_params(params)]) + "\n"
        else:
            params_text = tomli_w.dumps({"params": dict(sorted(params.items()))})
        tables = {key: value for key, value in content.items() if value}  # no empty [countries]
        return "\n".join([tomli_w.dumps(scalars), params_text, tomli_w.dumps(tables)]).rstrip("\n") + "\n"


def _annotated_params(params: Mapping[str, Any]) -> list[str]:
    """``[params]`` lines for every model parameter: value, then ``# default | unit | meaning``."""
    model_defaults = defaults()
    entries = []
    for name in SCENARIO_PARAMS:
        default = model_defaults[name]
        shown = "not set" if default is None else _toml_value(default)
        if name in params:
            assignment = f"{name} = {_toml_value(params[name])}"
        elif default is None:
            assignment = f"# {name} (not set)"
        else:
            assignment = f"# {name} = {shown}"
        spec = PARAMETERS[name]
        entries.append((assignment, f"# default {shown} | {spec.unit} | {spec.doc}"))
    width = max(len(assignment) for assignment, _ in entries)
    header = "# every model parameter; a commented-out line keeps the model's default"
    return [header, *(f"{assignment:<{width}}  {note}" for assignment, note in entries)]


def _toml_value(value: Any) -> str:
    """One scalar value in TOML syntax."""
    return tomli_w.dumps({"value": value}).removeprefix("value = ").rstrip("\n")


def data_digest(data: Path | None) -> str:
    """SHA-256 over the names and contents of a data directory's CSV files (:func:`data_files`).

    Args:
        data: The directory, or None for the shipped data.

    Returns:
        The hex digest.
    """
    directory = Path(data) if data is not None else DEFAULT_DATA_DIR
    digest = hashlib.sha256()
    for path in data_files(directory):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def shipped_scenarios() -> list[Path]:
    """The shipped scenario files, sorted by name.

    Returns:
        Paths of ``scenarios/*.toml``.
    """
    return sorted(SCENARIO_DIR.glob("*.toml"))


def find_scenario(name_or_path: str | Path) -> Path:
    """Locate a scenario by shipped name (``baseline`` or ``baseline.toml``) or path.

    Args:
        name_or_path: A shipped scenario's name, or a path to a TOML file.

    Returns:
        The file's path.

    Raises:
        ScenarioError: If no such file exists; names the nearest shipped scenario.
    """
    text = str(name_or_path)
    path = Path(text)
    if path.is_file():
        return path
    stem = path.name[:-5] if path.name.endswith(".toml") else path.name
    if path.parent == Path("."):
        shipped = SCENARIO_DIR / f"{stem}.toml"
        if shipped.is_file():
            return shipped
    names = [p.stem for p in shipped_scenarios()]
    raise ScenarioError(
        f"scenario {text!r}: expected a shipped scenario name ({', '.join(names)}) or a path to a "
        f"TOML file, found no such file{did_you_mean(stem, names)}"
    )


def load_scenario(
    name_or_path: str | Path,
    sets: Sequence[str] = (),
    overrides: Mapping[str, Any] | None = None,
    *,
    trial: bool = True,
) -> Scenario:
    """Read, resolve and validate a scenario.

    Args:
        name_or_path: A shipped scenario's name or a path (see :func:`find_scenario`).
        sets: ``"key=value"`` strings, values in TOML syntax (a bare word is taken as a string).
            Keys: ``name``, ``description``, ``data``, ``steps``, ``end_year``, ``seed``,
            ``replications``, ``params.<p>``, ``countries.<ISO3>.<attribute>``, ``events[i].<field>``.
        overrides: The same keys with already-typed values, applied after ``sets``.
        trial: Also build the model once (no step), so that what only the model can check
            (a synthetic world of ``n_countries``) is checked now; a caller that has checked
            the same scenario with a trial model already may skip it.

    Returns:
        The resolved scenario.

    Raises:
        ScenarioError: On any invalid file, key or value.
    """
    scenario = _load(name_or_path, sets, overrides)
    if trial:
        trial_model(scenario)
    return scenario


def trial_model(scenario: Scenario) -> QuantumWorld:
    """Build a scenario's model once (no step): every check the model itself makes runs now.

    Args:
        scenario: A loaded scenario.

    Returns:
        The model, at its base year (agent records off).

    Raises:
        ScenarioError: If the model rejects the scenario.
    """
    try:
        return QuantumWorld(**scenario.model_kwargs(), collect_agents=False, seed=scenario.seed)
    except (UserError, ValueError) as error:
        where = display_path(scenario.source) if scenario.source is not None else scenario.name
        raise ScenarioError(f"{where}: {error}") from None


def _load(name_or_path: str | Path, sets: Sequence[str], overrides: Mapping[str, Any] | None) -> Scenario:
    """Read, resolve and validate a scenario, without a trial model (see :func:`load_scenario`)."""
    path = find_scenario(name_or_path)
    raw = _read_resolved(path)
    given = [_parse_set(text)[0] for text in sets] + [str(key) for key in (overrides or {})]
    if "steps" in given and "end_year" in given:
        raise ScenarioError(f"{display_path(path)}: expected one horizon, steps or end_year, found both "
                            "among the options (--steps / --set)")
    for text in sets:
        key, value = _parse_set(text)
        _apply(raw, key, value, f"{display_path(path)}: --set {text}")
    for key, value in (overrides or {}).items():
        _apply(raw, str(key), value, f"{display_path(path)}: override {key}={value!r}")
    return _validate(raw, path)


# --------------------------------------------------------------------------- reading and merging
class _Raw:
    """Merged raw scenario values and, for each key path, where it was last set."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {"params": {}, "countries": {}, "events": []}
        self.origin: dict[str, str] = {}

    def where(self, key_path: str) -> str:
        """Where ``key_path`` (or its closest parent) was set."""
        probe = key_path
        while probe:
            if probe in self.origin:
                return self.origin[probe]
            probe = re.sub(r"(\.[^.]*|\[\d+\])$", "", probe) if ("." in probe or "[" in probe) else ""
        return self.origin.get("", "scenario")


def _read_toml(path: Path) -> dict[str, Any]:
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{where}: cannot read the file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{where}: expected UTF-8 text, found bad bytes ({error.reason})") from None
    try:
        return parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{where}: not valid TOML: {error}") from None


def _read_resolved(path: Path) -> _Raw:
    """Read ``path`` and the files it extends, merged parent first.

    The chain is followed in a loop, not by recursion, so a chain of any length (each file read
    once) is merged and only a cycle is an error.
    """
    files: list[tuple[Path, dict[str, Any]]] = []
    chain: list[Path] = []
    while True:
        resolved = path.resolve()
        if resolved in chain:
            cycle = " -> ".join(display_path(p) for p in (*chain, resolved))
            raise ScenarioError(f"{display_path(path)}: 'extends' forms a cycle: {cycle}")
        chain.append(resolved)
        table = _read_file(path)
        files.append((path, table))
        parent = table.pop("extends", None)
        if parent is None:
            break
        if not isinstance(parent, str):
            raise ScenarioError(f"{display_path(path)}: 'extends' expected a file name (string), "
                                f"found {parent!r}")
        path = _parent_file(path, parent)
    raw = _Raw()
    for path, table in reversed(files):
        where = display_path(path)
        _merge(raw, table, where)
        raw.origin[""] = where
    return raw


def _read_file(path: Path) -> dict[str, Any]:
    """One scenario file's table, its keys checked and its ``data`` made absolute."""
    table = _read_toml(path)
    where = display_path(path)
    for key in table:
        if key not in TOP_LEVEL_KEYS:
            raise ScenarioError(
                f"{where}: unknown key {key!r}{did_you_mean(key, TOP_LEVEL_KEYS)}; valid keys are "
                f"{', '.join(TOP_LEVEL_KEYS)}"
            )
    if "steps" in table and "end_year" in table:
        raise ScenarioError(
            f"{where}: expected one horizon, 'steps' or 'end_year', found both (steps = {table['steps']!r}, "
            f"end_year = {table['end_year']!r}); keep one"
        )
    if "data" in table and isinstance(table["data"], str):
        table["data"] = str((path.parent / table["data"]).resolve())
    return table


def _parent_file(path: Path, parent: str) -> Path:
    """The file an ``extends`` names: a path relative to the extending file, else a shipped scenario."""
    relative = path.parent / parent
    if relative.is_file():
        return relative
    stem = parent[:-5] if parent.endswith(".toml") else parent
    shipped = SCENARIO_DIR / f"{stem}.toml"
    if Path(parent).parent == Path(".") and shipped.is_file():
        return shipped
    names = [p.stem for p in shipped_scenarios()]
    choices = [p.name for p in path.parent.glob("*.toml")] + names
    raise ScenarioError(
        f"{display_path(path)}: 'extends' expected a scenario file (relative to "
        f"{display_path(path.parent)}) or a shipped scenario name ({', '.join(names)}), found {parent!r}, "
        f"which does not exist{did_you_mean(parent, choices)}"
    )


def _merge(raw: _Raw, table: Mapping[str, Any], where: str) -> None:
    """Merge one file's table into ``raw`` (scalars replace, tables update, events append)."""
    for key, value in table.items():
        if key == "params":
            _expect_table(where, "params", value)
            for name, item in value.items():
                _apply(raw, f"params.{name}", item, where)
        elif key == "countries":
            _expect_table(where, "countries", value)
            for code, attributes in value.items():
                _expect_table(where, f"countries.{code}", attributes)
                for attribute, item in attributes.items():
                    _apply(raw, f"countries.{code}.{attribute}", item, where)
        elif key == "events":
            if not isinstance(value, list):
                raise ScenarioError(
                    f"{where}: 'events' expected an array of tables ([[events]]), found {value!r}"
                )
            for event in value:
                raw.origin[f"events[{len(raw.values['events'])}]"] = where
                raw.values["events"].append(event)
        else:
            _apply(raw, key, value, where)


def _expect_table(where: str, key_path: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {key_path}: expected a table, found {value!r}")


def _parse_set(text: str) -> tuple[str, Any]:
    """Split a ``key=value`` string; the value is read as a TOML value (a bare word as a string)."""
    key, sep, value_text = str(text).partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(
            f"--set {text!r}: expected key=value (e.g. params.dependence_weight=2.5), found no '=' or no key"
        )
    try:
        value = tomllib.loads(f"value = {value_text.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    return key, value


def _apply(raw: _Raw, key: str, value: Any, where: str) -> None:
    """Set one key path (``params.x``, ``countries.ISO.attr``, ``events[i].field`` or a top key)."""
    try:
        path = keypath.parse(key)
    except keypath.KeyPathError:
        raise ScenarioError(
            f"{where}: key {key!r}: expected name, description, data, steps, end_year, seed, "
            "replications, params.<parameter>, countries.<ISO3>.<attribute> or events[<i>].<field>"
        ) from None
    if path.kind == "top" and path.name not in _SETTABLE_TOP:
        hint = (f" (did you mean 'params.{path.name}'?)" if path.name in PARAMETERS
                else did_you_mean(path.name, TOP_LEVEL_KEYS))
        raise ScenarioError(
            f"{where}: unknown key {path.name!r}{hint}; valid keys are {', '.join(TOP_LEVEL_KEYS)}"
        )
    try:
        keypath.apply(raw.values, path, value)
    except keypath.KeyPathError as error:
        raise ScenarioError(f"{where}: {error}") from None
    raw.origin[key] = where


# --------------------------------------------------------------------------- validation
def _validate(raw: _Raw, path: Path) -> Scenario:
    """Turn merged raw values into a validated :class:`Scenario`."""
    values = dict(raw.values)
    values.setdefault("name", path.stem)
    data = values.get("data")
    if data is not None and not isinstance(data, str):
        raise ScenarioError(f"{raw.where('data')}: data: expected a directory path (string), found {data!r}")
    data_dir = Path(data) if data is not None else None
    values["data"] = data_dir
    if data_dir is not None and not data_dir.is_dir():
        raise ScenarioError(f"{raw.where('data')}: data: expected an existing directory, found {data!r}")
    try:
        world = load_world_cached(data_dir)
    except UserError as error:
        raise ScenarioError(f"{raw.where('data')}: data: {error}") from None
    base_year = int(world.base_year)

    if "end_year" in values:
        end_year = values.pop("end_year")
        if isinstance(end_year, bool) or not isinstance(end_year, int) or end_year <= base_year:
            raise ScenarioError(
                f"{raw.where('end_year')}: end_year: expected an integer year after the base year "
                f"{base_year}, found {end_year!r}"
            )
        values["steps"] = end_year - base_year
        raw.origin.setdefault("steps", raw.where("end_year"))
    missing = [key for key in REQUIRED_KEYS if key not in values]
    if missing:
        names = ", ".join("'steps' (or 'end_year')" if key == "steps" else repr(key) for key in missing)
        raise ScenarioError(
            f"{raw.where('')}: expected the keys {', '.join(map(repr, REQUIRED_KEYS))}, found no {names}; "
            "give them in the file, take them from another scenario with extends = \"baseline\", or set them "
            "with --steps, --seed and --replications"
        )
    try:
        check_parameter("steps", values["steps"])
    except ParameterError as error:
        raise ScenarioError(f"{raw.where('steps')}: steps: {error}") from None

    try:
        return Scenario.model_validate({**values, "source": path}, context={"raw": raw, "world": world})
    except pydantic.ValidationError as error:
        raise _from_pydantic(raw, error) from None


def _check_params(raw: _Raw, params: dict[str, Any]) -> Parameters:
    """The ``[params]`` of a scenario as typed parameters; an error names where the bad key was set."""
    for name in params:
        where = raw.where(f"params.{name}")
        if name == "steps":
            raise ScenarioError(f"{where}: params.steps: set the horizon with the top-level key 'steps'")
        if name not in PARAMETERS:
            raise ScenarioError(
                f"{where}: params.{name}: expected a model parameter, found unknown name {name!r}"
                f"{did_you_mean(name, SCENARIO_PARAMS)}"
            )
    try:
        return ScenarioParams.model_validate(params)
    except pydantic.ValidationError as error:
        problem = first_problem(error, ScenarioParams)
        raise ScenarioError(f"{raw.where(f'params.{problem.key_path}')}: params.{problem}") from None


def _check_countries(raw: _Raw, countries: dict[str, Any], world: WorldData) -> None:
    codes = [str(code) for code in world.iso3]
    for code, attributes in countries.items():
        if code not in codes:
            raise ScenarioError(
                f"{raw.where(f'countries.{code}')}: countries.{code}: expected an ISO3 code of the data, "
                f"found unknown code {code!r}{did_you_mean(code, codes)}"
            )
        for attribute, value in attributes.items():
            key_path = f"countries.{code}.{attribute}"
            where = raw.where(key_path)
            if attribute not in ATTRIBUTES:
                raise ScenarioError(
                    f"{where}: {key_path}: expected a country attribute ({', '.join(ATTRIBUTES)}), "
                    f"found unknown attribute {attribute!r}{did_you_mean(attribute, ATTRIBUTES)}"
                )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScenarioError(f"{where}: {key_path}: expected a number, found {value!r}")
            attributes[attribute] = float(value)
            try:  # the data module's own range check
                world.with_overrides({code: {attribute: float(value)}})
            except UserError as error:
                raise ScenarioError(f"{where}: {key_path}: {error}") from None


def _check_events(raw: _Raw, events: list[Any], world: WorldData, first_year: int, last_year: int) -> None:
    iso3 = [str(code) for code in world.iso3]
    imposers = [code for code, role in zip(iso3, world.role, strict=True) if role != "second_wave"]
    for number, event in enumerate(events):
        where = raw.where(f"events[{number}]")
        if isinstance(event, dict):
            for key in event:
                if raw.origin.get(f"events[{number}].{key}"):
                    where = raw.origin[f"events[{number}].{key}"]
        try:
            parse_event(event, iso3, first_year, last_year, f"events[{number}]", imposers)
        except UserError as error:
            raise ScenarioError(f"{where}: {error}") from None


def _from_pydantic(raw: _Raw, error: pydantic.ValidationError) -> ScenarioError:
    problem = first_problem(error, Scenario)
    if problem.own:  # a rule of Scenario._against_the_data: its message names the file and key path
        return ScenarioError(problem.text)
    return ScenarioError(f"{raw.where(problem.key_path)}: {problem}")
