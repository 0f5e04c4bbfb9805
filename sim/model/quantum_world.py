"""QuantumWorld: countries forming international quantum-technology partnerships.

Leaders (USA, China) keep core technology closed, providers sell or share it,
and second-wave countries buy from them. Every country chooses partners:
leaders and providers form science exchanges and joint programmes among
themselves, second-wave countries buy from leaders and providers, and sellers
decide whom they accept. A partnership needs both sides' consent, passes
through talks before it is signed, and every option is valued by what it adds
to the chooser's capability under the model's own equations (:mod:`sim.model.yields`),
net of dependence risk. State lives in numpy arrays (one entry per country, or
per pair); :class:`sim.model.agents.Country` agents are the Mesa-facing view of it.
See docs/ODD.md for the full description.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.base.suggest import did_you_mean
from sim.model import dynamics, formation, kernels, yields
from sim.model.agents import Country
from sim.model.choice import PAIR_DTYPE, gumbel_shocks, home_values
from sim.model.collector import ArrayDataCollector
from sim.model.events import KINDS as EVENT_KINDS
from sim.model.events import Event, parse_events
from sim.model.metrics import bloc_modularity
from sim.model.parameters import PARAMETERS, check_parameter, defaults
from sim.world.arrays import WorldArrays, from_data, synthetic
from sim.world.data import BLOCS, ROLES, WorldData, load_world_cached

NONALIGNED = BLOCS.index("nonaligned")
FIXED_LEADERS: tuple[str, ...] = ("USA", "CHN")
"""The two leaders of the data, whose combined share ``share_USA_CHN`` reports."""
PROGRAMME_CAP = 0.5
"""Largest share of its spending an actor puts into joint programmes, all programmes together."""
AGENT_REPORTERS: tuple[str, ...] = (
    "iso3", "role", "capability", "budget", "spending", "openness", "price", "n_partners",
    "portfolio_hhi", "domestic_share", "n_peers",
)
"""Per-country values the DataCollector records at every step (model arrays of these names)."""
_DEFAULT: dict[str, Any] = defaults()
"""Parameter defaults, from the registry :data:`sim.model.parameters.PARAMETERS`."""
STATE_CHECKED: tuple[str, ...] = ("capability", "budget", "spending", "openness", "price", "share")
"""Per-country state that must stay finite and non-negative every year (:meth:`QuantumWorld._check_state`)."""


class ModelStateError(RuntimeError):
    """The model's state left the valid numbers (NaN, infinity or a negative stock): a bug to report."""


SCIENCE, PROGRAMME, COMMERCIAL = (formation.KINDS.index(k) for k in ("science", "programme", "commercial"))


