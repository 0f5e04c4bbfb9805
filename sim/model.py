"""QuantumWorld: countries forming international quantum-technology partnerships.

Leaders (USA, China) keep core technology closed, providers sell or share it,
and second-wave countries choose partners each year by weighing openness, cost
and dependence risk. State lives in numpy arrays (one entry per country, or per
second-wave country and candidate partner); :class:`sim.agents.Country` agents
are the Mesa-facing view of it. See docs/ODD.md for the full description.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import dynamics
from sim.agents import Country
from sim.choice import (
    ChoiceWeights,
    build_utility,
    choose_portfolios,
    gumbel_noise,
    limit_portfolios,
    partner_utilities,
)
from sim.data import DEFAULT_DATA_DIR, WorldData, load_world
from sim.events import Event, EventError, parse_events
from sim.metrics import bloc_modularity, portfolio_hhi, provider_shares
from sim.parameters import PARAMETERS, check_parameter
from sim.world import WorldArrays, from_data, synthetic

BLOCS: tuple[str, ...] = ("west", "east", "nonaligned")
CONCENTRATION_FLOOR = 1e-3
"""Smallest concentration penalty, so that portfolios stay unique when weights are zero."""
AGENT_REPORTERS: tuple[str, ...] = (
    "iso3", "role", "capability", "budget", "spending", "openness", "price", "n_partners",
    "portfolio_hhi", "domestic_share",
)
"""Per-country values the DataCollector records at every step."""


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, stamp: tuple[float, ...]) -> WorldData:
    del stamp  # part of the cache key only: reload when a file changes
    return load_world(path)


def load_world_cached(data_dir: str | Path | None = None) -> WorldData:
    """Load the world data once per directory and file modification times.

    Args:
        data_dir: Directory of the CSV files; default the shipped baseline.

    Returns:
        The loaded (immutable) data.
    """
    directory = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    stamp = tuple(p.stat().st_mtime for p in sorted(directory.glob("*.csv")))
    return _load_cached(str(directory.resolve()), stamp)


class QuantumWorld(mesa.Model):
    """The quantum partnership world.

    Every parameter is keyword-only with a default (see docs/ODD.md and
    :data:`sim.parameters.PARAMETERS` for units and ranges), so the same class
    serves scripts, ``mesa.batch_run`` and the explorer. One step is one year.

    Attributes:
        year: Current calendar year (the data's base year at construction).
        horizon: Number of steps before ``running`` turns False.
        metrics: Model-level outcomes of the current year.
        datacollector: Model- and agent-level records, one row per year.
    """

    def __init__(
        self,
        *,
        openness_weight: float = 3.0,
        cost_weight: float = 2.0,
        dependence_weight: float = 1.0,
        alignment_weight: float = 0.5,
        tie_weight: float = 0.5,
        build_weight: float = 0.5,
        choice_temperature: float = 0.2,
        switching_cost: float = 1.0,
        build_threshold_usd: float = 2e8,
        partnership_overhead_usd: float = 1e7,
        max_partners: int = 4,
        min_tie_weight: float = 0.05,
        disbursement_rate: float = 0.5,
        depreciation: float = 0.1,
        transfer_gain: float = 0.3,
        absorptive_half: float = 0.05,
        capability_years: float = 5.0,
        provider_adaptation: float = 0.05,
        control_response: float = 2.0,
        denial_response: float = 0.15,
        budget_volatility: float = 0.05,
        leader_stringency: float | None = None,
        steps: int = 30,
        n_countries: int | None = None,
        events: Iterable[Mapping[str, Any] | Event] | None = None,
        data: WorldData | str | Path | None = None,
        overrides: Mapping[str, Mapping[str, float]] | None = None,
        collect_agents: bool = True,
        seed: int | None = None,
    ) -> None:
        """Build the world.

        Args:
            openness_weight: Weight on partners' effective openness.
            cost_weight: Weight on partnerships' relative cost.
            dependence_weight: Weight on dependence risk and portfolio concentration.
            alignment_weight: Weight on geopolitical distance.
            tie_weight: Weight on prior ties.
            build_weight: Weight of own programme scale in the value of building at home.
            choice_temperature: Scale of the Gumbel taste shocks.
            switching_cost: Inertia of existing portfolios.
            build_threshold_usd: Spending (USD/yr) at which building at home has zero utility.
            partnership_overhead_usd: Spending (USD/yr) needed per partnership kept.
            max_partners: Most partners a second-wave country keeps.
            min_tie_weight: Smallest portfolio weight that counts as a partnership.
            disbursement_rate: Yearly rate at which spending closes the gap to d * B.
            depreciation: Yearly obsolescence of capability.
            transfer_gain: Extra transfer yield per log capability ratio.
            absorptive_half: Capability at which half a transfer is absorbed.
            capability_years: Years of current spending in the initial stock.
            provider_adaptation: Providers' openness/price adjustment rate.
            control_response: Leaders' tightening per unit of rivals' share gain.
            denial_response: Budget growth per year of a country fully denied technology.
            budget_volatility: Sd of yearly log shocks to announced budgets.
            leader_stringency: If set, leaders' initial export-control stringency toward non-allies.
            steps: Horizon in years; ``running`` turns False when reached.
            n_countries: If set, a synthetic world of this many countries drawn from the data.
            events: Scheduled events as dicts (see :mod:`sim.events`).
            data: World data, or a directory of data files; default the shipped baseline.
            overrides: Per-country attribute overrides, e.g. ``{"VNM": {"dependence_aversion": 3}}``.
            collect_agents: Record agent-level data at every step (off for very large worlds).
            seed: Seed of the model's random generators.
        """
        super().__init__(seed=seed)
        given = {name: value for name, value in locals().items() if name in PARAMETERS}
        self.params: dict[str, Any] = {name: check_parameter(name, v) for name, v in given.items()}
        self.seed = seed
        self.horizon = int(steps)
        self.weights = ChoiceWeights(
            openness=openness_weight, cost=cost_weight, dependence=dependence_weight,
            alignment=alignment_weight, ties=tie_weight, build=build_weight,
        )

        world_data = data if isinstance(data, WorldData) else load_world_cached(data)
        if overrides:
            world_data = world_data.with_overrides({k: dict(v) for k, v in overrides.items()})
        world = from_data(world_data)
        if n_countries is not None:
            world = synthetic(world, int(n_countries), self.rng)
        self._init_state(world)
        self.events = parse_events(
            events, list(self.iso3), self.base_year, self.base_year + self.horizon - 1
        )
        self._check_event_actors()
        if leader_stringency is not None:
            for row in np.flatnonzero(self.role[self.actors] == "leader"):
                self.controls[row] = np.where(self.control_scope[row], leader_stringency, 0.0)

        self.countries = [
            Country(self, i, str(code), str(name))
            for i, (code, name) in enumerate(zip(self.iso3, world.name, strict=True))
        ]
        self._index_roles()
        self.portfolio = np.zeros((len(self._choosers), 1 + len(self._providers)))
        self.portfolio[:, 0] = 1.0
        self._choose(switching_cost=0.0)
        self._update_metrics()
        self._share_before = self.share.copy()
        self.datacollector = mesa.DataCollector(
            model_reporters={key: functools.partial(_metric, key=key) for key in self.metrics},
            agent_reporters={name: name for name in AGENT_REPORTERS} if collect_agents else None,
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ state
    def _init_state(self, world: WorldArrays) -> None:
        """Copy the initial world into the model's state arrays."""
        self.base_year = world.base_year
        self.year = world.base_year
        self.iso3 = world.iso3
        self.role = world.role.copy()
        self.bloc = world.bloc
        self._bloc_code = np.array([BLOCS.index(b) for b in world.bloc])
        self.budget = world.budget.copy()
        self.disbursed_share = world.disbursed_share.copy()
        self.spending = self.disbursed_share * self.budget
        self.efficiency = world.efficiency
        self.openness = world.openness.copy()
        self.price = world.price.copy()
        self.alignment = world.alignment
        self.dependence_aversion = world.dependence_aversion
        self.capability = dynamics.initial_capability(
            self.budget, self.disbursed_share, self.efficiency, self.params["capability_years"]
        )
        self.actors = world.actors
        self._actor_row = np.full(world.n, -1)
        self._actor_row[self.actors] = np.arange(len(self.actors))
        self.ties = world.ties
        self.alliance = world.alliance
        self.controls = world.controls.copy()
        self.sanctions = world.sanctions.copy()
        scope = ~world.alliance
        scope[np.arange(len(self.actors)), self.actors] = False
        self.control_scope = scope
        self._initial_actor_iso3 = [str(self.iso3[i]) for i in self.actors]
        self.share = np.zeros(world.n)

    def _check_event_actors(self) -> None:
        """Controls and sanctions can only be imposed by leaders and providers of the data."""
        actor_codes = set(self._initial_actor_iso3)
        for event in self.events:
            if event.kind in ("export_controls", "sanctions"):
                for code in event.actors:
                    if code not in actor_codes:
                        raise EventError(
                            f"{event.kind} event in {event.year}: actor {code!r} is not a leader "
                            f"or provider in the data; only they can impose {event.kind}"
                        )

    def _index_roles(self) -> None:
        """Recompute who chooses and who can be chosen, and the static pair arrays."""
        self._choosers = np.flatnonzero(self.role == "second_wave")
        self._providers = np.flatnonzero(self.role != "second_wave")
        self._leaders = np.flatnonzero(self.role == "leader")
        rows = self._actor_row[self._providers]
        self._provider_rows = rows
        self._pair_ties = self._pair(self.ties)
        distance = np.abs(
            self.alignment[self._choosers][:, None] - self.alignment[self._providers][None, :]
        )
        self._pair_distance = distance / 2.0

    def _pair(self, actor_matrix: np.ndarray) -> np.ndarray:
        """Chooser-by-provider view of an actor-by-country matrix (0 for promoted providers)."""
        out = np.zeros((len(self._providers), len(self._choosers)))
        valid = self._provider_rows >= 0
        out[valid] = actor_matrix[self._provider_rows[valid]][:, self._choosers]
        return out.T

    # ------------------------------------------------------------------- step
    def step(self) -> None:
        """Advance one year: events, budgets, policies, choice, capability, roles, records."""
        self._apply_events(self.year)
        p = self.params
        denied = dynamics.denial(self.capability[self.actors], self.controls, self.sanctions)
        self.budget = dynamics.update_budget(
            self.budget, denied, p["denial_response"], p["budget_volatility"], self.rng
        )
        self.spending = dynamics.update_spending(
            self.spending, self.budget, self.disbursed_share, p["disbursement_rate"]
        )
        self._adapt_policies()
        self._choose(switching_cost=p["switching_cost"])
        self._grow_capability()
        self._promote()
        self.year += 1
        self._update_metrics()
        self.datacollector.collect(self)
        if self.steps >= self.horizon:
            self.running = False

    def _apply_events(self, year: int) -> None:
        """Apply the events scheduled for ``year``."""
        for event in self.events:
            if event.year != year:
                continue
            idx = np.array([self.index_of(code) for code in event.actors])
            f = event.fields
            targets = (
                np.array([self.index_of(code) for code in f["targets"]])
                if "targets" in f else None
            )
            if event.kind == "export_controls":
                for row in self._actor_row[idx]:
                    where = targets if targets is not None else np.flatnonzero(self.control_scope[row])
                    self.controls[row, where] = f["stringency"]
                    self.controls[row, self.actors[row]] = 0.0
            elif event.kind == "sanctions":
                for row in self._actor_row[idx]:
                    self.sanctions[row, targets] = f["severity"]
                    self.sanctions[row, self.actors[row]] = 0.0
            elif event.kind == "breakthrough":
                self.capability[idx] *= 1.0 + f["capability_gain"]
            elif event.kind == "budget_change":
                self.budget[idx] *= f["factor"]
            elif event.kind == "new_programme":
                self.budget[idx] = f["budget"]
                if "disbursed_share" in f:
                    self.disbursed_share[idx] = f["disbursed_share"]

    def _adapt_policies(self) -> None:
        """Providers chase market share; leaders tighten controls when rivals gain."""
        change = self.share - self._share_before
        providers = np.flatnonzero(self.role == "provider")
        self.openness[providers], self.price[providers] = dynamics.adapt_providers(
            self.openness[providers], self.price[providers], change[providers],
            self.params["provider_adaptation"],
        )
        for leader in self._leaders:
            row = self._actor_row[leader]
            if row < 0:
                continue
            rival = (self._bloc_code != self._bloc_code[leader]) & (self.bloc != "nonaligned")
            gain = float(change[rival].sum())
            self.controls[row] = dynamics.tighten_controls(
                self.controls[row], self.control_scope[row], gain, self.params["control_response"]
            )

    def _effective_openness(self) -> np.ndarray:
        """Openness of each provider toward each chooser after controls and sanctions."""
        closed = np.maximum(self._pair(self.controls), self._pair(self.sanctions))
        return self.openness[self._providers][None, :] * (1.0 - closed)

    def sanction_status(self) -> np.ndarray:
        """Highest sanctions severity each country is under, shape (n,)."""
        return self.sanctions.max(axis=0)

    def _choose(self, switching_cost: float) -> None:
        """Second-wave countries re-choose their portfolios (see :mod:`sim.choice`)."""
        p = self.params
        choosers, providers = self._choosers, self._providers
        if len(choosers) == 0 or len(providers) == 0:
            return
        spend = self.spending[choosers]
        sanctioned = self.sanction_status()[providers]
        price = self.price[providers] * (1.0 + sanctioned)
        cost = price[None, :] / (price[None, :] + spend[:, None])
        leverage = self.capability[providers] / self.capability[providers].sum()
        risk = (self._pair_distance + sanctioned[None, :] + leverage[None, :]) / 3.0
        self._openness_pair = self._effective_openness()
        utility = np.empty((len(choosers), 1 + len(providers)))
        utility[:, 0] = build_utility(
            self.weights, spend, self.efficiency[choosers], p["build_threshold_usd"]
        )
        utility[:, 1:] = partner_utilities(
            self.weights, self._openness_pair, cost, risk, self._pair_distance, self._pair_ties,
            self.dependence_aversion[choosers],
        )
        utility += gumbel_noise(self.rng, utility.shape, p["choice_temperature"])
        concentration = CONCENTRATION_FLOOR + self.weights.dependence * self.dependence_aversion[
            choosers
        ]
        chosen = choose_portfolios(utility, self.portfolio, concentration, switching_cost)
        affordable = np.clip(
            np.floor(spend / p["partnership_overhead_usd"]), 1, p["max_partners"]
        ).astype(int)
        self.portfolio = limit_portfolios(chosen, affordable, p["min_tie_weight"])

    def _grow_capability(self) -> None:
        """Capability: depreciation, own R&D and transfer from partners."""
        p = self.params
        domestic = np.ones(len(self.iso3))
        domestic[self._choosers] = self.portfolio[:, 0]
        own = self.efficiency * self.spending * domestic / dynamics.USD_PER_UNIT
        capability = (1.0 - p["depreciation"]) * self.capability + own
        if len(self._choosers) and len(self._providers):
            yields = dynamics.transfer_yield(
                self.capability[self._choosers], self.capability[self._providers],
                self._openness_pair, self.efficiency[self._providers],
                p["transfer_gain"], p["absorptive_half"],
            )
            transfer = (self.portfolio[:, 1:] * yields).sum(axis=1)
            capability[self._choosers] += transfer * self.spending[self._choosers] / (
                dynamics.USD_PER_UNIT
            )
        self.capability = capability

    def _promote(self) -> None:
        """Move countries up a role when their capability reaches the role's current floor."""
        providers = self.role == "provider"
        if not providers.any():
            return
        provider_floor = np.median(self.capability[providers])
        leader_floor = self.capability[self.role == "leader"].min()
        new_providers = (self.role == "second_wave") & (self.capability >= provider_floor)
        new_leaders = providers & (self._actor_row >= 0) & (self.capability >= leader_floor)
        if not (new_providers.any() or new_leaders.any()):
            return
        old_choosers, old_providers, old = self._choosers, self._providers, self.portfolio
        self.role[new_providers] = "provider"
        self.role[new_leaders] = "leader"
        self._index_roles()
        still = np.isin(old_choosers, self._choosers)
        rows = np.searchsorted(self._choosers, old_choosers[still])
        columns = 1 + np.searchsorted(self._providers, old_providers)
        portfolio = np.zeros((len(self._choosers), 1 + len(self._providers)))
        portfolio[rows, 0] = old[still, 0]
        portfolio[np.ix_(rows, columns)] = old[still, 1:]
        self.portfolio = portfolio

    # ---------------------------------------------------------------- metrics
    def _update_metrics(self) -> None:
        """Compute this year's outcomes from the state arrays."""
        n = len(self.iso3)
        foreign = self.portfolio[:, 1:]
        self._share_before = self.share
        self.share = np.zeros(n)
        self.share[self._providers] = provider_shares(foreign)
        hhi = portfolio_hhi(foreign)
        has_partner = foreign.sum(axis=1) > 0
        self.portfolio_hhi = np.zeros(n)
        self.portfolio_hhi[self._choosers] = hhi
        self.n_partners = np.zeros(n, dtype=int)
        self.n_partners[self._choosers] = (foreign > 0).sum(axis=1)
        self.n_partners[self._providers] = (foreign > 0).sum(axis=0)
        self.domestic_share = np.ones(n)
        self.domestic_share[self._choosers] = self.portfolio[:, 0]

        def group_mean(role: str) -> float:
            members = self.capability[self.role == role]
            return float(members.mean()) if len(members) else 0.0

        leaders, second = group_mean("leader"), group_mean("second_wave")
        metrics: dict[str, float] = {
            "year": self.year,
            "share_leaders": float(self.share[self.role == "leader"].sum()),
        }
        for code, i in zip(self._initial_actor_iso3, self.actors, strict=True):
            metrics[f"share_{code}"] = float(self.share[i])
        metrics.update(
            {
                "hhi_second_wave": float(hhi[has_partner].mean()) if has_partner.any() else 0.0,
                "capability_leaders": leaders,
                "capability_providers": group_mean("provider"),
                "capability_second_wave": second,
                "capability_gap": leaders / second if second > 0 else 0.0,
                "n_partnerships": int((foreign > 0).sum()),
                "bloc_modularity": bloc_modularity(
                    foreign, self._bloc_code[self._providers], len(BLOCS)
                ),
                "domestic_share_second_wave": float(self.portfolio[:, 0].mean())
                if len(self._choosers) else 1.0,
                "leader_stringency": float(
                    self.controls[self._actor_row[self._leaders]].max(axis=1).mean()
                ) if len(self._leaders) else 0.0,
                "n_providers": int((self.role != "second_wave").sum()),
            }
        )
        self.metrics = metrics

    # ------------------------------------------------------------------ views
    def index_of(self, iso3: str) -> int:
        """Position of a country in the state arrays.

        Args:
            iso3: Country code.

        Returns:
            Its index.

        Raises:
            KeyError: For an unknown code, naming the nearest valid one.
        """
        if not hasattr(self, "_index"):
            self._index = {str(code): i for i, code in enumerate(self.iso3)}
        if iso3 not in self._index:
            from sim.events import nearest

            raise KeyError(f"unknown country code {iso3!r}{nearest(iso3, self._index)}")
        return self._index[iso3]

    def country(self, iso3: str) -> Country:
        """The agent of a country.

        Args:
            iso3: Country code.

        Returns:
            Its :class:`Country` agent.
        """
        return self.countries[self.index_of(iso3)]

    def partners_of(self, iso3: str) -> dict[str, float]:
        """Current partnership weights of a country.

        Args:
            iso3: Country code.

        Returns:
            For a second-wave country, its providers and weights; for a provider or
            leader, the second-wave countries it serves and their weights on it.
        """
        i = self.index_of(iso3)
        if self.role[i] == "second_wave":
            row = self.portfolio[np.searchsorted(self._choosers, i), 1:]
            return {str(self.iso3[j]): float(w) for j, w in zip(self._providers, row, strict=True) if w > 0}
        col = self.portfolio[:, 1 + np.searchsorted(self._providers, i)]
        return {str(self.iso3[c]): float(w) for c, w in zip(self._choosers, col, strict=True) if w > 0}

    def partnership_matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The current partnerships as arrays.

        Returns:
            ``(providers, choosers, weights)``: provider indices (m,), chooser indices (r,)
            and weights (r, m) of each chooser's portfolio on each provider.
        """
        return self._providers.copy(), self._choosers.copy(), self.portfolio[:, 1:].copy()


def _metric(model: QuantumWorld, key: str) -> float:
    """DataCollector reporter: one entry of the model's current metrics."""
    return model.metrics[key]
