"""Experiment files: what to vary, how to sample it, what to keep.

An experiment is declarative data (a TOML file in ``experiments/``), in the
spirit of NetLogo's BehaviorSpace and the EMA Workbench: it names the scenario
it starts from, the *inputs* to vary (scenario key paths such as
``params.dependence_weight``, ``countries.VNM.dependence_aversion`` or
``events[0].year``), the *design* that picks their values, the replications per
design point and the *outcomes* to keep::

    name = "openness_vs_dependence"
    scenario = "baseline"          # a shipped scenario name, or a path relative to this file
    seed = 20250101                # root seed: run k gets sim.base.seeds.derive_seed(seed, k)
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

:func:`load_experiment` validates the file with pydantic in two passes: first
on its own (types, and the rules that need nothing but the file: design, outcome
names, plots), then with the scenario's facts as validation context (key paths,
ranges, metrics, windows; one trial model of the scenario gives the facts). It
reports the first problem with the file, key path, what was expected, what was
found and the nearest valid name.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, model_validator

from sim.base.bounds import Bounds
from sim.base.errors import UserError
from sim.base.paths import NAME_PATTERN, PROJECT_ROOT
from sim.base.suggest import did_you_mean
from sim.base.tomltext import parse_toml
from sim.inputs import keypath
from sim.inputs.validation import StrictModel, file_message
from sim.world.data import ATTRIBUTES

EXPERIMENT_DIR = PROJECT_ROOT / "experiments"
"""Directory of the shipped experiments."""

RESERVED_COLUMNS: tuple[str, ...] = ("run", "point", "replication", "seed", "step", "year")
"""Column names of the result tables that outcomes cannot take."""

Number = int | float


class ExperimentError(UserError, ValueError):
    """An experiment file that is not valid: names the file, key path, expected and found."""


class DesignSpec(StrictModel):
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


class InputSpec(StrictModel):
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


class OutcomeSpec(StrictModel):
    """One outcome kept from every run.

    Attributes:
        name: Column name in the result tables.
        metric: A column of :func:`sim.output.frames.model_frame`.
        stat: ``final`` (last year), ``mean`` (over ``window``) or ``series`` (every year).
        window: ``[first_year, last_year]`` of the mean (inclusive); default every year.
    """

    name: str
    metric: str
    stat: Literal["final", "mean", "series"] = "final"
    window: tuple[int, int] | None = None


class PlotSpec(StrictModel):
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


class ExperimentSpec(StrictModel):
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

    name: Annotated[str, Field(min_length=1, pattern=NAME_PATTERN)]
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

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> ExperimentSpec:
        """The experiment's rules; those that need the scenario get its facts as validation context.

        Context ``{"facts": ScenarioFacts}``: every rule, in the file's order (fixed values,
        inputs, design, outcomes, plots); the validated inputs are left in the context under
        ``"inputs"``. No context: the rules that need nothing but the file (design, outcome
        names, plots). Context ``{"facts": None}``: types only (to find the scenario first).
        """
        context = info.context or {}
        if context.get("facts") is not None:
            context["inputs"] = _validate_meaning(self, context["facts"])
        elif "facts" not in context:
            _validate_design(self, _fail)
            _validate_outcomes(self, None, _fail)
            _validate_plots(self, _fail)
        return self


def _fail(path: str, message: str) -> ExperimentError:
    """The error for a key path of the file (the file's name is added by :func:`parse_spec`)."""
    return ExperimentError(f"{path}: {message}")


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
    facts: keypath.ScenarioFacts
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
            Key path -> value, in :func:`sim.inputs.scenario.load_scenario`'s ``overrides`` form.
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
    raise error(f"{name_or_path}: no such {kind} file{did_you_mean(path.stem, names)}; "
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


def parse_spec(
    text: str, where: str, facts: keypath.ScenarioFacts | None = None
) -> tuple[ExperimentSpec, tuple[Input, ...]]:
    """Parse and validate an experiment file's text: its structure, and its meaning if ``facts`` are given.

    Args:
        text: TOML text.
        where: File name for messages.
        facts: The base scenario, to check the key paths, ranges and metrics against; None to
            check the file alone; False to check its types only (to read its scenario first).

    Returns:
        The spec, and the validated inputs (empty without ``facts``).

    Raises:
        ExperimentError: On invalid TOML, structure or meaning.
    """
    try:
        raw = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise ExperimentError(f"{where}: not valid TOML: {error}") from None
    context: dict[str, Any] = {} if facts is None else {"facts": facts or None}
    try:
        spec = ExperimentSpec.model_validate(raw, context=context)
    except ValidationError as error:
        raise ExperimentError(f"{where}: {file_message(error, ExperimentSpec)}") from None
    return spec, context.get("inputs", ())


def resolve_scenario_path(value: str, experiment_path: Path) -> Path:
    """Resolve the experiment's ``scenario`` entry.

    Args:
        value: A path (relative to the experiment file) or a shipped scenario name.
        experiment_path: The experiment file.

    Returns:
        The scenario file.
    """
    from sim.inputs.scenario import find_scenario

    relative = experiment_path.parent / value
    if relative.is_file():
        return relative.resolve()
    return Path(find_scenario(value)).resolve()


def _validate_meaning(spec: ExperimentSpec, facts: keypath.ScenarioFacts) -> tuple[Input, ...]:
    """Check an experiment's key paths, ranges, metrics and windows against its scenario.

    Args:
        spec: The experiment, checked on its own already.
        facts: The base scenario.

    Returns:
        The validated inputs.

    Raises:
        ExperimentError: Naming the key path, expected, found and nearest name.
    """
    fail = _fail
    for key, value in spec.fixed.items():
        if key == "steps":
            raise fail("fixed.steps", "set the horizon with the top-level key 'steps'")
        try:
            target = keypath.resolve(key, facts)
        except keypath.KeyPathError as error:
            raise fail(f"fixed.{key}", str(error)) from None
        _check_range(target, [value], lambda message, k=key: fail(f"fixed.{k}", message))
    inputs = tuple(_validate_input(spec, index, facts, fail) for index in range(len(spec.inputs)))
    _validate_design(spec, fail)
    _validate_outcomes(spec, facts, fail)
    _validate_plots(spec, fail)
    return inputs


def _validate_outcomes(spec: ExperimentSpec, facts: keypath.ScenarioFacts | None, fail: Any) -> None:
    """Outcome names and windows; with ``facts``, also their metrics and the window's years."""
    names = [i.name for i in spec.inputs]
    for index, outcome in enumerate(spec.outcomes):
        path = f"outcomes[{index}]"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", outcome.name) or outcome.name in RESERVED_COLUMNS:
            raise fail(f"{path}.name", f"expected an identifier other than {', '.join(RESERVED_COLUMNS)}, "
                                       f"found {outcome.name!r}")
        if outcome.name in names:
            raise fail(f"{path}.name", f"{outcome.name!r} is also an input's name")
        if facts is not None and outcome.metric not in facts.metrics:
            raise fail(f"{path}.metric", f"unknown metric {outcome.metric!r}"
                                         f"{did_you_mean(outcome.metric, facts.metrics)}; metrics are the "
                                         f"model_frame columns: {', '.join(facts.metrics)}")
        if outcome.window is not None:
            if outcome.stat != "mean":
                raise fail(f"{path}.window", f"a window applies to stat = 'mean' only, found stat = "
                                             f"{outcome.stat!r}")
            first, last = outcome.window
            if facts is not None and not facts.base_year <= first <= last <= facts.base_year + facts.steps:
                raise fail(f"{path}.window", f"expected [first_year, last_year] within "
                                             f"{facts.base_year}-{facts.base_year + facts.steps}, "
                                             f"found {list(outcome.window)}")


def _validate_plots(spec: ExperimentSpec, fail: Any) -> None:
    outcomes = {o.name: o for o in spec.outcomes}
    names = [i.name for i in spec.inputs]
    for index, plot in enumerate(spec.plots):
        _validate_plot(spec, plot, f"plots[{index}]", outcomes, names, fail)


def _validate_input(spec: ExperimentSpec, index: int, facts: keypath.ScenarioFacts, fail: Any) -> Input:
    item = spec.inputs[index]
    path = f"inputs[{index}]"
    if item.name == "seed":
        raise fail(f"{path}.name", "'seed' cannot be an input: every run's seed is derived from the "
                                   "experiment's root seed; use replications")
    if item.name in spec.fixed:
        raise fail(f"{path}.name", f"{item.name!r} is also set in [fixed]")
    try:
        target = keypath.resolve(item.name, facts)
    except keypath.KeyPathError as error:
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


def _check_range(target: Bounds, values: Iterable[float], fail: Any) -> None:
    for value in values:
        if not target.contains(value):
            raise fail(f"expected {target.expected('values')} ({target.doc}), found {value!r}")


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
        hint = did_you_mean(plot.outcome, outcomes)
        raise fail(f"{path}.outcome", f"unknown outcome {plot.outcome!r}{hint}")
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
            raise fail(f"{path}.{key}", f"unknown input {value!r}{did_you_mean(value, names)}; inputs are "
                                        f"{', '.join(names)}")
    if plot.kind in ("heatmap", "line") and spec.design.type != "grid":
        raise fail(f"{path}.kind", f"{plot.kind} plots need a grid design, found {spec.design.type!r}")
    if plot.kind == "indices" and spec.design.type not in ("sobol", "morris"):
        raise fail(f"{path}.kind", f"indices plots need a sobol or morris design, found {spec.design.type!r}")


def scenario_facts(scenario: Any, model: Any) -> keypath.ScenarioFacts:
    """Collect what validation needs from a loaded scenario and its trial model.

    Args:
        scenario: A :class:`sim.inputs.scenario.Scenario`.
        model: Its model, built but not stepped (:func:`sim.inputs.scenario.trial_model`).

    Returns:
        The facts, with the countries and the model frame's columns taken from the model.
    """
    return keypath.ScenarioFacts(
        iso3=tuple(str(code) for code in model.iso3),
        attributes=tuple(ATTRIBUTES),
        events=tuple(dict(event) for event in scenario.events),
        base_year=int(model.base_year),
        steps=int(scenario.steps),
        metrics=tuple(name for name in model.metrics if name != "year"),
    )


def load_experiment(name_or_path: str | Path) -> Experiment:
    """Load and fully validate an experiment file, building the model once.

    Args:
        name_or_path: A shipped experiment name or a path.

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: On any problem with the experiment (file, key path, expected,
            found, nearest name).
        sim.inputs.scenario.ScenarioError: On a problem with the scenario it names.
    """
    from sim.inputs.scenario import load_scenario, trial_model

    path = find_experiment(name_or_path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExperimentError(f"{where}: cannot read the file: {error}") from None
    spec, _ = parse_spec(text, where, facts=False)
    try:
        scenario_path = resolve_scenario_path(spec.scenario, path)
    except UserError as error:
        raise ExperimentError(f"{where}: scenario: {error}") from None
    try:
        scenario = load_scenario(scenario_path, overrides={} if spec.steps is None else {"steps": spec.steps},
                                 trial=False)
        model = trial_model(scenario)
    except UserError as error:
        raise ExperimentError(f"{where}: scenario {spec.scenario!r}: {error}") from None
    facts = scenario_facts(scenario, model)
    spec, inputs = parse_spec(text, where, facts)
    experiment = Experiment(spec, path.resolve(), text, scenario_path, facts, inputs)
    _check_with_scenario(experiment)
    return experiment


def _check_with_scenario(experiment: Experiment) -> None:
    """Let the scenario validate every extreme input value (catches what only it knows).

    Each input's smallest and largest values are applied alone on top of the
    fixed overrides; combinations are checked at run time (a run the model
    rejects is recorded as failed). The inputs cannot change what only a model
    checks (the synthetic world of ``n_countries`` is not an input), so these
    checks need no trial model beyond the one :func:`load_experiment` built.
    """
    from sim.inputs.scenario import load_scenario

    base = experiment.base_overrides()
    try:
        load_scenario(experiment.scenario_path, overrides=base, trial=False)
    except UserError as error:
        raise ExperimentError(f"{experiment.path}: fixed: {error}") from None
    for index, item in enumerate(experiment.inputs):
        for value in (item.low, item.high):
            try:
                overrides = {**base, item.name: item.cast(value)}
                load_scenario(experiment.scenario_path, overrides=overrides, trial=False)
            except UserError as error:
                raise ExperimentError(
                    f"{experiment.path}: inputs[{index}] ({item.name} = {item.cast(value)!r}): {error}"
                ) from None
