"""Experiment files: what to vary, how to sample it, what to keep.

An experiment is declarative data (a TOML file in ``experiments/``), in the
spirit of NetLogo's BehaviorSpace and the EMA Workbench: it names the scenario
it starts from, the *inputs* to vary (scenario key paths such as
``params.dependence_weight``, ``countries.VNM.dependence_aversion`` or
``events[0].year``), the *design* that picks their values, the replications per
design point and the *outcomes* to keep::

    name = "openness_vs_dependence"
    scenario = "baseline"          # a shipped scenario name, or a path relative to this file
    seed = 20250101                # root seed: run k gets sim.seeds.derive_seed(seed, k)
    replications = 10

    [design]
    type = "grid"                  # grid | lhs | sobol | morris

    [[inputs]]
    name = "params.leader_stringency"
    values = [0.2, 0.5, 0.8]

    [[outcomes]]
    name = "share_RUS_final"
    metric = "share_RUS"           # a model_frame column
    stat = "final"                 # final | mean (over window) | series

:func:`load_experiment` validates the file in two passes: its structure
(pydantic), then its meaning against the scenario (key paths, ranges, metrics),
and reports the first problem with the file, key path, what was expected, what
was found and the nearest valid name.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.data import ATTRIBUTE_RANGES, ATTRIBUTE_UNITS, ATTRIBUTES
from sim.errors import UserError
from sim.events import EVENT_FIELDS, nearest
from sim.parameters import PARAMETERS

EXPERIMENT_DIR = Path(__file__).resolve().parent.parent / "experiments"
"""Directory of the shipped experiments."""

RESERVED_COLUMNS: tuple[str, ...] = ("run", "point", "replication", "seed", "step", "year")
"""Column names of the result tables that outcomes cannot take."""

Number = int | float


class ExperimentError(UserError, ValueError):
    """An experiment file that is not valid: names the file, key path, expected and found."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)


class DesignSpec(_Strict):
    """How the design points are chosen.

    Attributes:
        type: ``grid`` (every combination of each input's ``values``), ``lhs``
            (Latin hypercube of ``samples`` points), ``sobol`` (Saltelli's scheme:
            ``samples`` x (D + 2) points, or x (2D + 2) with second order) or
            ``morris`` (``samples`` trajectories of D + 1 points on ``levels`` levels).
        samples: Number of samples (lhs), base samples (sobol, a power of 2) or
            trajectories (morris).
        calc_second_order: Sobol only: also sample for second-order indices.
        levels: Morris only: number of grid levels (even).
        seed: Seed of the sampler; default the experiment's root seed.
    """

    type: Literal["grid", "lhs", "sobol", "morris"]
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    calc_second_order: bool = False
    levels: Annotated[int, Field(ge=2, le=100)] = 4
    seed: Annotated[int, Field(ge=0)] | None = None


class InputSpec(_Strict):
    """One input: a scenario key path and its values (grid) or range (sampled designs).

    Attributes:
        name: Scenario key path (``params.<p>``, ``countries.<ISO3>.<attribute>``,
            ``events[i].<field>`` or ``steps``).
        values: Grid values.
        low: Lower bound of a sampled range (inclusive).
        high: Upper bound of a sampled range (inclusive).
        integer: Round sampled values to whole numbers (implied for years, steps
            and integer parameters).
    """

    name: str
    values: list[Number] | None = None
    low: Number | None = None
    high: Number | None = None
    integer: bool = False


class OutcomeSpec(_Strict):
    """One outcome kept from every run.

    Attributes:
        name: Column name in the result tables.
        metric: A column of :func:`sim.results.model_frame`.
        stat: ``final`` (last year), ``mean`` (over ``window``) or ``series`` (every year).
        window: ``[first_year, last_year]`` of the mean (inclusive); default every year.
    """

    name: str
    metric: str
    stat: Literal["final", "mean", "series"] = "final"
    window: tuple[int, int] | None = None


