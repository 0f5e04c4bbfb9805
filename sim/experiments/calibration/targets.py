"""Summary statistics a calibration compares with observations, and the simulation of one particle.

Every statistic is a function of the model's state at the end of one year (a
:class:`Snapshot`) and of the arguments a target gives it. Statistics that count
partnerships are compared with agreements, so a target may use them only for years of the
calibration window (:data:`sim.world.agreements.CALIBRATION_END` or earlier); the funding
statistics read budgets and spending, which the window allows up to
:data:`sim.world.agreements.VALIDATION_YEARS`' last year.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.inputs.scenario import Scenario
from sim.model import formation
from sim.model.quantum_world import QuantumWorld

PARTNER_KINDS: tuple[str, ...] = ("science", "programme", "commercial", "actors", "any")
"""Values of a target's ``kind``: one partnership kind, both actor kinds, or every kind."""
SEED_KEY = "seed"
"""Key of a particle's model seed among its summary statistics (not a target)."""


@dataclass(frozen=True)
class Snapshot:
    """The model's state at the end of one year, as the statistics need it.

    Attributes:
        iso3: Country codes, in data order.
        role: Role of each country.
        bloc: Camp of each country (``west``, ``east``, ``nonaligned``).
        a: First country of each partnership (index).
        b: Second country of each partnership.
        kind: Kind of each partnership (index into :data:`sim.model.formation.KINDS`).
        stage: Stage of each partnership (:data:`sim.model.formation.TALKS` or signed).
        metrics: The model's outcome metrics.
    """

    iso3: np.ndarray
    role: np.ndarray
    bloc: np.ndarray
    a: np.ndarray
    b: np.ndarray
    kind: np.ndarray
    stage: np.ndarray
    metrics: Mapping[str, float]

    @classmethod
    def of(cls, model: QuantumWorld) -> Snapshot:
        """Take the snapshot of a model now.

        Args:
            model: The model.

        Returns:
            Its snapshot.
        """
        records = model.partnerships()
        return cls(model.iso3.astype(str), np.asarray(model.role).astype(str),
                   np.asarray(model.bloc).astype(str), records["a"], records["b"], records["kind"],
                   records["stage"], dict(model.metrics))

    def pairs(self, stage: str, kind: str, camps: Sequence[str] | None = None) -> np.ndarray:
        """Which partnerships are of a stage, kind and pair of camps.

        Args:
            stage: ``signed`` or ``talks``.
            kind: One of :data:`PARTNER_KINDS`.
            camps: Two camps (in any order), or None for any.

        Returns:
            A boolean mask over the partnerships.
        """
        talks = self.stage == formation.TALKS
        mask = talks if stage == "talks" else ~talks
        names = np.asarray(formation.KINDS)[self.kind]
        if kind == "actors":
            mask &= names != "commercial"
        elif kind != "any":
            mask &= names == kind
        if camps is not None:
            first, second = self.bloc[self.a], self.bloc[self.b]
            mask &= (((first == camps[0]) & (second == camps[1]))
                     | ((first == camps[1]) & (second == camps[0])))
        return mask


@dataclass(frozen=True)
class Statistic:
    """A named summary statistic.

    Attributes:
        function: ``function(snapshot, context, **arguments) -> float``.
        arguments: Names of the arguments a target must (or may) give.
        optional: Names of the arguments a target may leave out.
        partnerships: Whether it counts partnerships (then only calibration-window years).
        doc: One-line meaning.
    """

    function: Callable[..., float]
    arguments: tuple[str, ...]
    optional: tuple[str, ...]
    partnerships: bool
    doc: str


def signed_pairs(snapshot: Snapshot, context: TargetContext, *, kind: str,
                 camps: Sequence[str] | None = None) -> float:
    """Number of signed partnerships of a kind (and pair of camps)."""
    return float(snapshot.pairs("signed", kind, camps).sum())


def talks_pairs(snapshot: Snapshot, context: TargetContext, *, kind: str,
                camps: Sequence[str] | None = None) -> float:
    """Number of pairs in talks of a kind (and pair of camps)."""
    return float(snapshot.pairs("talks", kind, camps).sum())


def signed_partners(snapshot: Snapshot, context: TargetContext, *, country: str,
                    kind: str = "any") -> float:
    """Number of signed partners of one country."""
    index = int(np.flatnonzero(snapshot.iso3 == country)[0])
    mask = snapshot.pairs("signed", kind)
    return float(((snapshot.a[mask] == index) | (snapshot.b[mask] == index)).sum())


