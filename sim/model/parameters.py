"""The model's parameters: default, unit, valid range, meaning and explorer slider of each.

This registry is the one place a parameter is described: the model's constructor
takes its defaults from here (:class:`sim.model.quantum_world.QuantumWorld`), scenario files,
experiments and the explorer validate against it, and the JSON schema of scenario
files (:mod:`sim.inputs.schema`) types ``[params]`` from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.base.bounds import Bounds
from sim.base.errors import ParameterError


@dataclass(frozen=True)
class SliderRange:
    """Range an explorer slider covers (a part of the parameter's valid range).

    Attributes:
        low: Smallest value on the slider.
        high: Largest value on the slider (raised to a scenario's value above it).
        step: Slider increment.
    """

    low: float
    high: float
    step: float


@dataclass(frozen=True)
class ParamSpec(Bounds):
    """Default, unit, range and meaning of one numeric model parameter (closed bounds).

    Attributes:
        default: The model's default; None for an optional parameter that is off unless set.
        slider: The explorer's slider for the parameter, if the page has one.
    """

    default: float | int | None = None
    slider: SliderRange | None = None


def _spec(default: float | int | None, unit: str, low: float, high: float, doc: str, *,
          integer: bool = False, slider: SliderRange | None = None) -> ParamSpec:
    return ParamSpec(low=low, high=high, integer=integer, unit=unit, doc=doc, default=default, slider=slider)


PARAMETERS: dict[str, ParamSpec] = {
    "dependence_weight": _spec(1.0, "log points per unit risk", 0.0, 20.0,
        "log points of capability yield a country gives up per unit of "
        "dependence risk; also the penalty on a concentrated foreign portfolio",
        slider=SliderRange(0.0, 10.0, 0.1)),
    "alignment_weight": _spec(0.5, "log points per unit distance", 0.0, 20.0,
        "political distance leaders and providers hold against a partner",
        slider=SliderRange(0.0, 10.0, 0.1)),
    "choice_temperature": _spec(0.3, "log points", 0.0, 10.0,
        "scale of the Gumbel taste shocks (noise of every choice)",
        slider=SliderRange(0.0, 2.0, 0.05)),
    "switching_cost": _spec(1.0, "log points per squared weight change", 0.0, 50.0,
        "inertia of existing portfolios (quadratic cost of changing one)",
        slider=SliderRange(0.0, 10.0, 0.1)),
    "trust_gain": _spec(0.5, "transfer multiplier per unit tie strength", 0.0, 5.0,
        "extra transfer from a partner one already trusts (alliance, nuclear or "
        "energy cooperation)"),
    "science_gain": _spec(0.4, "dimensionless", 0.0, 1.0,
        "knowledge spillover of a science exchange per unit of the geometric mean "
        "of both sides' yearly own output",
        slider=SliderRange(0.0, 0.5, 0.01)),
    "programme_share": _spec(0.1, "share of spending", 0.0, 0.5,
        "share of its spending each side puts into a joint programme"),
    "talks_rate": _spec(1.0, "talks per country per year", 0.0, 1.0,
        "new talks a country opens a year at most, spread over its candidates in "
        "proportion to mutual consent"),
    "signing_rate": _spec(1.0, "per year", 0.0, 1.0,
        "rate at which talks that both sides want, without friction, are signed"),
    "lapse_rate": _spec(0.3, "per year", 0.0, 1.0,
        "rate at which talks that neither side wants lapse"),
    "termination_rate": _spec(0.05, "per year", 0.0, 1.0,
        "rate at which signed agreements that neither side wants end"),
    "build_threshold_usd": _spec(5e7, "USD per year", 1e5, 1e11,
        "critical scale: spending at which own R&D reaches half its "
        "full productivity"),
    "partnership_overhead_usd": _spec(5e5, "USD per year", 1e4, 1e10,
        "spending needed to sustain one partnership"),
    "max_partners": _spec(4, "partners", 1, 20, "most commercial partners any second-wave country keeps",
        integer=True),
    "min_tie_weight": _spec(0.05, "portfolio share", 0.0, 0.5,
        "smallest portfolio weight that counts as a partnership"),
    "disbursement_rate": _spec(0.5, "per year", 0.01, 1.0,
        "speed at which spending closes the gap to the disbursable budget"),
    "depreciation": _spec(0.1, "per year", 0.0, 1.0, "obsolescence rate of the capability stock"),
    "transfer_gain": _spec(0.3, "dimensionless", 0.0, 5.0,
        "extra yield of partnering with a partner ahead of you, per log "
        "capability ratio"),
    "absorptive_half": _spec(2e-3, "capability units", 1e-4, 100.0,
        "capability at which half of a transfer is absorbed"),
    "capability_years": _spec(5.0, "years", 0.0, 50.0,
        "years of current own output that make up the initial stock"),
    "provider_adaptation": _spec(0.05, "per year", 0.0, 1.0,
        "how fast providers adjust openness and price to market share"),
    "control_response": _spec(2.0, "stringency per unit share", 0.0, 100.0,
        "how far leaders tighten controls per unit of rivals' share gain"),
    "denial_response": _spec(1.0, "budget increase per unit of new denial", 0.0, 5.0,
        "how far countries denied technology (beyond the base year) raise "
        "their budgets (1 = doubling at full denial)"),
    "budget_volatility": _spec(0.05, "log-points per year", 0.0, 1.0,
        "standard deviation of yearly announced-budget shocks"),
    "leader_stringency": _spec(None, "index 0-1", 0.0, 1.0,
        "if set, leaders' export-control stringency on their control scope (all "
        "but their exempt club) "
        "at the start (otherwise the data's)",
        slider=SliderRange(0.0, 1.0, 0.05)),
    "steps": _spec(30, "years", 1, 1000, "horizon: number of yearly steps", integer=True),
    "n_countries": _spec(None, "countries", 2, 1_000_000,
        "if set, a synthetic world of this many countries (more than the data's leaders and "
        "providers: at least 24 with the shipped data)", integer=True),
}
"""Every numeric keyword parameter of :class:`sim.model.quantum_world.QuantumWorld`."""


def defaults() -> dict[str, Any]:
    """Return each parameter's default (what the model uses when a parameter is not given).

    Returns:
        Mapping from parameter name to default value.
    """
    return {name: spec.default for name, spec in PARAMETERS.items()}


def check_parameter(name: str, value: Any) -> float | int | None:
    """Validate one parameter value against its spec.

    Args:
        name: Parameter name (a key of :data:`PARAMETERS`).
        value: The value; None is allowed for optional parameters whose default is None.

    Returns:
        The value as int or float (or None).

    Raises:
        ParameterError: Naming the parameter, the expected range and what was found.
    """
    spec = PARAMETERS[name]
    if value is None and spec.default is None:
        return None
    problem = spec.problem(value, "a value")
    if problem is not None:
        raise ParameterError(f"parameter '{name}' {problem}")
    return spec.cast(value)