class PlotSpec(_Strict):
    """One plot to draw (besides the defaults of the design).

    Attributes:
        kind: ``heatmap`` (outcome over inputs ``x`` and ``y``, grids), ``line``
            (outcome against input ``x``, one line per value of ``by`` if given,
            grids), ``series`` (a series outcome per design point) or ``indices``
            (sensitivity indices, sobol and morris).
        outcome: Outcome name.
        x: Input on the x axis.
        y: Input on the y axis (heatmap).
        by: Input whose values get one line each (line).
    """

    kind: Literal["heatmap", "line", "series", "indices"]
    outcome: str
    x: str | None = None
    y: str | None = None
    by: str | None = None


class ExperimentSpec(_Strict):
    """The contents of an experiment file (structure only; see :func:`load_experiment`).

    Attributes:
        name: Experiment name (names the default output directory).
        description: What question the experiment answers.
        scenario: Shipped scenario name or path (relative to the experiment file).
        seed: Root seed of the runs.
        replications: Runs per design point.
        steps: If set, overrides the scenario's horizon.
        fixed: Scenario key paths set to one value in every run.
        design: The design.
        inputs: The inputs varied.
        outcomes: The outcomes kept.
        plots: Extra plots to draw.
    """

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    scenario: str
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    replications: Annotated[int, Field(ge=1, le=100_000)] = 1
    steps: Annotated[int, Field(ge=1, le=1000)] | None = None
    fixed: dict[str, Number] = Field(default_factory=dict)
    design: DesignSpec
    inputs: Annotated[list[InputSpec], Field(min_length=1)]
    outcomes: Annotated[list[OutcomeSpec], Field(min_length=1)]
    plots: list[PlotSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> ExperimentSpec:
        for label, names in (("inputs", [i.name for i in self.inputs]),
                             ("outcomes", [o.name for o in self.outcomes])):
            seen: set[str] = set()
            for index, name in enumerate(names):
                if name in seen:
                    raise ValueError(f"{label}[{index}].name: {name!r} is given twice")
                seen.add(name)
        return self


# --------------------------------------------------------------------------- key paths
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("param", re.compile(r"^params\.(?P<field>\w+)$")),
    ("country", re.compile(r"^countries\.(?P<iso3>[A-Za-z0-9]+)\.(?P<field>\w+)$")),
    ("event", re.compile(r"^events\[(?P<index>\d+)\]\.(?P<field>\w+)$")),
    ("steps", re.compile(r"^steps$")),
)


@dataclass(frozen=True)
class InputTarget:
    """What an input key path points at, with its valid range.

    Attributes:
        kind: ``param``, ``country``, ``event`` or ``steps``.
        low: Smallest valid value, if bounded.
        high: Largest valid value, if bounded.
        integer: Whether values are whole numbers.
        doc: Meaning and unit, for messages and plot labels.
        open_low: Whether ``low`` itself is excluded.
        open_high: Whether ``high`` itself is excluded.
    """

    kind: str
    low: float | None
    high: float | None
    integer: bool
    doc: str
    open_low: bool = False
    open_high: bool = False


@dataclass(frozen=True)
class ScenarioFacts:
    """What validation needs to know about the base scenario.

    Attributes:
        iso3: Country codes of the scenario's data.
        attributes: Country attributes that can be overridden.
        events: The scenario's events, as plain dicts.
        base_year: First simulated year.
        steps: The horizon (after the experiment's ``steps``, if any).
        metrics: Columns of the scenario's model frame.
    """

    iso3: tuple[str, ...]
    attributes: tuple[str, ...]
    events: tuple[Mapping[str, Any], ...]
    base_year: int
    steps: int
    metrics: tuple[str, ...]

    def key_paths(self) -> list[str]:
        """Every valid input key path (for "did you mean" hints).

        Returns:
            The key paths.
        """
        paths = [f"params.{name}" for name in PARAMETERS if name not in ("steps", "n_countries")]
        paths += [f"countries.{code}.{attr}" for code in self.iso3 for attr in self.attributes]
        for index, event in enumerate(self.events):
            numeric = [k for k, s in EVENT_FIELDS.get(event.get("kind"), {}).items() if s.kind == "number"]
            paths += [f"events[{index}].{field}" for field in ("year", *numeric)]
        return [*paths, "steps"]