def recorded_pairs_held(snapshot: Snapshot, context: TargetContext) -> float:
    """How many pairs recorded in the agreements by the target's year hold a partnership (any stage)."""
    held = {"-".join(sorted((snapshot.iso3[a], snapshot.iso3[b]))) for a, b in zip(snapshot.a, snapshot.b,
                                                                                   strict=True)}
    return float(len(held & context.recorded_pairs))


def log_spending_total(snapshot: Snapshot, context: TargetContext) -> float:
    """Natural logarithm of every country's spending together (USD per year)."""
    return math.log(snapshot.metrics["spending_total_usd"])


def top3_budget_share(snapshot: Snapshot, context: TargetContext) -> float:
    """Share of the three largest announced budgets in all budgets."""
    return float(snapshot.metrics["top3_budget_share"])


STATISTICS: dict[str, Statistic] = {
    "signed_pairs": Statistic(signed_pairs, ("kind", "camps"), ("camps",), True,
                              "signed partnerships of a kind (optionally between two camps)"),
    "talks_pairs": Statistic(talks_pairs, ("kind", "camps"), ("camps",), True,
                             "pairs in talks of a kind (optionally between two camps)"),
    "signed_partners": Statistic(signed_partners, ("country", "kind"), ("kind",), True,
                                 "signed partners of one country (of a kind, default any)"),
    "recorded_pairs_held": Statistic(recorded_pairs_held, (), (), True,
                                     "pairs recorded in the agreements by the year that hold a partnership"),
    "log_spending_total": Statistic(log_spending_total, (), (), False,
                                    "log of total yearly spending, USD (funding, not partnerships)"),
    "top3_budget_share": Statistic(top3_budget_share, (), (), False,
                                   "share of the three largest budgets (funding, not partnerships)"),
}
"""Every statistic a target may name."""


@dataclass(frozen=True)
class TargetContext:
    """What a statistic may read besides the snapshot.

    Attributes:
        recorded_pairs: Pairs (``"AAA-BBB"``, codes sorted) recorded in the agreements up to the
            target's year (only for :func:`recorded_pairs_held`; years of the calibration window only).
    """

    recorded_pairs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Target:
    """A validated target.

    Attributes:
        name: Its name (the key of the summary statistic).
        statistic: Name of the statistic in :data:`STATISTICS`.
        year: Year at whose end the statistic is read.
        arguments: Arguments of the statistic.
        observed: Observed value.
        sigma: Uncertainty of the observed value (the distance's scale).
        context: What the statistic may read besides the model.
    """

    name: str
    statistic: str
    year: int
    arguments: Mapping[str, Any]
    observed: float
    sigma: float
    context: TargetContext

    def value(self, snapshot: Snapshot) -> float:
        """The statistic on a snapshot.

        Args:
            snapshot: The model at the end of :attr:`year`.

        Returns:
            The value.
        """
        return STATISTICS[self.statistic].function(snapshot, self.context, **self.arguments)


@dataclass(frozen=True)
class SimulationContext:
    """What simulating one particle needs (sent to every worker; small).

    Attributes:
        scenario: The calibration's scenario.
        targets: The targets.
    """

    scenario: Scenario
    targets: tuple[Target, ...]

    def simulate(self, parameters: Mapping[str, float], seed: int) -> dict[str, float]:
        """Run the scenario with some parameters and compute every target's statistic.

        The model runs only to the last target year.

        Args:
            parameters: Parameter -> value (on top of the scenario's).
            seed: The model's seed.

        Returns:
            Target name -> simulated value, and :data:`SEED_KEY` -> ``seed``.
        """
        scenario = self.scenario.with_params({name: float(v) for name, v in parameters.items()})
        model = QuantumWorld(**scenario.model_kwargs(), seed=seed, collect_agents=False)
        years = {target.year for target in self.targets}
        snapshots = {model.year: Snapshot.of(model)} if model.year in years else {}
        while model.year < max(years):
            model.step()
            if model.year in years:
                snapshots[model.year] = Snapshot.of(model)
        values = {target.name: target.value(snapshots[target.year]) for target in self.targets}
        values[SEED_KEY] = seed
        return values