class QuantumWorld(mesa.Model):
    """``QuantumWorld(*, seed=None, steps=30, data=None, events=None, **parameters)``: the partnership world.

    Every parameter is keyword-only with its default from the parameter registry
    :data:`sim.model.parameters.PARAMETERS` (units, ranges and meanings there and in
    docs/ODD.md), so the same class
    serves scripts, ``mesa.batch_run`` and the explorer. One step is one year.
    :func:`sim.model_frame`, :func:`sim.agent_frame` and :func:`sim.partnership_graph`
    read a run's records and network.

    Attributes:
        year: Current calendar year (the data's base year at construction).
        horizon: Number of steps before ``running`` turns False.
        metrics: Model-level outcomes of the current year.
        datacollector: Model- and agent-level records, one row per year.

    Example:
        >>> from sim import QuantumWorld, model_frame
        >>> model = QuantumWorld(seed=1, steps=3)
        >>> while model.running:
        ...     model.step()
        >>> model_frame(model)["year"].tolist()
        [2025, 2026, 2027, 2028]
    """

    def __init__(
        self,
        *,
        dependence_weight: float = _DEFAULT["dependence_weight"],
        alignment_weight: float = _DEFAULT["alignment_weight"],
        choice_temperature: float = _DEFAULT["choice_temperature"],
        switching_cost: float = _DEFAULT["switching_cost"],
        trust_gain: float = _DEFAULT["trust_gain"],
        science_gain: float = _DEFAULT["science_gain"],
        programme_share: float = _DEFAULT["programme_share"],
        talks_rate: float = _DEFAULT["talks_rate"],
        signing_rate: float = _DEFAULT["signing_rate"],
        lapse_rate: float = _DEFAULT["lapse_rate"],
        termination_rate: float = _DEFAULT["termination_rate"],
        build_threshold_usd: float = _DEFAULT["build_threshold_usd"],
        partnership_overhead_usd: float = _DEFAULT["partnership_overhead_usd"],
        max_partners: int = _DEFAULT["max_partners"],
        min_tie_weight: float = _DEFAULT["min_tie_weight"],
        disbursement_rate: float = _DEFAULT["disbursement_rate"],
        depreciation: float = _DEFAULT["depreciation"],
        transfer_gain: float = _DEFAULT["transfer_gain"],
        absorptive_half: float = _DEFAULT["absorptive_half"],
        capability_years: float = _DEFAULT["capability_years"],
        provider_adaptation: float = _DEFAULT["provider_adaptation"],
        control_response: float = _DEFAULT["control_response"],
        denial_response: float = _DEFAULT["denial_response"],
        budget_volatility: float = _DEFAULT["budget_volatility"],
        leader_stringency: float | None = _DEFAULT["leader_stringency"],
        steps: int = _DEFAULT["steps"],
        n_countries: int | None = _DEFAULT["n_countries"],
        events: Iterable[Mapping[str, Any] | Event] | None = None,
        data: WorldData | str | Path | None = None,
        overrides: Mapping[str, Mapping[str, float]] | None = None,
        collect_agents: bool = True,
        seed: int | None = None,
    ) -> None:
        """Build the world.

        Args:
            dependence_weight: Log points of capability yield a country gives up per unit of
                dependence risk; also the Hirschman penalty on foreign concentration.
            alignment_weight: Log points per unit of geopolitical distance that leaders and
                providers ask of a partner (political acceptability).
            choice_temperature: Scale of the Gumbel taste shocks, in log points.
            switching_cost: Inertia of existing portfolios.
            trust_gain: Extra transfer per unit of prior-tie strength (alliance, nuclear, energy).
            science_gain: Knowledge spillover of a science exchange per unit of ``sqrt(F_a F_b)``,
                the geometric mean of both sides' yearly own output.
            programme_share: Share of spending each side puts into a joint programme.
            talks_rate: New talks a country opens per year at most, spread over its candidates in
                proportion to mutual consent.
            signing_rate: Yearly rate at which talks with full consent and no friction are signed.
            lapse_rate: Yearly rate at which talks nobody wants lapse.
            termination_rate: Yearly rate at which signed agreements nobody wants end.
            build_threshold_usd: Critical scale (USD/yr) at which own R&D reaches half its full
                productivity.
            partnership_overhead_usd: Spending (USD/yr) needed per partnership kept.
            max_partners: Most commercial partners a second-wave country keeps.
            min_tie_weight: Smallest portfolio weight that counts as a partnership.
            disbursement_rate: Yearly rate at which spending closes the gap to d * B.
            depreciation: Yearly obsolescence of capability.
            transfer_gain: Extra transfer yield per log capability ratio.
            absorptive_half: Capability at which half a transfer is absorbed.
            capability_years: Years of current own output in the initial stock.
            provider_adaptation: Providers' openness/price adjustment rate.
            control_response: Leaders' tightening per unit of rivals' share gain.
            denial_response: Budget increase of a country fully denied technology beyond the
                base year's denial (1 = doubling), reached over about three years.
            budget_volatility: Sd of yearly log shocks to announced budgets.
            leader_stringency: If set, leaders' initial export-control stringency on their control scope
                (the countries their data controls target; the exempt club keeps 0).
            steps: Horizon in years; ``running`` turns False when reached.
            n_countries: If set, a synthetic world of this many countries drawn from the data.
            events: Scheduled events as dicts (see :mod:`sim.model.events`).
            data: World data, or a directory of data files; default the shipped baseline.
            overrides: Per-country attribute overrides, e.g. ``{"VNM": {"dependence_aversion": 3}}``.
            collect_agents: Record agent-level data at every step (off for very large worlds).
            seed: Seed of the model's random generators.
        """
        super().__init__(rng=seed)  # Mesa 3.3-3.5 seed random and rng from an integer `rng` as from `seed`
        given = {name: value for name, value in locals().items() if name in PARAMETERS}
        self.params: dict[str, Any] = {name: check_parameter(name, v) for name, v in given.items()}
        self.seed = seed
        self.horizon = int(steps)

        world_data = data if isinstance(data, WorldData) else load_world_cached(data)
        if overrides:
            world_data = world_data.with_overrides({k: dict(v) for k, v in overrides.items()})
        world = from_data(world_data)
        if n_countries is not None:
            world = synthetic(world, int(n_countries), self.rng)
        self._init_state(world)
        self._kernel_constants()
        self.events = parse_events(
            events, list(self.iso3), self.base_year, self.base_year + self.horizon,
            self._initial_actor_iso3,
        )
        self.event_log: list[dict[str, Any]] = []
        if leader_stringency is not None:
            for row in np.flatnonzero(self.role[self.actors] == "leader"):
                self.controls[row] = np.where(self.control_scope[row], leader_stringency, 0.0)

        self.countries = [
            Country(self, i, str(code), str(name))
            for i, (code, name) in enumerate(zip(self.iso3, world.name, strict=True))
        ]
        # Every agent exists from here on. Mesa up to 3.4.1 keeps each model alive through the class
        # attribute Agent._ids (mesa#3179; gone from Mesa 3.4.2): drop this model's id counter so
        # finished models are freed.
        getattr(mesa.Agent, "_ids", {}).pop(self, None)
        self._index_roles()
        self._init_partnerships(world)
        self._apply_events(self.year)
        self._value_options()
        self._choose(switching_cost=0.0)
        self._sum_portfolios()
        self._sum_peers()
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
        p = self.params
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
        output = yields.home_yield(self.efficiency, self.spending, p["build_threshold_usd"]) * self.spending
        self.capability = dynamics.initial_capability(output / yields.USD_PER_UNIT, p["capability_years"])
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
        self._fixed_leaders = np.flatnonzero(np.isin(self.iso3.astype(str), FIXED_LEADERS))
        self._data_providers = np.flatnonzero(world.role == "provider")
        self._data_leaders = np.flatnonzero(world.role == "leader")
        self.share = np.zeros(world.n)
        self._closed = np.maximum(self.controls, self.sanctions)
        self._denial_start = dynamics.denial(self.capability[self.actors], self._closed)
        # Actor-by-actor views of the pairwise data (leaders and providers of the data).
        actors = self.actors
        self._peer_distance = np.abs(self.alignment[actors][:, None] - self.alignment[actors][None, :]) / 2.0
        self._peer_trust = self.ties[:, actors].copy()
        self._peer_bloc_same = self._bloc_code[actors][:, None] == self._bloc_code[actors][None, :]
        self._n_peer_pairs = len(actors) * (len(actors) - 1) // 2
        self._revenue = np.zeros(world.n)

    def _kernel_constants(self) -> None:
        """The parameter vectors the kernels take (parameters are fixed for a model's life)."""
        p, ties, dependence = self.params, formation.KIND_TIES, formation.KIND_DEPENDENCE
        self._commercial_scalars = np.array([p["transfer_gain"], p["trust_gain"], p["choice_temperature"],
                                             ties["commercial"] * p["partnership_overhead_usd"]])
        self._peer_scalars = np.array([
            p["science_gain"], p["trust_gain"], p["build_threshold_usd"], p["partnership_overhead_usd"],
            p["programme_share"], p["alignment_weight"], p["dependence_weight"], p["choice_temperature"],
            ties["science"], ties["programme"], dependence["science"], dependence["programme"],
        ])
        self._peer_ties = np.array([ties["science"], ties["programme"]])
        self._rates = np.array([p["talks_rate"], p["signing_rate"], p["lapse_rate"], p["termination_rate"]])

    def _init_partnerships(self, world: WorldArrays) -> None:
        """The partnerships the data record at the start: actor pairs and commercial pairs."""
        actors = self.actors
        self.peer_stage = world.stage[:, actors].copy()
        np.fill_diagonal(self.peer_stage, formation.NONE)
        self.peer_kind = np.where(world.kind[:, actors] == PROGRAMME, PROGRAMME, SCIENCE).astype(np.int8)
        self.commercial_stage = self._pair(world.stage.astype(PAIR_DTYPE)).astype(np.int8)
        self.foreign = np.zeros((len(self._choosers), len(self._providers)), dtype=PAIR_DTYPE)
        self.domestic = np.ones(len(self._choosers), dtype=PAIR_DTYPE)
        self._theta = np.full(len(self._choosers), -np.inf, dtype=PAIR_DTYPE)

    def _index_roles(self) -> None:
        """Recompute who buys and who sells, and the static pair arrays."""
        self._role_code = np.searchsorted(ROLES, self.role)  # ROLES is in alphabetical order
        self._is_chooser = self.role == "second_wave"
        self._is_leader = self.role == "leader"
        self._is_provider = self.role == "provider"
        self._choosers = np.flatnonzero(self._is_chooser)
        self._providers = np.flatnonzero(~self._is_chooser)
        self._leaders = np.flatnonzero(self._is_leader)
        self._provider_only = np.flatnonzero(self._is_provider)
        self._promoted = np.setdiff1d(self._providers, self.actors)
        self._provider_rows = self._actor_row[self._providers]
        self._provider_column = np.full(len(self.actors), -1)
        self._provider_column[self._provider_rows[self._provider_rows >= 0]] = np.flatnonzero(
            self._provider_rows >= 0)
        seller_codes = self.iso3[self._providers]
        self._tracked_sellers = {code: np.flatnonzero(seller_codes == code) for code in ("RUS", "CHN")}
        self._same_bloc_pair = (self._bloc_code[self._choosers][:, None]
                                == self._bloc_code[self._providers][None, :])
        # The buyer-by-seller arrays the valuation kernel reads, stacked; the attributes are views.
        self._pair_block = np.zeros((len(kernels.PAIR_FIELDS), len(self._choosers), len(self._providers)),
                                    dtype=PAIR_DTYPE)
        for index, name in enumerate(kernels.PAIR_FIELDS):
            setattr(self, f"_{name}_pair", self._pair_block[index])
        self._distance_pair[...] = np.abs(
            self.alignment[self._choosers][:, None] - self.alignment[self._providers][None, :]
        ) / 2.0
        self._trust_pair[...] = self._pair(self.ties)
        self._buyer_risk_weight = (self.params["dependence_weight"] * formation.KIND_DEPENDENCE["commercial"]
                                   * self.dependence_aversion[self._choosers]).astype(PAIR_DTYPE)
        alignment_weight = PAIR_DTYPE(self.params["alignment_weight"])
        self._seller_alignment_pair[...] = alignment_weight * self._distance_pair * (1.0 - self._trust_pair)
        self._refresh_pairs()

    def _refresh_pairs(self) -> None:
        """Recompute what controls and sanctions imply for each pair.

        The open share of each seller's technology toward each buyer, ``1 - max(C_ji, Sigma_ji)``,
        each buyer-seller pair's secondary-sanctions exposure ``E_i sigma_j``, and the
        sanctions and controls among actors. The parts that only sanctions move (the
        payments friction and the sellers' risk of selling) are kept until the next full
        refresh; a leader's control response refreshes its own row (:func:`sim.model.kernels.adapt_policies`).
        """
        self._closed = np.maximum(self.controls, self.sanctions)
        self._open_pair[...] = 1.0 - self._pair(self._closed)
        self._status = self.sanction_status()
        self._exposure = self.sanction_exposure()
        self._exposure_pair[...] = (self._exposure[self._choosers].astype(PAIR_DTYPE)[:, None]
                                    * self._status[self._providers].astype(PAIR_DTYPE)[None, :])
        self._seller_open_pair[...] = 1.0 - self._pair(self.sanctions)
        self._seller_controls_pair[...] = self._pair(self.controls)
        choosers, providers = self._choosers, self._providers
        no_controls = np.zeros_like(self._seller_controls_pair)
        # formation.friction is max(controls, payments); payments (>= 0) move only with sanctions.
        self._payment_friction_pair[...] = formation.friction(
            no_controls, no_controls, self._status[choosers], self._status[providers],
            self._exposure[choosers], self._exposure[providers],
        )
        risk_of_selling = self._status[choosers][:, None] * self._exposure[providers][None, :]
        self._selling_risk_pair[...] = self.params["dependence_weight"] * risk_of_selling

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
        """Simulate the next year: events, budgets, policies, partnerships, capability, roles, records.

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
        self._value_options()
        self._form_partnerships()
        self._choose(switching_cost=p["switching_cost"])
        self._sum_portfolios()
        self._sum_peers()
        self._grow_capability()
        self._promote()
        self._update_metrics()
        self._check_state()
        self.datacollector.collect(self)
        if self.steps >= self.horizon:
            self.running = False

    def _check_state(self) -> None:
        """Refuse a year whose state holds a NaN, an infinity or a negative stock, before it is recorded.

        Raises:
            ModelStateError: Naming the quantity, the year and the first country concerned.
        """
        for name in STATE_CHECKED:
            values = getattr(self, name)
            first = kernels.first_invalid(values)
            if first >= 0:
                bad = ~np.isfinite(values) | (values < 0)
                raise ModelStateError(
                    f"year {self.year}: {name} of {int(bad.sum())} countries is not a finite non-negative "
                    f"number (first: {self.iso3[first]}, {float(values[first])})"
                )

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
            sim.model.events.EventError: If the event is not valid.
        """
        event = parse_events([{"year": self.year, **raw}], list(self.iso3), self.year, self.year,
                             self._initial_actor_iso3)[0]
        self._apply(event)
        return event

    def _apply(self, event: Event) -> None:
        """Change the state as the event says, and log it."""
        idx = np.array([self.index_of(code) for code in event.actors])
        f = event.fields
        targets = np.array([self.index_of(c) for c in f["targets"]]) if "targets" in f else None
        EVENT_KINDS[event.kind].apply(self, idx, targets, f)
        self.event_log.append(
            {"year": self.year, "kind": event.kind, "actors": list(event.actors), **dict(f)}
        )

    def _adapt_policies(self) -> None:
        """Providers chase share; leaders tighten controls as rivals gain (:mod:`sim.model.kernels`)."""
        p = self.params
        kernels.adapt_policies(
            self.share - self._share_before, self.openness, self.price, self._provider_only,
            p["provider_adaptation"], self._providers, self._bloc_code[self._providers], NONALIGNED,
            self._leaders, self._actor_row[self._leaders], self._bloc_code[self._leaders], self.controls,
            self.control_scope, self.sanctions, self._closed, self._provider_column, self._choosers,
            self._open_pair, self._seller_controls_pair, p["control_response"],
        )

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

    # ---------------------------------------------------------- valuations
    def _value_options(self) -> None:
        """Value every option of every country in log points of its own capability.

        Buyers (second-wave countries): home ``V_i0 = ln h_i`` and each seller
        ``V_ij = ln y_ij - w_D lambda_i r_ij`` (:mod:`sim.model.choice`). Sellers: revenue over
        overhead, minus political distance and their secondary-sanctions risk. Actors among
        themselves: the relative capability gain of a science exchange or a joint
        programme, minus dependence and political distance. The yields are kept for
        the capability update, so what countries choose by is what they get.
        """
        p = self.params
        critical = p["build_threshold_usd"]
        self._home_yield = yields.home_yield(self.efficiency, self.spending, critical)
        self._absorptive = yields.absorptive_capacity(self.capability, p["absorptive_half"])
        self._value_commercial()
        self._value_peers()

    def _value_commercial(self) -> None:
        """Values, consents and frictions of every buyer-seller pair (:func:`sim.model.kernels.value_pairs`).

        A partner interests a buyer if it would enter its portfolio: its value must exceed
        the portfolio's marginal value ``theta_i`` and the value of building at home, and,
        for a partner not yet signed, the value of the weakest of the buyer's signed
        partners once it has as many as it can afford. Sellers value the list price over
        their overhead, minus political distance and their secondary-sanctions risk.
        """
        choosers, providers = self._choosers, self._providers
        if len(choosers) == 0 or len(providers) == 0:
            return
        self._home_value = home_values(self._home_yield[choosers])
        seller_capability = self.capability[providers]
        (self._cost, self._yield, self._partner_value, self._commercial_consent,
         self._commercial_friction) = kernels.value_pairs(
            self._pair_block, self.spending[choosers],
            np.log(self.capability[choosers]).astype(PAIR_DTYPE), self._absorptive[choosers],
            np.maximum(self._theta, self._home_value), self._affordable(),
            self._buyer_risk_weight,
            self.price[providers].astype(PAIR_DTYPE), self.openness[providers].astype(PAIR_DTYPE),
            np.log(seller_capability).astype(PAIR_DTYPE), self._home_yield[providers],
            (seller_capability / seller_capability.sum()).astype(PAIR_DTYPE),
            self.commercial_stage, self._commercial_scalars,
        )

    def _affordable(self) -> np.ndarray:
        """How many commercial partners each buyer's spending can sustain, in [1, max_partners]."""
        p = self.params
        spend = self.spending[self._choosers]
        most = min(p["max_partners"], len(self._providers))
        return np.clip(np.floor(spend / p["partnership_overhead_usd"]), 1, most).astype(int)

    def _value_peers(self) -> None:
        """Values, consents and frictions of every pair of actors (leaders and providers of the data)."""
        actors = self.actors
        if len(actors) < 2:
            self._peer_consent = np.zeros((len(actors), len(actors)))
            return
        spend, home = self.spending[actors], self._home_yield[actors]
        output = np.maximum(home * spend / yields.USD_PER_UNIT, yields.CAPABILITY_FLOOR)
        actor = np.stack([spend, home, self.efficiency[actors], self._absorptive[actors],
                          self.openness[actors], self.capability[actors], self._exposure[actors],
                          self._status[actors], self.dependence_aversion[actors], output])
        self._spillover, self._pool_yield, self.peer_kind, self._peer_consent, self._peer_friction = (
            kernels.value_peers(actor, self._closed[:, actors], self._peer_trust, self._peer_distance,
                                self.sanctions[:, actors], self.controls[:, actors], self.peer_stage,
                                self.peer_kind, self._peer_scalars))

    # ------------------------------------------------------------ formation
    def _form_partnerships(self) -> None:
        """Every pair moves between none, talks and signed (see :mod:`sim.model.formation`)."""
        rates = self._rates
        if len(self.actors) >= 2:
            self.peer_stage = kernels.advance_peers(self.peer_stage, self._peer_consent, self._peer_friction,
                                                    self.rng.random(self._n_peer_pairs), rates)
        if len(self._choosers) and len(self._providers):
            draws = self.rng.random(self.commercial_stage.shape, dtype=PAIR_DTYPE)
            self.commercial_stage = kernels.advance_pairs(
                self.commercial_stage, self._commercial_consent, self._commercial_friction, draws, rates)

    def _choose(self, switching_cost: float) -> None:
        """Second-wave countries re-choose portfolios over their signed partners (:mod:`sim.model.choice`)."""
        p = self.params
        choosers, providers = self._choosers, self._providers
        if len(choosers) == 0 or len(providers) == 0:
            return
        temperature = p["choice_temperature"]
        signed = self.commercial_stage == formation.SIGNED
        shocks = (gumbel_shocks(self.rng.random(np.count_nonzero(signed) + len(choosers), dtype=PAIR_DTYPE),
                                temperature)
                  if temperature > 0.0 else np.empty(0, dtype=PAIR_DTYPE))
        concentration = p["dependence_weight"] * self.dependence_aversion[choosers]
        self.foreign, self.domestic, self._theta = kernels.choose_rows(
            self._partner_value, self._home_value, shocks, self.foreign, self.domestic,
            concentration, switching_cost, signed, self._affordable(), p["min_tie_weight"],
        )

    def _sum_portfolios(self) -> None:
        """The row and column sums of the buyer-by-seller block (:func:`sim.model.kernels.portfolio_sums`)."""
        if len(self._choosers) and len(self._providers):
            gain, cost = self._yield, self._cost
        else:
            gain = cost = np.zeros_like(self.foreign)
        (self._transfer, self._partners, self._squares, self._by_bloc, self._paid, self._weight,
         self._buyers, self._signed_per_seller, self._talks_per_seller, self._signed_same_bloc) = (
            kernels.portfolio_sums(self.foreign, gain, cost, self.commercial_stage,
                                   self.spending[self._choosers], self._same_bloc_pair,
                                   self._bloc_code[self._providers], len(BLOCS)))

    def _sum_peers(self) -> None:
        """The per-actor sums and counts of the actor partnerships (:func:`sim.model.kernels.peer_sums`)."""
        n = len(self.actors)
        if n >= 2:
            (self._peer_science, self._peer_pooled, self._peer_programme_share, self._peer_overheads,
             self._peer_signed, self._peer_counts, self._peer_signed_same_bloc) = kernels.peer_sums(
                self.peer_stage, self.peer_kind, self._spillover, self._pool_yield, self._peer_bloc_same,
                self.params["programme_share"], PROGRAMME_CAP, self._peer_ties)
        else:
            zeros = np.zeros(n)
            (self._peer_science, self._peer_pooled, self._peer_programme_share,
             self._peer_overheads) = zeros, zeros, zeros, zeros
            self._peer_signed = np.zeros(n, dtype=np.int64)
            self._peer_counts, self._peer_signed_same_bloc = np.zeros(4, dtype=np.int64), 0

    def _grow_capability(self) -> None:
        """Capability: depreciation, own R&D, commercial transfer, revenue, science and programmes.

        Every term is the yield the choices were valued by (:meth:`_value_options`).
        """
        p = self.params
        n = len(self.iso3)
        home_share = np.ones(n)
        gained = np.zeros(n)
        choosers, providers = self._choosers, self._providers
        if len(choosers) and len(providers):
            home_share[choosers] = self.domestic
            gained[choosers] += self._transfer * self.spending[choosers] / yields.USD_PER_UNIT
            overhead = formation.KIND_TIES["commercial"] * p["partnership_overhead_usd"]
            self._revenue = np.zeros(n)
            # sales net of the overheads of the signed partnerships
            self._revenue[providers] = self._paid - self._signed_per_seller * overhead
        home_dollars = self.spending * home_share + self._revenue
        actors = self.actors
        if len(actors) >= 2:
            spend = self.spending[actors]
            gained[actors] += self._peer_science
            gained[actors] += self._peer_pooled * spend / yields.USD_PER_UNIT
            home_dollars[actors] -= (self._peer_programme_share * spend
                                     + self._peer_overheads * p["partnership_overhead_usd"])
        own = self._home_yield * np.maximum(home_dollars, 0.0) / yields.USD_PER_UNIT
        self.capability = np.maximum((1.0 - p["depreciation"]) * self.capability + own + gained,
                                     yields.CAPABILITY_FLOOR)

    def _promote(self) -> None:
        """Move countries up a role when their capability reaches the data's role floor.

        A second-wave country becomes a provider when its capability reaches the
        median capability of the data's providers; a provider of the data becomes a
        leader when it reaches the weakest data leader. Roles never move down. A
        promoted second-wave country sells from then on; its partnerships as a buyer end.
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
        old = {"foreign": self.foreign, "commercial_stage": self.commercial_stage,
               "_yield": self._yield, "_cost": self._cost}
        old_domestic, old_theta = self.domestic, self._theta
        self.role[new_providers] = "provider"
        self.role[new_leaders] = "leader"
        self._index_roles()
        still = np.isin(old_choosers, self._choosers)
        rows = np.searchsorted(self._choosers, old_choosers[still])
        columns = np.searchsorted(self._providers, old_providers)
        for name, array in old.items():
            fresh = np.zeros((len(self._choosers), len(self._providers)), dtype=array.dtype)
            fresh[np.ix_(rows, columns)] = array[still]
            setattr(self, name, fresh)
        self.domestic = np.ones(len(self._choosers), dtype=PAIR_DTYPE)
        self.domestic[rows] = old_domestic[still]
        self._theta = np.full(len(self._choosers), -np.inf, dtype=PAIR_DTYPE)
        self._theta[rows] = old_theta[still]
        self._sum_portfolios()

    # ---------------------------------------------------------------- metrics
    def _update_metrics(self) -> None:
        """Compute this year's outcomes from the state arrays."""
        self._share_before = self.share
        (self.share, self.portfolio_hhi, self.n_partners, self.n_peers, self.domestic_share, hhi_sum,
         n_with_partners) = kernels.country_outcomes(
            len(self.iso3), self._providers, self._choosers, self.actors, self._weight, self._partners,
            self._squares, self.domestic, self._buyers, self._peer_signed)
        members = np.bincount(self._role_code, minlength=len(ROLES))
        totals = np.bincount(self._role_code, weights=self.capability, minlength=len(ROLES))
        means = totals / np.maximum(members, 1)
        leaders, providers, second = means.tolist()
        promoted = self._promoted
        metrics: dict[str, float] = {
            "year": self.year,
            "share_leaders": float(self.share[self._leaders].sum()),
            "share_USA_CHN": float(self.share[self._fixed_leaders].sum()),
        }
        metrics.update(zip(self._share_keys, self.share[self.actors].tolist(), strict=True))
        metrics["share_promoted"] = float(self.share[promoted].sum())
        metrics.update(
            {
                "hhi_second_wave": hhi_sum / n_with_partners if n_with_partners else 0.0,
                "capability_leaders": leaders,
                "capability_providers": providers,
                "capability_second_wave": second,
                "capability_gap": leaders / second if second > 0 else 0.0,
                "n_partnerships": int(self._partners.sum()),
                "bloc_modularity": bloc_modularity(self._by_bloc),
                "domestic_share_second_wave": float(self.domestic.sum(dtype=np.float64) / len(self.domestic))
                if len(self._choosers) else 1.0,
                "leader_stringency": float(
                    self.controls[self._actor_row[self._leaders]].max(axis=1).sum() / len(self._leaders)
                ) if len(self._leaders) else 0.0,
                "n_providers": len(self._providers),
                "top3_budget_share": float(np.sort(self.budget)[-3:].sum() / self.budget.sum()),
                "spending_total_usd": float(self.spending.sum()),
            }
        )
        metrics.update(self._partnership_counts())
        self.metrics = metrics

    def _partnership_counts(self) -> dict[str, float]:
        """Counts of partnerships by kind and stage, leaders' degree among actors, bloc-internal share."""
        talks_science, talks_programme, signed_science, signed_programme = self._peer_counts.tolist()
        signed_commercial = int(self._signed_per_seller.sum())
        counts: dict[str, float] = {
            "n_talks_science": talks_science, "n_talks_programme": talks_programme,
            "n_talks_commercial": int(self._talks_per_seller.sum()),
            "n_signed_science": signed_science, "n_signed_programme": signed_programme,
            "n_signed_commercial": signed_commercial,
        }
        leader_rows = self._actor_row[self._leaders]
        leader_rows = leader_rows[leader_rows >= 0]
        degree = self._peer_signed[leader_rows]
        counts["leader_degree_actors"] = float(degree.mean()) if len(leader_rows) else 0.0
        within = int(self._peer_signed_same_bloc) + int(self._signed_same_bloc)
        total = signed_science + signed_programme + signed_commercial
        counts["within_bloc_share"] = within / total if total else 0.0
        for code, columns in self._tracked_sellers.items():
            counts[f"signed_second_wave_{code}"] = int(self._signed_per_seller[columns].sum())
        return counts

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
            raise KeyError(f"unknown country code {iso3!r}{did_you_mean(iso3, self._index)}")
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

    def portfolio_yields(self) -> tuple[np.ndarray, np.ndarray]:
        """What a dollar of each second-wave country yields at home and in its chosen portfolio.

        Returns:
            ``(home, portfolio)``, shape (r,) each, in capability units per capability unit of
            spending: ``h_i`` and ``w_i0 h_i + sum_j w_ij y_ij``, from the yields this year's
            choice was made on (the same ones the capability update uses).
        """
        home = self._home_yield[self._choosers]
        abroad = (self.foreign.astype(np.float64) * self._yield).sum(axis=1)
        return home, self.domestic * home + abroad

    def partnership_matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The current commercial portfolios as arrays.

        Returns:
            ``(providers, choosers, weights)``: provider indices (m,), chooser indices (r,)
            and weights (r, m) of each chooser's portfolio on each provider.
        """
        return self._providers.copy(), self._choosers.copy(), self.foreign.astype(np.float64)

    def peers_of(self, iso3: str) -> dict[str, str]:
        """The actor partnerships (science exchanges, joint programmes) of a leader or provider.

        Args:
            iso3: Country code.

        Returns:
            ``{partner: "science signed" | "programme talks" | ...}``; empty for others.
        """
        row = self._actor_row[self.index_of(iso3)]
        if row < 0:
            return {}
        return {
            str(self.iso3[self.actors[b]]):
                f"{formation.KINDS[self.peer_kind[row, b]]} {formation.STAGES[self.peer_stage[row, b]]}"
            for b in np.flatnonzero(self.peer_stage[row] != formation.NONE)
        }

    def partnerships(self) -> dict[str, np.ndarray]:
        """Every current partnership, of every kind and stage, as arrays.

        Commercial partnerships run from the seller (``a``) to the second-wave buyer
        (``b``), with the buyer's portfolio ``weight`` (0 in talks, or when a signed
        partner gets no share this year). Science exchanges and joint programmes are
        listed once per pair (``a`` before ``b`` in the actors' order), with ``weight`` 1
        when signed and 0 in talks.

        Returns:
            Arrays of equal length: ``a`` and ``b`` (country indices), ``kind`` (index into
            :data:`sim.model.formation.KINDS`), ``stage`` (:data:`sim.model.formation.TALKS` or
            :data:`~sim.model.formation.SIGNED`) and ``weight``.
        """
        rows, cols = np.nonzero(np.triu(self.peer_stage != formation.NONE, 1))
        peer_stage = self.peer_stage[rows, cols]
        buyers, sellers = np.nonzero(self.commercial_stage != formation.NONE)
        return {
            "a": np.concatenate([self.actors[rows], self._providers[sellers]]),
            "b": np.concatenate([self.actors[cols], self._choosers[buyers]]),
            "kind": np.concatenate([self.peer_kind[rows, cols],
                                    np.full(len(buyers), COMMERCIAL)]).astype(np.int8),
            "stage": np.concatenate([peer_stage, self.commercial_stage[buyers, sellers]]).astype(np.int8),
            "weight": np.concatenate([(peer_stage == formation.SIGNED).astype(np.float64),
                                      self.foreign[buyers, sellers].astype(np.float64)]),
        }


def _median(values: np.ndarray) -> float:
    """Median of a short array (np.median's overhead dominates at this size)."""
    ordered = np.sort(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else float(ordered[middle - 1 : middle + 1].mean())