def resolve_target(name: str, facts: ScenarioFacts) -> InputTarget:
    """Check a key path against the scenario and return what it points at.

    Args:
        name: Key path.
        facts: The base scenario.

    Returns:
        The target with its valid range.

    Raises:
        ValueError: With the message part after the key path (expected, found, nearest name).
    """
    kind, match = next(((k, m) for k, p in _PATTERNS if (m := p.match(name))), ("", None))
    hint = nearest(name, facts.key_paths())
    if match is None:
        raise ValueError(
            "expected a scenario key path such as params.dependence_weight, "
            f"countries.VNM.dependence_aversion, events[0].year or steps, found {name!r}{hint}"
        )
    if kind == "steps":
        spec = PARAMETERS["steps"]
        return InputTarget("steps", spec.low, spec.high, True, spec.doc)
    field = match["field"]
    if kind == "param":
        if field not in PARAMETERS or field in ("steps", "n_countries"):
            valid = [p for p in PARAMETERS if p not in ("steps", "n_countries")]
            raise ValueError(f"unknown parameter {field!r}{nearest(field, valid)}")
        spec = PARAMETERS[field]
        return InputTarget("param", spec.low, spec.high, spec.integer, f"{spec.doc} ({spec.unit})")
    if kind == "country":
        code = match["iso3"]
        if code not in facts.iso3:
            raise ValueError(f"unknown country code {code!r} in {name!r}{nearest(code, facts.iso3)}")
        if field not in facts.attributes:
            raise ValueError(
                f"unknown country attribute {field!r}{nearest(field, facts.attributes)}; "
                f"valid attributes are {', '.join(facts.attributes)}"
            )
        low, high, low_inclusive, high_inclusive = ATTRIBUTE_RANGES[field]
        return InputTarget(
            "country", low, None if math.isinf(high) else high, False,
            f"{code} {field} ({ATTRIBUTE_UNITS[field]})", not low_inclusive, not high_inclusive,
        )
    index = int(match["index"])
    if index >= len(facts.events):
        raise ValueError(
            f"the scenario has {len(facts.events)} event(s) (events[0]..events[{len(facts.events) - 1}]), "
            f"found events[{index}]"
        )
    event = facts.events[index]
    actors = event.get("actors", [])
    what = f"{event['kind']} by {', '.join(actors) if isinstance(actors, list) else actors}"
    if field == "year":
        last = facts.base_year + facts.steps - 1
        return InputTarget("event", facts.base_year, last, True, f"year of {what}")
    specs = EVENT_FIELDS[event["kind"]]
    numeric = [k for k, s in specs.items() if s.kind == "number"]
    if field not in numeric:
        raise ValueError(
            f"events[{index}] is a {event['kind']} event; it has no numeric field {field!r}"
            f"{nearest(field, ['year', *numeric])}; numeric fields are {', '.join(['year', *numeric])}"
        )
    spec = specs[field]
    return InputTarget("event", spec.low, spec.high, False, f"{field} of {what}")


