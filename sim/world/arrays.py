"""The initial world as arrays: from the shipped data, or a synthetic world drawn from it.

Pairwise data (prior ties, alliances, export controls, sanctions) are kept only
for rows of *actors*, the data's leaders and providers, so memory stays linear
in the number of countries: a 10,000-country world needs actors x countries
entries, not countries squared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.base.errors import ParameterError
from sim.world.data import WorldData


@dataclass
class WorldArrays:
    """Initial state of every country, and actor-by-country pairwise data.

    Attributes:
        base_year: First simulated year.
        iso3: Country codes, shape (n,).
        name: Country names, shape (n,).
        role: ``leader``/``provider``/``second_wave``, shape (n,).
        bloc: ``west``/``east``/``nonaligned``, shape (n,).
        budget: Announced budget, USD per year.
        disbursed_share: Share of the budget disbursed.
        efficiency: R&D efficiency relative to the USA.
        openness: Base openness in [0, 1].
        price: Partnership price, USD per year.
        alignment: Position in [-1, 1].
        dependence_aversion: Aversion to dependence (1 = typical).
        actors: Indices of the actors (data leaders and providers), shape (a,).
        ties: Prior-tie strength between actor a and country i, shape (a, n).
        alliance: Whether actor a and country i are allied, shape (a, n).
        controls: Export-control stringency of actor a toward country i, shape (a, n).
        sanctions: Sanctions severity imposed by actor a on country i, shape (a, n).
        stage: Initial stage of the partnership of actor a and country i (``sim.model.formation``
            codes), shape (a, n), int8.
        kind: Kind of that partnership (index into ``sim.model.formation.KINDS``), shape (a, n), int8.
    """

    base_year: int
    iso3: np.ndarray
    name: np.ndarray
    role: np.ndarray
    bloc: np.ndarray
    budget: np.ndarray
    disbursed_share: np.ndarray
    efficiency: np.ndarray
    openness: np.ndarray
    price: np.ndarray
    alignment: np.ndarray
    dependence_aversion: np.ndarray
    actors: np.ndarray
    ties: np.ndarray
    alliance: np.ndarray
    controls: np.ndarray
    sanctions: np.ndarray
    stage: np.ndarray
    kind: np.ndarray

    @property
    def n(self) -> int:
        """Number of countries."""
        return len(self.iso3)


def from_data(data: WorldData) -> WorldArrays:
    """Arrays for the world described by the data files.

    Args:
        data: The loaded baseline data.

    Returns:
        The world's initial arrays.
    """
    role = np.asarray(data.role).astype("<U11")
    actors = np.flatnonzero(role != "second_wave")
    return WorldArrays(
        base_year=int(data.base_year),
        iso3=np.asarray(data.iso3, dtype=object),
        name=np.asarray(data.name, dtype=object),
        role=role,
        bloc=np.asarray(data.bloc).astype("<U10"),
        budget=np.array(data.budget_usd, dtype=float),
        disbursed_share=np.array(data.disbursed_share, dtype=float),
        efficiency=np.array(data.efficiency, dtype=float),
        openness=np.array(data.openness, dtype=float),
        price=np.array(data.price_usd, dtype=float),
        alignment=np.array(data.alignment, dtype=float),
        dependence_aversion=np.array(data.dependence_aversion, dtype=float),
        actors=actors,
        ties=np.array(data.ties[actors], dtype=float),
        alliance=np.array(data.alliance[actors], dtype=bool),
        controls=np.array(data.controls[actors], dtype=float),
        sanctions=np.array(data.sanctions[actors], dtype=float),
        stage=np.array(data.stage[actors], dtype=np.int8),
        kind=np.array(data.kind[actors], dtype=np.int8),
    )


SYNTHETIC_BUDGET_SPREAD = 0.5
"""Log-sd of the multiplicative jitter on a synthetic country's budget and price."""
SYNTHETIC_ALIGNMENT_SPREAD = 0.15
"""Sd of the additive jitter on a synthetic country's alignment."""


def synthetic(base: WorldArrays, n_countries: int, rng: np.random.Generator) -> WorldArrays:
    """A world of ``n_countries``: the base world's actors plus drawn second-wave countries.

    The leaders and providers are kept as in the data (they are few and named).
    Each synthetic second-wave country is a smoothed bootstrap draw: a template
    drawn uniformly from the data's second-wave countries, whose budget and
    price are multiplied by ``exp(N(0, 0.5^2))``, whose alignment is moved by
    ``N(0, 0.15^2)`` (clipped to [-1, 1]), and whose ties, alliances, controls
    and sanctions toward the actors, and its initial partnerships with them, are the
    template's. The number of actors
    stays fixed, so cost per step grows linearly in ``n_countries``.

    Args:
        base: The data world.
        n_countries: Total number of countries; more than the number of actors.
        rng: The model's seeded generator.

    Returns:
        The synthetic world; synthetic countries are coded ``S00001``, ``S00002``...

    Raises:
        ParameterError: If ``n_countries`` leaves no room for a second-wave country.
    """
    n_actors = len(base.actors)
    if n_countries <= n_actors:
        raise ParameterError(
            f"parameter 'n_countries' expected more than the {n_actors} leaders and providers "
            f"of the data, found {n_countries}"
        )
    pool = np.flatnonzero(base.role == "second_wave")
    drawn = rng.choice(pool, size=n_countries - n_actors, replace=True)
    rows = np.concatenate([base.actors, drawn])
    k = len(drawn)

    def pick(values: np.ndarray) -> np.ndarray:
        return values[rows].copy()

    budget = pick(base.budget)
    price = pick(base.price)
    alignment = pick(base.alignment)
    budget[n_actors:] *= np.exp(SYNTHETIC_BUDGET_SPREAD * rng.standard_normal(k))
    price[n_actors:] *= np.exp(SYNTHETIC_BUDGET_SPREAD * rng.standard_normal(k))
    alignment[n_actors:] = np.clip(
        alignment[n_actors:] + SYNTHETIC_ALIGNMENT_SPREAD * rng.standard_normal(k), -1.0, 1.0
    )
    codes = np.array([f"S{i:05d}" for i in range(1, k + 1)], dtype=object)
    names = np.array([f"Synthetic {i} (like {base.iso3[t]})" for i, t in enumerate(drawn, 1)],
                     dtype=object)
    return WorldArrays(
        base_year=base.base_year,
        iso3=np.concatenate([base.iso3[base.actors], codes]),
        name=np.concatenate([base.name[base.actors], names]),
        role=pick(base.role),
        bloc=pick(base.bloc),
        budget=budget,
        disbursed_share=pick(base.disbursed_share),
        efficiency=pick(base.efficiency),
        openness=pick(base.openness),
        price=price,
        alignment=alignment,
        dependence_aversion=pick(base.dependence_aversion),
        actors=np.arange(n_actors),
        ties=base.ties[:, rows].copy(),
        alliance=base.alliance[:, rows].copy(),
        controls=base.controls[:, rows].copy(),
        sanctions=base.sanctions[:, rows].copy(),
        stage=base.stage[:, rows].copy(),
        kind=base.kind[:, rows].copy(),
    )
