"""The model's parameters: unit, valid range and meaning of each.

Defaults live in one place only, the signature of
:class:`sim.model.QuantumWorld`; :func:`defaults` reads them from there. This
table adds what a signature cannot say (unit, range, meaning), and is what
scenario files, experiments and the explorer validate against.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any

from sim.errors import UserError


@dataclass(frozen=True)
class ParamSpec:
    """Unit, range and meaning of one numeric model parameter.

    Attributes:
        unit: Unit of the value.
        low: Smallest valid value (inclusive).
        high: Largest valid value (inclusive).
        doc: One-line meaning.
        integer: Whether the value must be a whole number.
    """

    unit: str
    low: float
    high: float
    doc: str
    integer: bool = False


PARAMETERS: dict[str, ParamSpec] = {
    "dependence_weight": ParamSpec("log points per unit risk", 0.0, 20.0,
                                   "log points of capability yield a country gives up per unit of "
                                   "dependence risk; also the penalty on a concentrated foreign portfolio"),
    "alignment_weight": ParamSpec("log points per unit distance", 0.0, 20.0,
                                  "political distance leaders and providers hold against a partner"),
    "choice_temperature": ParamSpec("log points", 0.0, 10.0,
                                    "scale of the Gumbel taste shocks (noise of every choice)"),
    "switching_cost": ParamSpec("log points per squared weight change", 0.0, 50.0,
                                "inertia of existing portfolios (quadratic cost of changing one)"),
    "trust_gain": ParamSpec("transfer multiplier per unit tie strength", 0.0, 5.0,
                            "extra transfer from a partner one already trusts (alliance, nuclear or "
                            "energy cooperation)"),
    "science_gain": ParamSpec("dimensionless", 0.0, 1.0,
                              "knowledge spillover of a science exchange per unit of the geometric mean "
                              "of both sides' yearly own output"),
    "programme_share": ParamSpec("share of spending", 0.0, 0.5,
                                 "share of its spending each side puts into a joint programme"),
    "talks_rate": ParamSpec("talks per country per year", 0.0, 1.0,
                            "new talks a country opens a year at most, spread over its candidates in "
                            "proportion to mutual consent"),
    "signing_rate": ParamSpec("per year", 0.0, 1.0,
                              "rate at which talks that both sides want, without friction, are signed"),
    "lapse_rate": ParamSpec("per year", 0.0, 1.0,
                            "rate at which talks that neither side wants lapse"),
    "termination_rate": ParamSpec("per year", 0.0, 1.0,
                                  "rate at which signed agreements that neither side wants end"),
    "build_threshold_usd": ParamSpec("USD per year", 1e5, 1e11,
                                     "critical scale: spending at which own R&D reaches half its "
                                     "full productivity"),
    "partnership_overhead_usd": ParamSpec("USD per year", 1e4, 1e10,
                                          "spending needed to sustain one partnership"),
    "max_partners": ParamSpec("partners", 1, 20, "most commercial partners any second-wave country keeps",
                              integer=True),
    "min_tie_weight": ParamSpec("portfolio share", 0.0, 0.5,
                                "smallest portfolio weight that counts as a partnership"),
    "disbursement_rate": ParamSpec("per year", 0.01, 1.0,
                                   "speed at which spending closes the gap to the disbursable budget"),
    "depreciation": ParamSpec("per year", 0.0, 1.0, "obsolescence rate of the capability stock"),
    "transfer_gain": ParamSpec("dimensionless", 0.0, 5.0,
                               "extra yield of partnering with a partner ahead of you, per log "
                               "capability ratio"),
    "absorptive_half": ParamSpec("capability units", 1e-4, 100.0,
                                 "capability at which half of a transfer is absorbed"),
    "capability_years": ParamSpec("years", 0.0, 50.0,
                                  "years of current own output that make up the initial stock"),
    "provider_adaptation": ParamSpec("per year", 0.0, 1.0,
                                     "how fast providers adjust openness and price to market share"),
    "control_response": ParamSpec("stringency per unit share", 0.0, 100.0,
                                  "how far leaders tighten controls per unit of rivals' share gain"),
    "denial_response": ParamSpec("budget increase per unit of new denial", 0.0, 5.0,
                                 "how far countries denied technology (beyond the base year) raise "
                                 "their budgets (1 = doubling at full denial)"),
    "budget_volatility": ParamSpec("log-points per year", 0.0, 1.0,
                                   "standard deviation of yearly announced-budget shocks"),
    "leader_stringency": ParamSpec("index 0-1", 0.0, 1.0,
                                   "if set, leaders' export-control stringency on their control scope (all "
                                   "but their exempt club) "
                                   "at the start (otherwise the data's)"),
    "steps": ParamSpec("years", 1, 1000, "horizon: number of yearly steps", integer=True),
    "n_countries": ParamSpec("countries", 2, 1_000_000,
                             "if set, a synthetic world of this many countries", integer=True),
}
"""Every numeric keyword parameter of :class:`sim.model.QuantumWorld`."""


class ParameterError(UserError, ValueError):
    """A parameter value that is not valid."""


def defaults() -> dict[str, Any]:
    """Return each parameter's default, read from the model's signature.

    Returns:
        Mapping from parameter name to default value.
    """
    from sim.model import QuantumWorld

    signature = inspect.signature(QuantumWorld.__init__)
    return {name: signature.parameters[name].default for name in PARAMETERS}


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
    if value is None and defaults()[name] is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParameterError(f"parameter '{name}' expected a number ({spec.unit}), found {value!r}")
    if spec.integer and int(value) != value:
        raise ParameterError(f"parameter '{name}' expected a whole number, found {value!r}")
    if not spec.low <= value <= spec.high:
        raise ParameterError(
            f"parameter '{name}' expected a value in [{spec.low:g}, {spec.high:g}] ({spec.unit}), "
            f"found {value!r}"
        )
    return int(value) if spec.integer else float(value)
