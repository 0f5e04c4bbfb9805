"""Calibration files: TOML in, a validated :class:`Calibration` out.

A calibration file is data only (read with :mod:`tomllib`)::

    name = "history"
    scenario = "history"         # a shipped scenario name, or a path relative to this file
    seed = 20190102              # root seed: particle i of generation t gets seeds derived from it
    population = 200             # particles per generation
    generations = 8              # most generations (and/or min_epsilon = tolerance,
                                 # min_acceptance = lowest acceptance rate worth a generation)
    distance = "euclidean"       # or "manhattan": over (simulated - observed) / sigma

    [[parameters]]
    name = "signing_rate"
    prior = "uniform"            # uniform | loguniform (low, high) | normal (mean, sd; low, high)
    low = 0.1
    high = 1.0

    [[targets]]
    name = "signed_science_2021"
    statistic = "signed_pairs"   # a statistic of sim.experiments.calibration.targets.STATISTICS
    year = 2021
    kind = "science"             # the statistic's arguments
    observed = 10
    sigma = 3.3

:func:`load_calibration` validates the structure (pydantic), then the meaning: parameter
names and prior bounds against :data:`sim.model.parameters.PARAMETERS`, statistics and their
arguments, target years against the scenario's horizon and the calibration window (a
statistic of partnerships dated after :data:`sim.world.agreements.CALIBRATION_END` is an error).
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from sim.base.errors import UserError
from sim.base.paths import PROJECT_ROOT
from sim.base.suggest import did_you_mean
from sim.base.tomltext import parse_toml
from sim.experiments.calibration.targets import PARTNER_KINDS, STATISTICS, Target, TargetContext
from sim.inputs.experiment import find_shipped, resolve_scenario_path
from sim.inputs.scenario import Scenario, load_scenario
from sim.inputs.validation import StrictModel, file_message
from sim.model.parameters import PARAMETERS
from sim.world.agreements import CALIBRATION_END, VALIDATION_YEARS, calibration_rows, load_agreements
from sim.world.data import agreements_path, load_world

CALIBRATION_DIR = PROJECT_ROOT / "calibrations"
"""Directory of the shipped calibration files."""

ESTIMABLE: tuple[str, ...] = tuple(p for p in PARAMETERS if p not in ("steps", "n_countries")
                                   and not PARAMETERS[p].integer)
"""Parameters a calibration may estimate (continuous model parameters)."""

Number = int | float


class CalibrationError(UserError, ValueError):
    """A calibration file that is not valid: names the file, key path, expected and found."""


class PriorSpec(StrictModel):
    """One parameter to estimate and its prior.

    Attributes:
        name: A parameter of :data:`sim.model.parameters.PARAMETERS`.
        prior: ``uniform`` or ``loguniform`` on [low, high]; ``normal`` (mean, sd) truncated to
            [low, high] (default: the parameter's valid range).
        low: Lower bound.
        high: Upper bound.
        mean: Mean of a normal prior.
        sd: Standard deviation of a normal prior.
    """

    name: str
    prior: Literal["uniform", "loguniform", "normal"]
    low: Number | None = None
    high: Number | None = None
    mean: Number | None = None
    sd: Annotated[float, Field(gt=0)] | None = None


class TargetSpec(StrictModel):
    """One target: a statistic at a year, its observed value and uncertainty.

    Attributes:
        name: Name (an identifier, unique).
        statistic: A statistic of :data:`sim.experiments.calibration.targets.STATISTICS`.
        year: Year at whose end the statistic is read.
        observed: Observed value.
        sigma: Its uncertainty (> 0), the scale of the target in the distance.
        source: Where the observed value comes from.
        kind: Argument of partnership statistics.
        camps: Two camps (argument of ``signed_pairs`` and ``talks_pairs``).
        country: ISO3 code (argument of ``signed_partners``).
    """

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    statistic: str
    year: int
    observed: float
    sigma: Annotated[float, Field(gt=0)]
    source: str = ""
    kind: str | None = None
    camps: tuple[str, str] | None = None
    country: str | None = None


class CalibrationSpec(StrictModel):
    """The contents of a calibration file (structure only; see :func:`load_calibration`).

    Attributes:
        name: Calibration name (names the default output directory).
        description: What is estimated, from what.
        scenario: Shipped scenario name or path (relative to the file).
        seed: Root seed.
        population: Particles per generation.
        generations: Most generations.
        min_epsilon: Stop once a generation's epsilon is at most this (tolerance).
        min_acceptance: Stop when a generation's acceptance rate would fall below this: it is given at
            most ``population / min_acceptance`` proposals, and is not kept if they are not enough.
        quantile: Quantile of the last generation's distances that sets the next epsilon.
        distance: ``euclidean`` or ``manhattan`` over the standardised differences.
        parameters: The parameters to estimate.
        targets: The targets.
    """

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    scenario: str = "history"
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    population: Annotated[int, Field(ge=2, le=100_000)]
    generations: Annotated[int, Field(ge=1, le=1000)] = 10
    min_epsilon: Annotated[float, Field(ge=0)] = 0.0
    min_acceptance: Annotated[float, Field(ge=0, lt=1)] = 0.0
    quantile: Annotated[float, Field(gt=0, lt=1)] = 0.5
    distance: Literal["euclidean", "manhattan"] = "euclidean"
    parameters: Annotated[list[PriorSpec], Field(min_length=1)]
    targets: Annotated[list[TargetSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_names(self) -> CalibrationSpec:
        for label, names in (("parameters", [p.name for p in self.parameters]),
                             ("targets", [t.name for t in self.targets])):
            seen: set[str] = set()
            for index, name in enumerate(names):
                if name in seen:
                    raise ValueError(f"{label}[{index}].name: {name!r} is given twice")
                seen.add(name)
        return self


@dataclass(frozen=True)
class Prior:
    """A validated prior.

    Attributes:
        name: The parameter.
        kind: ``uniform``, ``loguniform`` or ``normal``.
        low: Lower bound of its support.
        high: Upper bound of its support.
        mean: Mean (normal only).
        sd: Standard deviation (normal only).
    """

    name: str
    kind: str
    low: float
    high: float
    mean: float | None = None
    sd: float | None = None


@dataclass(frozen=True)
class Calibration:
    """A validated calibration, ready to run.

    Attributes:
        spec: The file's contents.
        path: The file.
        text: Its text (kept in the manifest).
        scenario: The resolved scenario.
        priors: The priors, in file order.
        targets: The targets, in file order.
    """

    spec: CalibrationSpec
    path: Path
    text: str
    scenario: Scenario
    priors: tuple[Prior, ...]
    targets: tuple[Target, ...]

    @property
    def name(self) -> str:
        """The calibration's name."""
        return self.spec.name

    @property
    def digest(self) -> str:
        """SHA-256 of the file's text."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def observed(self) -> dict[str, float]:
        """Target name -> observed value."""
        return {target.name: target.observed for target in self.targets}


def find_calibration(name_or_path: str | Path) -> Path:
    """Resolve a shipped calibration name or a path to its file.

    Args:
        name_or_path: ``history`` or a path to a TOML file.

    Returns:
        The file.

    Raises:
        CalibrationError: If neither exists, naming the nearest shipped calibration.
    """
    return find_shipped(name_or_path, CALIBRATION_DIR, "calibration", CalibrationError)


def _prior(item: PriorSpec, fail: Any) -> Prior:
    """Check one prior against its parameter's valid range."""
    if item.name not in ESTIMABLE:
        why = (" (a whole-number or structural parameter cannot be estimated)" if item.name in PARAMETERS
               else "")
        raise fail("name", f"expected a continuous model parameter, found {item.name!r}{why}"
                           f"{did_you_mean(item.name, ESTIMABLE)}")
    spec = PARAMETERS[item.name]
    if item.prior == "normal":
        if item.mean is None or item.sd is None:
            raise fail("prior", f"a normal prior expects mean and sd, found mean={item.mean!r}, "
                                f"sd={item.sd!r}")
        low = spec.low if item.low is None else float(item.low)
        high = spec.high if item.high is None else float(item.high)
    else:
        if item.low is None or item.high is None or item.mean is not None or item.sd is not None:
            raise fail("prior", f"a {item.prior} prior expects low and high (and no mean or sd), found "
                                f"low={item.low!r}, high={item.high!r}, mean={item.mean!r}, sd={item.sd!r}")
        low, high = float(item.low), float(item.high)
    for key, value in (("low", low), ("high", high)):
        if not spec.contains(value):
            raise fail(key, f"expected a bound inside the parameter's valid range {spec.interval()} "
                            f"({spec.unit}), found {value:g}")
    if not low < high:
        raise fail("low", f"expected low < high, found low={low:g}, high={high:g}")
    if item.prior == "loguniform" and low <= 0:
        raise fail("low", f"a log-uniform prior expects low > 0, found {low:g}")
    if item.prior == "normal":
        if not low <= float(item.mean) <= high:
            raise fail("mean", f"expected a mean inside [{low:g}, {high:g}], found {item.mean!r}")
        return Prior(item.name, "normal", low, high, float(item.mean), float(item.sd))
    return Prior(item.name, item.prior, low, high)


def _target(item: TargetSpec, scenario: Scenario, iso3: tuple[str, ...], blocs: tuple[str, ...],
            recorded: Any, fail: Any) -> Target:
    """Check one target against the statistics, the scenario and the calibration window."""
    if item.statistic not in STATISTICS:
        hint = did_you_mean(item.statistic, STATISTICS)
        raise fail("statistic", f"unknown statistic {item.statistic!r}{hint}; "
                                f"statistics are {', '.join(STATISTICS)}")
    statistic = STATISTICS[item.statistic]
    first, last = scenario.base_year, scenario.end_year
    if not first <= item.year <= last:
        raise fail("year", f"expected a year the scenario covers ({first}-{last}), found {item.year}")
    if statistic.partnerships and item.year > CALIBRATION_END:
        raise fail("year", f"statistic {item.statistic!r} counts partnerships, which are compared with "
                           f"agreements: expected a year of the calibration window ({CALIBRATION_END} or "
                           f"earlier; the agreements of {VALIDATION_YEARS[0]}-{VALIDATION_YEARS[-1]} are the "
                           f"hindcast's test), found {item.year}")
    if item.year > VALIDATION_YEARS[-1]:
        raise fail("year", f"expected a year of the calibration window (budgets, programmes, controls and "
                           f"sanctions to {VALIDATION_YEARS[-1]}), found {item.year}")
    arguments: dict[str, Any] = {}
    for key in ("kind", "camps", "country"):
        value = getattr(item, key)
        if value is None:
            if key in statistic.arguments and key not in statistic.optional:
                raise fail(key, f"statistic {item.statistic!r} expects {key} = ..., found nothing")
            continue
        if key not in statistic.arguments:
            raise fail(key, f"statistic {item.statistic!r} takes no {key}"
                            + (f" (its arguments: {', '.join(statistic.arguments)})" if statistic.arguments
                               else ""))
        if key == "kind" and value not in PARTNER_KINDS:
            raise fail(key, f"expected one of {', '.join(PARTNER_KINDS)}, found {value!r}"
                            f"{did_you_mean(value, PARTNER_KINDS)}")
        if key == "country" and value not in iso3:
            raise fail(key, f"expected an ISO3 code of the scenario's data, found {value!r}"
                            f"{did_you_mean(value, iso3)}")
        if key == "camps":
            for camp in value:
                if camp not in blocs:
                    raise fail(key, f"expected camps among {', '.join(blocs)}, found {camp!r}"
                                    f"{did_you_mean(camp, blocs)}")
            value = list(value)
        arguments[key] = value
    context = TargetContext()
    if item.statistic == "recorded_pairs_held":
        if recorded is None:
            raise fail("statistic", "the scenario's data have no agreements file to count recorded pairs in")
        context = TargetContext(frozenset(calibration_rows(recorded, until=item.year)["pair"]))
    if not math.isfinite(item.observed):
        raise fail("observed", f"expected a finite number, found {item.observed!r}")
    return Target(item.name, item.statistic, item.year, arguments, float(item.observed), float(item.sigma),
                  context)


def parse_spec(text: str, where: str) -> CalibrationSpec:
    """Parse and structurally validate a calibration file's text.

    Args:
        text: TOML text.
        where: File name for messages.

    Returns:
        The spec.

    Raises:
        CalibrationError: On invalid TOML or structure.
    """
    try:
        raw = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise CalibrationError(f"{where}: not valid TOML: {error}") from None
    try:
        return CalibrationSpec.model_validate(raw)
    except ValidationError as error:
        raise CalibrationError(f"{where}: {file_message(error, CalibrationSpec)}") from None


def load_calibration(name_or_path: str | Path) -> Calibration:
    """Load and fully validate a calibration file.

    Args:
        name_or_path: A shipped calibration name or a path.

    Returns:
        The validated calibration.

    Raises:
        CalibrationError: On any problem (file, key path, expected, found, nearest name).
    """
    path = find_calibration(name_or_path)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CalibrationError(f"{where}: cannot read the file: {error}") from None
    spec = parse_spec(text, where)
    try:
        scenario = load_scenario(resolve_scenario_path(spec.scenario, path))
    except UserError as error:
        raise CalibrationError(f"{where}: scenario {spec.scenario!r}: {error}") from None
    priors = []
    for index, item in enumerate(spec.parameters):
        def fail(key: str, message: str, index: int = index) -> CalibrationError:
            return CalibrationError(f"{where}: parameters[{index}].{key}: {message}")
        priors.append(_prior(item, fail))
    world = load_world(scenario.data)
    agreements = agreements_path(scenario.data)
    recorded = None if agreements is None else load_agreements(agreements, world.iso3)
    blocs = tuple(sorted(set(world.bloc.tolist())))
    targets = []
    for index, item in enumerate(spec.targets):
        def fail(key: str, message: str, index: int = index) -> CalibrationError:
            return CalibrationError(f"{where}: targets[{index}].{key}: {message}")
        targets.append(_target(item, scenario, world.iso3, blocs, recorded, fail))
    return Calibration(spec, path.resolve(), text, scenario, tuple(priors), tuple(targets))