# --------------------------------------------------------------------------- loaded experiment
@dataclass(frozen=True)
class Input:
    """A validated input.

    Attributes:
        name: Scenario key path.
        values: Grid values (empty for sampled designs).
        low: Lower bound (sampled designs; grid: smallest value).
        high: Upper bound (sampled designs; grid: largest value).
        integer: Whether values are whole numbers.
        label: Human-readable meaning, for plots.
    """

    name: str
    values: tuple[float, ...]
    low: float
    high: float
    integer: bool
    label: str

    def cast(self, value: float) -> int | float:
        """Convert a value to the input's type.

        Args:
            value: A value of the input.

        Returns:
            ``int`` for integer inputs, else ``float``.
        """
        return int(round(value)) if self.integer else float(value)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment, ready to run.

    Attributes:
        spec: The file's contents.
        path: The experiment file.
        text: The file's text (kept in every manifest).
        scenario_path: The resolved scenario file.
        facts: What was checked about the scenario.
        inputs: Validated inputs, in file order.
    """

    spec: ExperimentSpec
    path: Path
    text: str
    scenario_path: Path
    facts: ScenarioFacts
    inputs: tuple[Input, ...]

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.spec.name

    @property
    def digest(self) -> str:
        """SHA-256 of the experiment file's text."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    def base_overrides(self) -> dict[str, Any]:
        """Scenario overrides applied to every run (the experiment's ``steps`` and ``fixed``).

        Returns:
            Key path -> value, in :func:`sim.scenario.load_scenario`'s ``overrides`` form.
        """
        overrides: dict[str, Any] = dict(self.spec.fixed)
        if self.spec.steps is not None:
            overrides["steps"] = self.spec.steps
        return overrides

    def outcome(self, name: str) -> OutcomeSpec:
        """The outcome of a name.

        Args:
            name: Outcome name.

        Returns:
            Its spec.
        """
        return next(o for o in self.spec.outcomes if o.name == name)

    def input(self, name: str) -> Input:
        """The input of a key path.

        Args:
            name: Input key path.

        Returns:
            The input.
        """
        return next(i for i in self.inputs if i.name == name)


