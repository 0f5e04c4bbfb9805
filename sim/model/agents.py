"""Country agents: the Mesa-facing view of the model's array state.

The model keeps every country's state in numpy arrays so that a step is a few
whole-array operations; a :class:`Country` reads its own entries, which is what
Mesa's DataCollector, SolaraViz and user scripts see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model.quantum_world import QuantumWorld


class Country(mesa.Agent):
    """A country (or the EU) with a public quantum programme.

    Attributes:
        index: Position of the country in the model's state arrays.
        iso3: ISO 3166 alpha-3 code (``EUU`` for the European Union).
        name: Country name.
    """

    model: QuantumWorld

    def __init__(self, model: QuantumWorld, index: int, iso3: str, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.iso3 = iso3
        self.name = name

    @property
    def role(self) -> str:
        """Current role: ``leader``, ``provider`` or ``second_wave``."""
        return str(self.model.role[self.index])

    @property
    def bloc(self) -> str:
        """Geopolitical bloc from the data: ``west``, ``east`` or ``nonaligned``."""
        return str(self.model.bloc[self.index])

    @property
    def budget(self) -> float:
        """Announced public quantum budget, USD per year."""
        return float(self.model.budget[self.index])

    @property
    def spending(self) -> float:
        """Disbursed spending, USD per year."""
        return float(self.model.spending[self.index])

    @property
    def capability(self) -> float:
        """Knowledge stock, in capability units (USD bn of US-efficiency R&D)."""
        return float(self.model.capability[self.index])

    @property
    def openness(self) -> float:
        """Base openness, 0 closed to 1 open (before export controls and sanctions)."""
        return float(self.model.openness[self.index])

    @property
    def price(self) -> float:
        """Annual price of a partnership with this country, USD per year."""
        return float(self.model.price[self.index])

    @property
    def dependence_aversion(self) -> float:
        """Weight the country puts on dependence risk (1 = typical)."""
        return float(self.model.dependence_aversion[self.index])

    @property
    def n_partners(self) -> int:
        """Number of partnerships: partners chosen, or receivers served by a provider."""
        return int(self.model.n_partners[self.index])

    @property
    def portfolio_hhi(self) -> float:
        """Herfindahl index of the foreign portfolio (0 without partners, providers 0)."""
        return float(self.model.portfolio_hhi[self.index])

    @property
    def domestic_share(self) -> float:
        """Share of own effort spent building domestically (1 for providers and leaders)."""
        return float(self.model.domestic_share[self.index])

    @property
    def partners(self) -> dict[str, float]:
        """Partners and their weights: providers for a second-wave country, receivers for a provider."""
        return self.model.partners_of(self.iso3)
