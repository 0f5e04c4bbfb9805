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
    PAIR_DTYPE,
    ChoiceWeights,
    add_gumbel_noise,
    build_utility,
    choose_portfolios,
    partner_utilities,
    static_utility,
)
from sim.collector import ArrayDataCollector
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
"""Per-country values the DataCollector records at every step (model arrays of these names)."""


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
        openness_weight: float = 4.0,
        cost_weight: float = 1.0,
        dependence_weight: float = 3.0,
        alignment_weight: float = 0.5,
        tie_weight: float = 1.0,
        build_weight: float = 0.5,
        choice_temperature: float = 0.2,
        switching_cost: float = 1.0,
        build_threshold_usd: float = 5e7,
        partnership_overhead_usd: float = 5e5,
        max_partners: int = 4,
        min_tie_weight: float = 0.05,
        disbursement_rate: float = 0.5,
        depreciation: float = 0.1,
        transfer_gain: float = 0.3,
        quality_elasticity: float = 1.0,
        absorptive_half: float = 0.05,
        capability_years: float = 5.0,
        provider_adaptation: float = 0.05,
        control_response: float = 2.0,
        denial_response: float = 1.0,
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
            build_threshold_usd: Efficiency-weighted spending (USD/yr) at which building at home
                has zero utility.
            partnership_overhead_usd: Spending (USD/yr) needed per partnership kept.
            max_partners: Most partners a second-wave country keeps.
            min_tie_weight: Smallest portfolio weight that counts as a partnership.
            disbursement_rate: Yearly rate at which spending closes the gap to d * B.
            depreciation: Yearly obsolescence of capability.
            transfer_gain: Extra transfer yield per log capability ratio.
            quality_elasticity: Elasticity of a partner's technology quality to its capability.
            absorptive_half: Capability at which half a transfer is absorbed.
            capability_years: Years of current spending in the initial stock.
            provider_adaptation: Providers' openness/price adjustment rate.
            control_response: Leaders' tightening per unit of rivals' share gain.
            denial_response: Budget increase of a country fully denied technology beyond the
                base year's denial (1 = doubling), reached over about three years.
            budget_volatility: Sd of yearly log shocks to announced budgets.
            leader_stringency: If set, leaders' initial export-control stringency on their control scope
                (the countries their data controls target; the exempt club keeps 0).
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
            events, list(self.iso3), self.base_year, self.base_year + self.horizon
        )
        self._check_event_actors(self.events)
        self.event_log: list[dict[str, Any]] = []
        if leader_stringency is not None:
            for row in np.flatnonzero(self.role[self.actors] == "leader"):
                self.controls[row] = np.where(self.control_scope[row], leader_stringency, 0.0)

        self.countries = [
            Country(self, i, str(code), str(name))
            for i, (code, name) in enumerate(zip(self.iso3, world.name, strict=True))
        ]
        # Every agent exists from here on. Mesa 3.3 keeps each model alive through the class
        # attribute Agent._ids (mesa#3179, fixed in Mesa 3.4, which needs Python 3.12): drop this
        # model's id counter so finished models are freed.
        mesa.Agent._ids.pop(self, None)
        self._index_roles()
        self.foreign = np.zeros((len(self._choosers), len(self._providers)), dtype=PAIR_DTYPE)
        self.domestic = np.ones(len(self._choosers), dtype=PAIR_DTYPE)
        self._apply_events(self.year)
        self._choose(switching_cost=0.0)
        self._update_metrics()
        self._share_before = self.share.copy()
        self.datacollector = ArrayDataCollector(
            metrics=lambda model: model.metrics,
            agent_columns=QuantumWorld.agent_columns if collect_agents else None,
            agent_ids=[agent.unique_id for agent in self.countries],
            model=self,
            agent_names=AGENT_REPORTERS,
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
        self._budget_base = world.budget.copy()
        self._uplift = np.ones(world.n)
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
        controls_in_data = world.controls.max(axis=1) > 0
        scope = np.where(controls_in_data[:, None], world.controls > 0, ~world.alliance)
        scope[np.arange(len(self.actors)), self.actors] = False
        self.control_scope = scope
        self._initial_actor_iso3 = [str(self.iso3[i]) for i in self.actors]
        self._share_keys = [f"share_{code}" for code in self._initial_actor_iso3]
        self._data_providers = np.flatnonzero(world.role == "provider")
        self._data_leaders = np.flatnonzero(world.role == "leader")
        self.share = np.zeros(world.n)
        self._denial_start = dynamics.denial(
            self.capability[self.actors], np.maximum(self.controls, self.sanctions)
        )

    def _check_event_actors(self, events: Iterable[Event]) -> None:
        """Controls and sanctions can only be imposed by leaders and providers of the data."""
        actor_codes = set(self._initial_actor_iso3)
        for event in events:
            if event.kind in ("export_controls", "sanctions"):
                for code in event.actors:
                    if code not in actor_codes:
                        raise EventError(
                            f"{event.kind} event in {event.year}: actor {code!r} is not a leader "
                            f"or provider in the data; only they can impose {event.kind}"
                        )

    def _index_roles(self) -> None:
        """Recompute who chooses and who can be chosen, and the static pair arrays."""
        self._is_chooser = self.role == "second_wave"
        self._is_leader = self.role == "leader"
        self._is_provider = self.role == "provider"
        self._choosers = np.flatnonzero(self._is_chooser)
        self._providers = np.flatnonzero(~self._is_chooser)
        self._leaders = np.flatnonzero(self._is_leader)
        self._provider_only = np.flatnonzero(self._is_provider)
        self._provider_bloc_onehot = np.eye(len(BLOCS), dtype=PAIR_DTYPE)[self._bloc_code[self._providers]]
        self._provider_rows = self._actor_row[self._providers]
        self._column_of_row = {int(row): k for k, row in enumerate(self._provider_rows) if row >= 0}
        distance = np.abs(
            self.alignment[self._choosers][:, None] - self.alignment[self._providers][None, :]
        ) / 2.0
        self._static_utility = static_utility(
            self.weights, distance, self._pair(self.ties), self.dependence_aversion[self._choosers]
        )
        self._refresh_openness()

    def _refresh_openness(self, actor_row: int | None = None) -> None:
        """Recompute what controls and sanctions imply for each chooser-provider pair.

        The open share of each provider's technology, ``1 - max(C_ji, Sigma_ji)``, and
        (on a full refresh) each pair's secondary-sanctions exposure ``E_i * sigma_j``;
        or only the open share for the provider of one actor row after its controls changed.

        Args:
            actor_row: Row (in the actor matrices) whose controls or sanctions changed;
                None recomputes everything.
        """
        if actor_row is None:
            self._closed = np.maximum(self.controls, self.sanctions)
            self._open_pair = 1.0 - self._pair(self._closed)
            exposure = self.sanction_exposure()[self._choosers].astype(PAIR_DTYPE)
            self._exposure_pair = exposure[:, None] * self.sanction_status()[self._providers].astype(
                PAIR_DTYPE
            )
            return
        self._closed[actor_row] = np.maximum(self.controls[actor_row], self.sanctions[actor_row])
        column = self._column_of_row.get(int(actor_row))
        if column is not None:
            self._open_pair[:, column] = 1.0 - self._closed[actor_row, self._choosers]

    def _pair(self, actor_matrix: np.ndarray) -> np.ndarray:
        """Chooser-by-provider view of an actor-by-country matrix (0 for promoted providers).

        Args:
            actor_matrix: Shape (actors, countries).

        Returns:
            Shape (choosers, providers), float32.
        """
        out = np.zeros((len(self._choosers), len(self._providers)), dtype=PAIR_DTYPE)
        valid = self._provider_rows >= 0
        out[:, valid] = actor_matrix.T[np.ix_(self._choosers, self._provider_rows[valid])]
        return out

    # ------------------------------------------------------------------- step
    def step(self) -> None:
        """Simulate the next year: events, budgets, policies, choice, capability, roles, records.

        ``year`` moves on first, so the row the DataCollector records for a year
        shows that year's events and choices.
        """
        self.year += 1
        self._apply_events(self.year)
        p = self.params
        self._budget_base = dynamics.shock_budget(self._budget_base, p["budget_volatility"], self.rng)
        self._uplift = dynamics.update_denial_uplift(
            self._uplift, self.denial(), self._denial_start, p["denial_response"]
        )
        self.budget = self._budget_base * self._uplift
        self.spending = dynamics.update_spending(
            self.spending, self.budget, self.disbursed_share, p["disbursement_rate"]
        )
        self._adapt_policies()
        self._choose(switching_cost=p["switching_cost"])
        self._grow_capability()
        self._promote()
        self._update_metrics()
        self.datacollector.collect(self)
        if self.steps >= self.horizon:
            self.running = False

    def _apply_events(self, year: int) -> None:
        """Apply the events scheduled for ``year``."""
        for event in self.events:
            if event.year == year:
                self._apply(event)

    def apply_event(self, raw: Mapping[str, Any]) -> Event:
        """Validate an event and apply it now (for interactive use, e.g. the explorer).

        Args:
            raw: Event dict as in ``events=``; ``year`` may be omitted and must
                otherwise be the current year.

        Returns:
            The applied event.

        Raises:
            EventError: If the event is not valid.
        """
        event = parse_events([{"year": self.year, **raw}], list(self.iso3), self.year, self.year)[0]
        self._check_event_actors([event])
        self._apply(event)
        return event

    def _apply(self, event: Event) -> None:
        """Change the state as the event says, and log it."""
        idx = np.array([self.index_of(code) for code in event.actors])
        f = event.fields
        targets = np.array([self.index_of(c) for c in f["targets"]]) if "targets" in f else None
        if event.kind == "export_controls":
            for row in self._actor_row[idx]:
                where = targets if targets is not None else np.flatnonzero(self.control_scope[row])
                self.controls[row, where] = f["stringency"]
                self.controls[row, self.actors[row]] = 0.0
        elif event.kind == "sanctions":
            for row in self._actor_row[idx]:
                self.sanctions[row, targets] = f["severity"]
                self.sanctions[row, self.actors[row]] = 0.0
        if event.kind in ("export_controls", "sanctions"):
            self._refresh_openness()
        if event.kind == "breakthrough":
            self.capability[idx] *= 1.0 + f["capability_gain"]
        elif event.kind == "budget_change":
            self._budget_base[idx] *= f["factor"]
            self.budget = self._budget_base * self._uplift
        elif event.kind == "new_programme":
            self._budget_base[idx] = f["budget"] / self._uplift[idx]
            self.budget = self._budget_base * self._uplift
            if "disbursed_share" in f:
                self.disbursed_share[idx] = f["disbursed_share"]
        self.event_log.append(
            {"year": self.year, "kind": event.kind, "actors": list(event.actors), **dict(f)}
        )

    def _adapt_policies(self) -> None:
        """Providers chase market share; leaders tighten controls when rivals gain."""
        change = self.share - self._share_before
        providers = self._provider_only
        self.openness[providers], self.price[providers] = dynamics.adapt_providers(
            self.openness[providers], self.price[providers], change[providers],
            self.params["provider_adaptation"],
        )
        provider_bloc = self._bloc_code[self._providers]
        provider_change = change[self._providers]
        in_a_camp = provider_bloc != BLOCS.index("nonaligned")
        for leader in self._leaders:
            row = self._actor_row[leader]
            if row < 0:
                continue
            rival = in_a_camp & (provider_bloc != self._bloc_code[leader])
            gain = float(provider_change[rival].sum())
            self.controls[row] = dynamics.tighten_controls(
                self.controls[row], self.control_scope[row], gain, self.params["control_response"]
            )
            self._refresh_openness(row)

    def denial(self) -> np.ndarray:
        """Share of actors' capability closed to each country by controls or sanctions, shape (n,)."""
        return dynamics.denial(self.capability[self.actors], self._closed)

    def sanction_status(self) -> np.ndarray:
        """Highest sanctions severity each country is under, shape (n,)."""
        return self.sanctions.max(axis=0)

    def sanction_exposure(self) -> np.ndarray:
        """How exposed each country is to secondary sanctions, shape (n,), in [0, 1].

        ``E_i = max(max_a T_ai, (1 - a_i) / 2)`` over the actors ``a`` that impose
        sanctions: its strongest prior tie to a sanctioning actor, or its closeness
        to the US pole of the alignment axis.
        """
        sanctioners = self.sanctions.max(axis=1) > 0
        closeness = (1.0 - self.alignment) / 2.0
        if not sanctioners.any():
            return closeness
        return np.maximum(self.ties[sanctioners].max(axis=0), closeness)

    def _choose(self, switching_cost: float) -> None:
        """Second-wave countries re-choose their portfolios (see :mod:`sim.choice`)."""
        p = self.params
        choosers, providers = self._choosers, self._providers
        if len(choosers) == 0 or len(providers) == 0:
            return
        spend = self.spending[choosers]
        quality = dynamics.quality(self.capability[providers], p["quality_elasticity"])
        transferable = self._open_pair * (self.openness[providers] * quality).astype(PAIR_DTYPE)
        utility = partner_utilities(
            self.weights, self._static_utility, transferable, self.price[providers], self._exposure_pair,
            spend,
            self.capability[providers] / self.capability[providers].sum(),
            self.dependence_aversion[choosers],
        )
        add_gumbel_noise(utility, self.rng, p["choice_temperature"])
        domestic = build_utility(
            self.weights, spend, self.efficiency[choosers], p["build_threshold_usd"]
        ).astype(PAIR_DTYPE)
        add_gumbel_noise(domestic, self.rng, p["choice_temperature"])
        concentration = CONCENTRATION_FLOOR + self.weights.dependence * self.dependence_aversion[choosers]
        affordable = np.clip(
            np.floor(spend / p["partnership_overhead_usd"]), 1, min(p["max_partners"], len(providers))
        ).astype(int)
        self.foreign, self.domestic = choose_portfolios(
            utility, domestic, self.foreign, self.domestic, concentration, switching_cost, affordable,
            p["min_tie_weight"],
        )

    def _grow_capability(self) -> None:
        """Capability: depreciation, own R&D and transfer from partners."""
        p = self.params
        domestic = np.ones(len(self.iso3))
        domestic[self._choosers] = self.domestic
        own = self.efficiency * self.spending * domestic / dynamics.USD_PER_UNIT
        capability = (1.0 - p["depreciation"]) * self.capability + own
        if len(self._choosers) and len(self._providers):
            choosers, providers = self._choosers, self._providers
            per_dollar = dynamics.transfer(
                self.capability[choosers], self.capability[providers], self.foreign,
                self._open_pair, self.openness[providers] * self.efficiency[providers],
                p["transfer_gain"], p["absorptive_half"],
            )
            capability[choosers] += per_dollar * self.spending[choosers] / dynamics.USD_PER_UNIT
        self.capability = capability

    def _promote(self) -> None:
        """Move countries up a role when their capability reaches the data's role floor.

        A second-wave country becomes a provider when its capability reaches the
        median capability of the data's providers; a provider of the data becomes a
        leader when it reaches the weakest data leader. Roles never move down.
        """
        if len(self._data_providers) == 0 or len(self._data_leaders) == 0:
            return
        provider_floor = _median(self.capability[self._data_providers])
        leader_floor = self.capability[self._data_leaders].min()
        new_providers = self._is_chooser & (self.capability >= provider_floor)
        new_leaders = self._is_provider & (self._actor_row >= 0) & (
            self.capability >= leader_floor
        )
        if not (new_providers.any() or new_leaders.any()):
            return
        old_choosers, old_providers = self._choosers, self._providers
        old_foreign, old_domestic = self.foreign, self.domestic
        self.role[new_providers] = "provider"
        self.role[new_leaders] = "leader"
        self._index_roles()
        still = np.isin(old_choosers, self._choosers)
        rows = np.searchsorted(self._choosers, old_choosers[still])
        columns = np.searchsorted(self._providers, old_providers)
        self.foreign = np.zeros((len(self._choosers), len(self._providers)), dtype=PAIR_DTYPE)
        self.foreign[np.ix_(rows, columns)] = old_foreign[still]
        self.domestic = np.ones(len(self._choosers), dtype=PAIR_DTYPE)
        self.domestic[rows] = old_domestic[still]

    # ---------------------------------------------------------------- metrics
    def _update_metrics(self) -> None:
        """Compute this year's outcomes from the state arrays."""
        n = len(self.iso3)
        foreign = self.foreign
        self._share_before = self.share
        self.share = np.zeros(n)
        self.share[self._providers] = provider_shares(foreign)
        tied = (foreign > 0).astype(PAIR_DTYPE)
        partners = (tied @ np.ones(tied.shape[1], dtype=PAIR_DTYPE)).astype(int)
        hhi = portfolio_hhi(foreign, 1.0 - self.domestic.astype(np.float64), partners)
        self.portfolio_hhi = np.zeros(n)
        self.portfolio_hhi[self._choosers] = hhi
        self.n_partners = np.zeros(n, dtype=int)
        self.n_partners[self._choosers] = partners
        self.n_partners[self._providers] = (np.ones(tied.shape[0], dtype=PAIR_DTYPE) @ tied).astype(int)
        self.domestic_share = np.ones(n)
        self.domestic_share[self._choosers] = self.domestic
        def group_mean(members: np.ndarray) -> float:
            return float(self.capability[members].sum() / len(members)) if len(members) else 0.0

        leaders, second = group_mean(self._leaders), group_mean(self._choosers)
        n_with_partners = int(np.count_nonzero(partners))
        metrics: dict[str, float] = {
            "year": self.year,
            "share_leaders": float(self.share[self._leaders].sum()),
        }
        metrics.update(zip(self._share_keys, self.share[self.actors].tolist(), strict=True))
        metrics.update(
            {
                "hhi_second_wave": float(hhi.sum() / n_with_partners) if n_with_partners else 0.0,
                "capability_leaders": leaders,
                "capability_providers": group_mean(self._provider_only),
                "capability_second_wave": second,
                "capability_gap": leaders / second if second > 0 else 0.0,
                "n_partnerships": int(partners.sum()),
                "bloc_modularity": bloc_modularity(foreign, self._provider_bloc_onehot),
                "domestic_share_second_wave": float(self.domestic.sum(dtype=np.float64) / len(self.domestic))
                if len(self._choosers) else 1.0,
                "leader_stringency": float(
                    self.controls[self._actor_row[self._leaders]].max(axis=1).sum() / len(self._leaders)
                ) if len(self._leaders) else 0.0,
                "n_providers": len(self._providers),
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
            row = self.foreign[np.searchsorted(self._choosers, i)]
            return {str(self.iso3[j]): float(w) for j, w in zip(self._providers, row, strict=True) if w > 0}
        col = self.foreign[:, np.searchsorted(self._providers, i)]
        return {str(self.iso3[c]): float(w) for c, w in zip(self._choosers, col, strict=True) if w > 0}

    def agent_columns(self) -> list[np.ndarray]:
        """Current value of every agent reporter, one array each (the model array of that name).

        Returns:
            Arrays aligned with :attr:`countries`, in the order of :data:`AGENT_REPORTERS`.
        """
        return [getattr(self, name) for name in AGENT_REPORTERS]

    def partnership_matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The current partnerships as arrays.

        Returns:
            ``(providers, choosers, weights)``: provider indices (m,), chooser indices (r,)
            and weights (r, m) of each chooser's portfolio on each provider.
        """
        return self._providers.copy(), self._choosers.copy(), self.foreign.astype(np.float64)


def _median(values: np.ndarray) -> float:
    """Median of a short array (np.median's overhead dominates at this size)."""
    ordered = np.sort(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else float(ordered[middle - 1 : middle + 1].mean())