def _location(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _pydantic_message(error: ValidationError, model: type[BaseModel], raw: Any) -> str:
    """The first error of a pydantic validation as 'key path: expected ..., found ...'."""
    first = error.errors()[0]
    loc = [p for p in first["loc"] if not (isinstance(p, str) and p.startswith(("function-", "tagged")))]
    where = _location(loc)
    if first["type"] == "extra_forbidden":
        parent = raw
        valid: list[str] = list(model.model_fields)
        fields = model.model_fields
        for part in loc[:-1]:
            parent = parent[part]
            if isinstance(part, str):
                annotation = fields[part].annotation
                inner = getattr(annotation, "__args__", (annotation,))
                sub = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
                if sub is not None:
                    fields = sub.model_fields
                    valid = list(fields)
        key = str(loc[-1])
        return f"{where}: unknown key {key!r}{nearest(key, valid)}; valid keys are {', '.join(valid)}"
    if first["type"] == "missing":
        return f"{where}: missing required key"
    if first["type"] == "value_error":
        message = str(first["ctx"]["error"]) if "ctx" in first else first["msg"]
        return message if where == "(top level)" else f"{where}: {message}"
    found = first.get("input")
    return f"{where}: expected {first['msg'].lower().removeprefix('input should be ')}, found {found!r}"


def find_shipped(name_or_path: str | Path, directory: Path, kind: str, error: type[UserError]) -> Path:
    """Resolve a shipped file's name (``name`` or ``name.toml`` in ``directory``) or a path to a TOML file.

    Args:
        name_or_path: A shipped name or a path.
        directory: Where the shipped files are.
        kind: What they are, for the message (``experiment``, ``calibration``).
        error: The error class to raise.

    Returns:
        The file.

    Raises:
        UserError: Of class ``error``, if neither exists, naming the nearest shipped file.
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = directory / f"{path.stem if path.suffix == '.toml' else name_or_path}.toml"
    if shipped.is_file() and path.parent == Path("."):
        return shipped
    names = sorted(p.stem for p in directory.glob("*.toml"))
    raise error(f"{name_or_path}: no such {kind} file{nearest(path.stem, names)}; "
                f"shipped {kind}s are {', '.join(names) or '(none)'}")


def find_experiment(name_or_path: str | Path) -> Path:
    """Resolve a shipped experiment name or a path to its file.

    Args:
        name_or_path: ``openness_vs_dependence`` or a path to a TOML file.

    Returns:
        The file.

    Raises:
        ExperimentError: If neither exists, naming the nearest shipped experiment.
    """
    return find_shipped(name_or_path, EXPERIMENT_DIR, "experiment", ExperimentError)


def parse_spec(text: str, where: str) -> ExperimentSpec:
    """Parse and structurally validate an experiment file's text.

    Args:
        text: TOML text.
        where: File name for messages.

    Returns:
        The spec.

    Raises:
        ExperimentError: On invalid TOML or structure.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ExperimentError(f"{where}: not valid TOML: {error}") from None
    try:
        return ExperimentSpec.model_validate(raw)
    except ValidationError as error:
        raise ExperimentError(f"{where}: {_pydantic_message(error, ExperimentSpec, raw)}") from None


def resolve_scenario_path(value: str, experiment_path: Path) -> Path:
    """Resolve the experiment's ``scenario`` entry.

    Args:
        value: A path (relative to the experiment file) or a shipped scenario name.
        experiment_path: The experiment file.

    Returns:
        The scenario file.
    """
    from sim.scenario import find_scenario

    relative = experiment_path.parent / value
    if relative.is_file():
        return relative.resolve()
    return Path(find_scenario(value)).resolve()


def validate(spec: ExperimentSpec, facts: ScenarioFacts, where: str) -> tuple[Input, ...]:
    """Check an experiment's meaning against its scenario.

    Args:
        spec: The parsed experiment.
        facts: The base scenario.
        where: File name for messages.

    Returns:
        The validated inputs.

    Raises:
        ExperimentError: Naming the file, key path, expected, found and nearest name.
    """

    def fail(path: str, message: str) -> ExperimentError:
        return ExperimentError(f"{where}: {path}: {message}")

    for key, value in spec.fixed.items():
        if key == "steps":
            raise fail("fixed.steps", "set the horizon with the top-level key 'steps'")
        try:
            target = resolve_target(key, facts)
        except ValueError as error:
            raise fail(f"fixed.{key}", str(error)) from None
        _check_range(target, [value], lambda message, k=key: fail(f"fixed.{k}", message))
    inputs = tuple(_validate_input(spec, index, facts, fail) for index in range(len(spec.inputs)))
    _validate_design(spec, fail)
    names = [i.name for i in inputs]
    last_year = facts.base_year + facts.steps
    for index, outcome in enumerate(spec.outcomes):
        path = f"outcomes[{index}]"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", outcome.name) or outcome.name in RESERVED_COLUMNS:
            raise fail(f"{path}.name", f"expected an identifier other than {', '.join(RESERVED_COLUMNS)}, "
                                       f"found {outcome.name!r}")
        if outcome.name in names:
            raise fail(f"{path}.name", f"{outcome.name!r} is also an input's name")
        if outcome.metric not in facts.metrics:
            raise fail(f"{path}.metric", f"unknown metric {outcome.metric!r}"
                                         f"{nearest(outcome.metric, facts.metrics)}; metrics are the "
                                         f"model_frame columns: {', '.join(facts.metrics)}")
        if outcome.window is not None:
            if outcome.stat != "mean":
                raise fail(f"{path}.window", f"a window applies to stat = 'mean' only, found stat = "
                                             f"{outcome.stat!r}")
            first, last = outcome.window
            if not facts.base_year <= first <= last <= last_year:
                raise fail(f"{path}.window", f"expected [first_year, last_year] within "
                                             f"{facts.base_year}-{last_year}, found {list(outcome.window)}")
    outcomes = {o.name: o for o in spec.outcomes}
    for index, plot in enumerate(spec.plots):
        _validate_plot(spec, plot, f"plots[{index}]", outcomes, names, fail)
    return inputs


def _validate_input(spec: ExperimentSpec, index: int, facts: ScenarioFacts, fail: Any) -> Input:
    item = spec.inputs[index]
    path = f"inputs[{index}]"
    if item.name == "seed":
        raise fail(f"{path}.name", "'seed' cannot be an input: every run's seed is derived from the "
                                   "experiment's root seed; use replications")
    if item.name in spec.fixed:
        raise fail(f"{path}.name", f"{item.name!r} is also set in [fixed]")
    try:
        target = resolve_target(item.name, facts)
    except ValueError as error:
        raise fail(f"{path}.name", str(error)) from None
    integer = item.integer or target.integer
    if spec.design.type == "grid":
        if item.values is None or item.low is not None or item.high is not None:
            raise fail(path, "a grid design expects 'values = [...]' (and no low/high), found "
                             f"values={item.values!r}, low={item.low!r}, high={item.high!r}")
        if not item.values:
            raise fail(f"{path}.values", "expected at least one value, found []")
        if len(set(item.values)) != len(item.values):
            raise fail(f"{path}.values", f"expected distinct values, found {item.values}")
        if integer and any(int(v) != v for v in item.values):
            raise fail(f"{path}.values", f"expected whole numbers, found {item.values}")
        _check_range(target, item.values, lambda message: fail(f"{path}.values", message))
        values = tuple(float(v) for v in item.values)
        low, high = min(values), max(values)
    else:
        if item.low is None or item.high is None or item.values is not None:
            raise fail(path, f"a {spec.design.type} design expects 'low' and 'high' (and no values), "
                             f"found values={item.values!r}, low={item.low!r}, high={item.high!r}")
        if not item.low < item.high:
            raise fail(path, f"expected low < high, found low={item.low!r}, high={item.high!r}")
        if integer and (int(item.low) != item.low or int(item.high) != item.high):
            raise fail(path, f"expected whole-number bounds, found low={item.low!r}, high={item.high!r}")
        _check_range(target, [item.low, item.high], lambda message: fail(path, message))
        values, low, high = (), float(item.low), float(item.high)
    return Input(item.name, values, low, high, integer, target.doc)


def _check_range(target: InputTarget, values: Iterable[float], fail: Any) -> None:
    for value in values:
        low, high = target.low, target.high
        below = low is not None and (value <= low if target.open_low else value < low)
        above = high is not None and (value >= high if target.open_high else value > high)
        if below or above:
            low = "-inf" if target.low is None else f"{target.low:g}"
            high = "inf" if target.high is None else f"{target.high:g}"
            interval = f"{'(' if target.open_low else '['}{low}, {high}{')' if target.open_high else ']'}"
            raise fail(f"expected values in {interval} ({target.doc}), found {value!r}")


def _validate_design(spec: ExperimentSpec, fail: Any) -> None:
    design = spec.design
    if design.type == "grid":
        for key in ("samples",):
            if getattr(design, key) is not None:
                raise fail(f"design.{key}", "a grid takes its points from each input's values; "
                                            f"remove {key}")
        return
    if design.samples is None:
        meaning = {"lhs": "number of points", "sobol": "number of base samples (a power of 2)",
                   "morris": "number of trajectories"}[design.type]
        raise fail("design.samples", f"a {design.type} design expects samples = N ({meaning}), found nothing")
    if design.type == "sobol" and design.samples & (design.samples - 1):
        below = 1 << (design.samples.bit_length() - 1)
        raise fail("design.samples", f"Sobol' sampling expects a power of 2, found {design.samples} "
                                     f"(nearest: {below} or {below * 2})")
    if design.type == "morris" and design.levels % 2:
        raise fail("design.levels", f"Morris sampling expects an even number of levels, "
                                    f"found {design.levels}")
    if design.type in ("sobol", "morris") and design.samples < 2:
        raise fail("design.samples", f"{design.type} analysis needs at least 2 samples, "
                                     f"found {design.samples}")


def _validate_plot(spec: ExperimentSpec, plot: PlotSpec, path: str, outcomes: Mapping[str, OutcomeSpec],
                   names: list[str], fail: Any) -> None:
    if plot.outcome not in outcomes:
        raise fail(f"{path}.outcome", f"unknown outcome {plot.outcome!r}{nearest(plot.outcome, outcomes)}")
    series = outcomes[plot.outcome].stat == "series"
    if (plot.kind == "series") != series:
        expected = "a series outcome" if plot.kind == "series" else "a final or mean outcome"
        raise fail(f"{path}.outcome", f"a {plot.kind} plot expects {expected}, found {plot.outcome!r} "
                                      f"(stat = {outcomes[plot.outcome].stat!r})")
    needs = {"heatmap": ("x", "y"), "line": ("x",), "series": (), "indices": ()}[plot.kind]
    for key in ("x", "y", "by"):
        value = getattr(plot, key)
        if value is None:
            if key in needs:
                raise fail(f"{path}.{key}", f"a {plot.kind} plot expects {key} = an input name, "
                                            "found nothing")
            continue
        if key not in needs and not (key == "by" and plot.kind == "line"):
            raise fail(f"{path}.{key}", f"a {plot.kind} plot takes no {key}")
        if value not in names:
            raise fail(f"{path}.{key}", f"unknown input {value!r}{nearest(value, names)}; inputs are "
                                        f"{', '.join(names)}")
    if plot.kind in ("heatmap", "line") and spec.design.type != "grid":
        raise fail(f"{path}.kind", f"{plot.kind} plots need a grid design, found {spec.design.type!r}")
    if plot.kind == "indices" and spec.design.type not in ("sobol", "morris"):
        raise fail(f"{path}.kind", f"indices plots need a sobol or morris design, found {spec.design.type!r}")


def scenario_facts(scenario: Any) -> ScenarioFacts:
    """Collect what validation needs from a loaded scenario (one model construction).

    Args:
        scenario: A :class:`sim.scenario.Scenario`.

    Returns:
        The facts, with the model frame's columns taken from a model built from
        the scenario (construction only, no step).
    """
    from sim import QuantumWorld

    model = QuantumWorld(**{**scenario.model_kwargs(), "collect_agents": False}, seed=0)
    return ScenarioFacts(
        iso3=tuple(str(code) for code in model.iso3),
        attributes=tuple(ATTRIBUTES),
        events=tuple(dict(event) for event in scenario.events),
        base_year=int(model.base_year),
        steps=int(scenario.steps),
        metrics=tuple(name for name in model.metrics if name != "year"),
    )


def load_experiment(name_or_path: str | Path) -> Experiment:
    """Load and fully validate an experiment file.

    Args:
        name_or_path: A shipped experiment name or a path.

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: On any problem with the experiment (file, key path, expected,
            found, nearest name).
        sim.scenario.ScenarioError: On a problem with the scenario it names.
    """
    from sim.scenario import load_scenario

    path = find_experiment(name_or_path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExperimentError(f"{where}: cannot read the file: {error}") from None
    spec = parse_spec(text, where)
    try:
        scenario_path = resolve_scenario_path(spec.scenario, path)
    except UserError as error:
        raise ExperimentError(f"{where}: scenario: {error}") from None
    try:
        scenario = load_scenario(scenario_path, overrides={} if spec.steps is None else {"steps": spec.steps})
    except UserError as error:
        raise ExperimentError(f"{where}: scenario {spec.scenario!r}: {error}") from None
    facts = scenario_facts(scenario)
    inputs = validate(spec, facts, where)
    experiment = Experiment(spec, path.resolve(), text, scenario_path, facts, inputs)
    _check_with_scenario(experiment)
    return experiment


def _check_with_scenario(experiment: Experiment) -> None:
    """Let the scenario validate every extreme input value (catches what only it knows).

    Each input's smallest and largest values are applied alone on top of the
    fixed overrides; combinations are checked at run time (a run the model
    rejects is recorded as failed).
    """
    from sim.scenario import load_scenario

    base = experiment.base_overrides()
    try:
        load_scenario(experiment.scenario_path, overrides=base)
    except UserError as error:
        raise ExperimentError(f"{experiment.path}: fixed: {error}") from None
    for index, item in enumerate(experiment.inputs):
        for value in (item.low, item.high):
            try:
                load_scenario(experiment.scenario_path, overrides={**base, item.name: item.cast(value)})
            except UserError as error:
                raise ExperimentError(
                    f"{experiment.path}: inputs[{index}] ({item.name} = {item.cast(value)!r}): {error}"
                ) from None
