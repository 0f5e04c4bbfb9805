"""One explorer session: the settings a student chose, the model built from them, and snapshots.

An :class:`Explorer` holds everything the page changes, with no UI in it, so
that tests and benchmarks can drive it directly. Settings are kept as typed
scenario overrides (``params.<p>``, ``countries.<ISO3>.<attribute>``, ``seed``)
and the model is built exactly as ``qgeo run`` builds replication 0 of the
resulting scenario: ``QuantumWorld(**scenario.model_kwargs(), seed=derive_seed(scenario.seed, 0))``.
Events applied from the page go through :meth:`QuantumWorld.apply_event`, which
validates them and applies them at once, in the current year; the model's
``event_log`` records them with the scheduled ones.

:meth:`Explorer.snapshot` copies what the page shows into an immutable
:class:`Snapshot`; every Explorer method holds one lock, so a snapshot never
sees a half-finished step (the play loop and button clicks may run in
different threads).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.base.errors import UserError
from sim.base.seeds import derive_seed
from sim.base.suggest import did_you_mean
from sim.explorer.defaults import DEFAULT_SCENARIO
from sim.explorer.ensemble import Ensemble
from sim.inputs.scenario import Scenario, find_scenario, load_scenario, shipped_scenarios
from sim.model.events import KINDS as EVENT_KINDS
from sim.model.events import Event
from sim.model.parameters import PARAMETERS, SliderRange, check_parameter
from sim.model.quantum_world import QuantumWorld
from sim.output.frames import model_frame
from sim.output.network import partnership_graph
from sim.world.data import load_world_cached

SAVED_SUFFIX = "_explored"
"""Appended to the scenario's name in a scenario saved from the page."""
DEFAULT_FOCUS = "VNM"
"""Second-wave country whose attributes the page offers to change first (if in the data)."""


PAGE_PARAMETERS: dict[str, SliderRange] = {
    name: slider
    for name in ("dependence_weight", "alignment_weight", "science_gain", "choice_temperature",
                 "switching_cost", "leader_stringency")
    if (slider := PARAMETERS[name].slider) is not None
}
"""Model parameters the page has sliders for (in page order), with each slider's range from the registry."""

PARAMETER_LABELS: dict[str, str] = {"leader_stringency": "Leaders' export controls"}
"""Labels that differ from the capitalised parameter name."""
COUNTRY_ATTRIBUTES: tuple[str, ...] = ("dependence_aversion", "budget_usd")
"""Attributes of the focus country the page can override."""
AVERSION_RANGE = SliderRange(0.0, 10.0, 0.1)
BUDGET_LOG10_RANGE = SliderRange(5.0, 9.5, 0.05)
"""The budget slider moves over log10(USD per year): 100 thousand to about 3 billion."""
LAYOUT_ASPECT = 1.45
"""Width over height of the network layout (the page keeps its chart at this aspect)."""
CONTROL_STEP = 0.25
"""How far one press of "tighten" or "ease" moves the leaders' export-control stringency."""


class ExplorerError(UserError, ValueError):
    """A page action that cannot be carried out (the message is shown on the page)."""


@dataclass(frozen=True)
class Settings:
    """What a student set on the page, on top of a shipped scenario.

    Attributes:
        scenario: Name of the shipped scenario, or the path of the scenario file the page opened.
        params: Page parameters moved away from the scenario's values.
        focus: Second-wave country whose attributes the page sets.
        country: The focus country's attributes moved away from the scenario's values.
        seed: Root seed, if changed from the scenario's.
    """

    scenario: str
    params: Mapping[str, float] = field(default_factory=dict)
    focus: str = ""
    country: Mapping[str, float] = field(default_factory=dict)
    seed: int | None = None

    def overrides(self) -> dict[str, Any]:
        """The settings as typed overrides for :func:`sim.inputs.scenario.load_scenario`.

        Returns:
            Keys ``params.<p>``, ``countries.<ISO3>.<attribute>`` and ``seed``.
        """
        out: dict[str, Any] = {f"params.{name}": value for name, value in self.params.items()}
        out.update({f"countries.{self.focus}.{attr}": value for attr, value in self.country.items()})
        if self.seed is not None:
            out["seed"] = self.seed
        return out


@dataclass(frozen=True)
class CountryView:
    """One country as the page shows it.

    Attributes:
        iso3: ISO3 code.
        name: Country name.
        role: Current role (``leader``, ``provider`` or ``second_wave``).
        bloc: Geopolitical bloc.
        capability: Knowledge stock, capability units.
        budget: Announced budget, USD per year.
        spending: Disbursed spending, USD per year.
        openness: Base openness, 0 closed to 1 open.
        dependence_aversion: Weight on dependence risk (1 = typical).
        n_partners: Partners (second wave) or receivers served (providers).
        portfolio_hhi: Herfindahl index of the foreign portfolio (second wave).
        domestic_share: Share of effort spent building at home.
        sanctioned: Highest sanctions severity the country is under.
        partners: Partners and portfolio weights, largest first.
    """

    iso3: str
    name: str
    role: str
    bloc: str
    capability: float
    budget: float
    spending: float
    openness: float
    dependence_aversion: float
    n_partners: int
    portfolio_hhi: float
    domestic_share: float
    sanctioned: float
    partners: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class EventView:
    """An event of the current run, scheduled by the scenario or applied from the page.

    Attributes:
        year: Year in which it applies.
        text: Short description.
        origin: ``"scenario"`` or ``"page"``.
        applied: Whether the model has applied it (a scenario's event of year Y applies when
            the run reaches Y; page events apply at once).
    """

    year: int
    text: str
    origin: str
    applied: bool


@dataclass(frozen=True, eq=False)
class Snapshot:
    """An immutable copy of what the page shows after a build, step or event.

    Snapshots compare by identity: each build, step or event gives a new one.

    Attributes:
        scenario: What the scenario picker shows: a shipped name or the opened file's path.
        name: The scenario's own name (``name`` in its file).
        description: The question the scenario asks.
        scenario_names: Names of the shipped scenarios, then the opened file's path (if any).
        root_seed: The scenario's root seed.
        seed: The model's seed (replication 0 of the root seed).
        build: Counter of model builds in this session.
        year: Current year (the state after the steps taken so far).
        step: Steps taken.
        horizon: Steps in the run.
        base_year: First simulated year.
        running: Whether the model can step further.
        params: Current value of each page parameter.
        stringency_from_data: Whether the leaders' stringency is the data's (not set).
        focus: Focus country for the country sliders.
        focus_values: The focus country's dependence aversion and budget in this run.
        second_wave: ISO3 codes the focus can be chosen from.
        actors: Leaders and providers of the data (who can impose controls and sanctions).
        leaders: Current leaders among ``actors``.
        sanctioners: Each actor's sanctioning coalition (:meth:`Explorer.sanctioners`).
        controls: The leaders' export-control stringency now, after the events applied this year
            (``leader_stringency`` of the metrics is measured at the end of the last step).
        countries: Every country, in data order.
        edges: Signed partnerships as (source, target, weight, kind): commercial ones from the seller
            to the buyer with the buyer's portfolio weight (those with weight > 0), science exchanges
            and joint programmes between actors with weight 1.
        positions: Node positions (fixed for a build).
        capability_range: Capability mapped to the smallest and largest node (fixed for a build).
        frame: ``model_frame`` of the run so far.
        events: Scheduled and page events.
        metrics: The current year's outcomes.
        bands: Ensemble of the current settings and page events (None until the page runs one, and
            again after any change).
        overlay: Ensemble of the comparison scenario, if the page ran one.
    """

    scenario: str
    name: str
    description: str
    scenario_names: tuple[str, ...]
    root_seed: int
    seed: int
    build: int
    year: int
    step: int
    horizon: int
    base_year: int
    running: bool
    params: Mapping[str, float]
    stringency_from_data: bool
    focus: str
    focus_values: Mapping[str, float]
    second_wave: tuple[str, ...]
    actors: tuple[str, ...]
    leaders: tuple[str, ...]
    sanctioners: Mapping[str, tuple[str, ...]]
    controls: float
    countries: tuple[CountryView, ...]
    edges: tuple[tuple[str, str, float, str], ...]
    positions: Mapping[str, tuple[float, float]]
    capability_range: tuple[float, float]
    frame: pd.DataFrame
    events: tuple[EventView, ...]
    metrics: Mapping[str, float]
    bands: Ensemble | None = None
    overlay: Ensemble | None = None

    def country(self, iso3: str) -> CountryView:
        """The view of one country.

        Args:
            iso3: ISO3 code.

        Returns:
            Its view.

        Raises:
            KeyError: Unknown code.
        """
        for view in self.countries:
            if view.iso3 == iso3:
                return view
        raise KeyError(iso3)


def scenario_names() -> tuple[str, ...]:
    """Names of the shipped scenarios, in file order.

    Returns:
        Scenario names (file stems in ``scenarios/``).
    """
    return tuple(path.stem for path in shipped_scenarios())


def layout_positions(
    iso3: tuple[str, ...] | list[str], role: np.ndarray, alignment: np.ndarray
) -> dict[str, tuple[float, float]]:
    """Node positions: leaders and providers on the upper arc, second-wave countries on the lower.

    Along each arc of an ellipse countries are ordered by geopolitical alignment, so the
    US camp sits on the left and the China/Russia camp on the right, and partnerships
    are chords across the ellipse. Neighbours are equally far apart along the arc. The
    layout is a pure function of the data, so it is identical for every step, seed and
    session.

    Args:
        iso3: Country codes.
        role: Role of each country at build time.
        alignment: Alignment of each country, -1 (US camp) to +1.

    Returns:
        ISO3 -> (x, y) with y growing downwards (screen coordinates) on an ellipse of
        half-height 100 and half-width ``100 * LAYOUT_ASPECT``.
    """
    angles = np.radians(np.linspace(170.0, 10.0, 721))
    x_arc, y_arc = LAYOUT_ASPECT * 100.0 * np.cos(angles), 100.0 * np.sin(angles)
    length = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x_arc), np.diff(y_arc)))])
    positions: dict[str, tuple[float, float]] = {}
    for upper in (True, False):
        members = [i for i in range(len(iso3)) if (role[i] != "second_wave") == upper]
        members.sort(key=lambda i: (float(alignment[i]), str(iso3[i])))
        count = len(members)
        for rank, i in enumerate(members):
            fraction = 0.5 if count == 1 else rank / (count - 1)
            at = int(np.searchsorted(length, fraction * length[-1]).clip(0, len(length) - 1))
            y = -y_arc[at] if upper else y_arc[at]
            positions[str(iso3[i])] = (round(float(x_arc[at]), 3), round(float(y), 3))
    return positions


def opened_file(given: str) -> str:
    """The absolute path of a scenario file the page is asked to open, checked to be a valid scenario.

    Args:
        given: A path to a scenario TOML file (a bare word is taken as a shipped name and refused).

    Returns:
        The resolved path, as text.

    Raises:
        ExplorerError: A bare word that is not a shipped scenario's name, naming the nearest one.
        sim.inputs.scenario.ScenarioError: No such file, or not a valid scenario (which key, what was
            expected).
    """
    names = scenario_names()
    if not given.endswith(".toml") and not Path(given).is_file():
        raise ExplorerError(
            f"unknown scenario {given!r}{did_you_mean(given, names)}; shipped scenarios are "
            f"{', '.join(names)}, "
            "or give the path of a scenario TOML file"
        )
    path = find_scenario(given).resolve()
    load_scenario(path)
    return str(path)


class Explorer:
    """One student's run: settings, the model built from them, and the events applied to it.

    Attributes:
        settings: The current settings.
        scenario: The scenario resolved from the settings.
        model: The model built from it.
        positions: Node positions of this build.
    """

    def __init__(self, scenario: str | Path = DEFAULT_SCENARIO) -> None:
        """Open a session on a shipped scenario or on a scenario file.

        Args:
            scenario: Shipped scenario name, or the path of a scenario TOML file (which the
                scenario picker then offers after the shipped ones).

        Raises:
            ExplorerError: Unknown scenario name.
            sim.inputs.scenario.ScenarioError: A file that does not exist or is not a valid scenario.
        """
        self._lock = threading.RLock()
        self._names = scenario_names()
        self._builds = 0
        self._revision = 0
        self._bands: tuple[int, Ensemble] | None = None
        self._overlay: Ensemble | None = None
        self._page_events: list[tuple[Event, str]] = []
        given = str(scenario)
        self._opened = None if given in self._names else opened_file(given)
        self.select_scenario(self._opened or given)

    # ------------------------------------------------------------ settings
    def scenario_choices(self) -> tuple[str, ...]:
        """What the scenario picker offers: the shipped names, then the opened file's path.

        Returns:
            Names and path.
        """
        return self._names + ((self._opened,) if self._opened else ())

    def select_scenario(self, name: str) -> None:
        """Switch to a shipped scenario (or the opened file) with its own values (page changes are dropped).

        Args:
            name: Scenario name, or the path of the file the session opened.

        Raises:
            ExplorerError: Unknown scenario name, naming the nearest one.
        """
        choices = self.scenario_choices()
        if name not in choices:
            raise ExplorerError(
                f"unknown scenario {name!r}{did_you_mean(name, choices)}; "
                f"shipped scenarios are {', '.join(self._names)}"
            )
        with self._lock:
            base = load_scenario(name)
            data = load_world_cached(base.data)
            second_wave = [code for code, role in zip(data.iso3, data.role, strict=True)
                           if role == "second_wave"]
            focus = DEFAULT_FOCUS if DEFAULT_FOCUS in second_wave else (second_wave or [""])[0]
            self._configure(Settings(scenario=name, focus=focus))

    def set_param(self, name: str, value: float) -> None:
        """Set a page parameter and rebuild the model.

        Args:
            name: One of :data:`PAGE_PARAMETERS`.
            value: New value, within the parameter's valid range.

        Raises:
            ExplorerError: Not a page parameter.
            sim.base.errors.ParameterError: Value out of range.
        """
        if name not in PAGE_PARAMETERS:
            raise ExplorerError(f"{name!r} is not a page parameter{did_you_mean(name, PAGE_PARAMETERS)}")
        value = check_parameter(name, value)
        with self._lock:
            self._configure(replace(self.settings, params={**self.settings.params, name: value}))

    def set_focus(self, iso3: str) -> None:
        """Choose the second-wave country whose attributes the page sets (its changes are dropped).

        Args:
            iso3: A second-wave country of the data.

        Raises:
            ExplorerError: Not a second-wave country of the data.
        """
        with self._lock:
            choices = self._second_wave()
            if iso3 not in choices:
                raise ExplorerError(
                    f"{iso3!r} is not a second-wave country of the data{did_you_mean(iso3, choices)}"
                )
            self._configure(replace(self.settings, focus=iso3, country={}))

    def set_country_attribute(self, attribute: str, value: float) -> None:
        """Set the focus country's dependence aversion or budget and rebuild the model.

        Args:
            attribute: ``dependence_aversion`` or ``budget_usd``.
            value: New value (the data's valid range applies).

        Raises:
            ExplorerError: Not one of :data:`COUNTRY_ATTRIBUTES`.
            sim.inputs.scenario.ScenarioError: Value out of range.
        """
        if attribute not in COUNTRY_ATTRIBUTES:
            raise ExplorerError(
                f"{attribute!r} is not a country attribute of the page"
                f"{did_you_mean(attribute, COUNTRY_ATTRIBUTES)}"
            )
        with self._lock:
            country = {**self.settings.country, attribute: float(value)}
            self._configure(replace(self.settings, country=country))

    def set_seed(self, seed: int) -> None:
        """Set the root seed and rebuild the model.

        Args:
            seed: Root seed (>= 0).

        Raises:
            sim.inputs.scenario.ScenarioError: Not a valid seed.
        """
        with self._lock:
            self._configure(replace(self.settings, seed=int(seed)))

    def restore_scenario(self) -> None:
        """Drop every page change: the scenario's own parameters, countries and seed."""
        with self._lock:
            self._configure(Settings(scenario=self.settings.scenario, focus=self.settings.focus))

    def _configure(self, settings: Settings) -> None:
        """Resolve the settings into a scenario and build its model; keep the old one on error."""
        scenario = load_scenario(settings.scenario, overrides=settings.overrides())
        self._build(settings, scenario)

    def _build(self, settings: Settings, scenario: Scenario) -> None:
        model = QuantumWorld(**scenario.model_kwargs(), seed=derive_seed(scenario.seed, 0))
        self.settings, self.scenario, self.model = settings, scenario, model
        self.positions = layout_positions(model.iso3, model.role, model.alignment)
        capability = model.capability[model.capability > 0]
        self._capability_range = (float(capability.min()), float(capability.max()))
        self._page_events = []
        self._builds += 1
        self._revision += 1

    def _second_wave(self) -> list[str]:
        data = load_world_cached(self.scenario.data)
        return [code for code, role in zip(data.iso3, data.role, strict=True) if role == "second_wave"]

    # ------------------------------------------------------------- running
    def reset(self) -> None:
        """Rebuild the model from the current settings (back to the base year, page events dropped)."""
        with self._lock:
            self._build(self.settings, self.scenario)

    def step(self) -> bool:
        """Advance the model one year, unless it reached its horizon.

        Returns:
            Whether a step was taken.
        """
        with self._lock:
            if not self.model.running:
                return False
            self.model.step()
            return True

    # -------------------------------------------------------------- events
    def apply_event(self, raw: Mapping[str, Any], text: str) -> Event:
        """Apply an event to the model now, in the current year (:meth:`QuantumWorld.apply_event`).

        It changes the state at once (controls, sanctions...); second-wave countries
        respond in the next step, exactly as to an event a scenario schedules for the
        next year.

        Args:
            raw: Event fields without ``year`` (see :data:`sim.model.events.KINDS`).
            text: How the page lists it.

        Returns:
            The validated event.

        Raises:
            ExplorerError: The run reached its horizon.
            sim.model.events.EventError: An invalid event.
        """
        with self._lock:
            model = self.model
            if not model.running:
                raise ExplorerError(
                    f"the run reached its horizon ({model.year}); press Reset to apply events again"
                )
            event = model.apply_event(dict(raw))
            self._page_events.append((event, text))
            self._revision += 1
            return event

    def leaders(self) -> list[str]:
        """Current leaders among the data's leaders and providers (who can impose controls).

        Returns:
            ISO3 codes.
        """
        with self._lock:
            return [code for code in self._actor_codes() if self.model.country(code).role == "leader"]

    def _actor_codes(self) -> list[str]:
        return [str(self.model.iso3[i]) for i in self.model.actors]

    def controls_now(self) -> float:
        """The leaders' export-control stringency now, measured as the model's ``leader_stringency``.

        It includes the events applied this year, which the metrics see only at the end of the
        next step: the mean over current leaders of each leader's highest stringency.

        Returns:
            Stringency, 0 to 1 (0 without leaders).
        """
        with self._lock:
            codes = self._actor_codes()
            rows = [codes.index(code) for code in self.leaders()]
            return float(self.model.controls[rows].max(axis=1).mean()) if rows else 0.0

    def change_controls(self, direction: int) -> Event:
        """Tighten (+1) or ease (-1) the leaders' export controls on their control scope, from this year.

        Args:
            direction: +1 to tighten, -1 to ease, by :data:`CONTROL_STEP`.

        Returns:
            The event applied.

        Raises:
            ExplorerError: No leader in the data, or the run reached its horizon.
        """
        with self._lock:
            leaders = self.leaders()
            if not leaders:
                raise ExplorerError("there is no leader among the data's countries to set controls")
            before = self.controls_now()
            after = round(min(1.0, max(0.0, before + CONTROL_STEP * float(np.sign(direction)))), 4)
            verb = "tighten" if direction > 0 else "ease"
            text = f"{', '.join(leaders)} {verb} export controls: stringency {before:.2f} → {after:.2f}"
            return self.apply_event({"kind": "export_controls", "actors": leaders, "stringency": after}, text)

    def sanctioners(self, target: str) -> list[str]:
        """Who imposes or lifts sanctions on a target from the page: its actual sanctioning coalition.

        That is every leader or provider sanctioning the target now (the data's
        ``sanctions.csv`` plus the events so far: for Russia the western coalition, for China
        the USA). A target nobody sanctions has no coalition; then the leaders other than
        the target impose.

        Args:
            target: A leader or provider of the data.

        Returns:
            ISO3 codes, in data order (empty only if no other leader exists).

        Raises:
            ExplorerError: The target is not a leader or provider of the data.
        """
        with self._lock:
            actors = self._actor_codes()
            if target not in actors:
                raise ExplorerError(
                    f"{target!r} is not a leader or provider of the data{did_you_mean(target, actors)}"
                )
            column = self.model.sanctions[:, self.model.index_of(target)]
            coalition = [code for code, severity in zip(actors, column, strict=True) if severity > 0]
            return coalition or [code for code in self.leaders() if code != target]

    def sanction(self, target: str, severity: float) -> Event:
        """Have the target's sanctioning coalition (:meth:`sanctioners`) impose or lift sanctions on it.

        Args:
            target: A leader or provider of the data.
            severity: 0 (lifted) to 1 (full embargo).

        Returns:
            The event applied.

        Raises:
            ExplorerError: The target is not a leader or provider of the data, nobody can impose
                sanctions on it, or the run reached its horizon.
        """
        with self._lock:
            imposers = self.sanctioners(target)
            if not imposers:
                raise ExplorerError(
                    f"nobody sanctions {target} and no leader other than it can impose sanctions"
                )
            names = ", ".join(imposers)
            text = (f"{names} sanction {target}: severity {severity:.2f}" if severity > 0
                    else f"{names} lift sanctions on {target}")
            raw = {"kind": "sanctions", "actors": imposers, "targets": [target], "severity": float(severity)}
            return self.apply_event(raw, text)

    # --------------------------------------------------------------- saving
    def saved_scenario(self) -> Scenario:
        """The page's run as a scenario: its settings, and the page's events where a file schedules them.

        An event applied from the page in year Y is scheduled for Y + 1 (it acts on the step
        that simulates Y + 1, exactly as the page's event does), before the scenario's own
        events of that year, so ``qgeo run`` of the saved file replays the page's run as its
        replication 0.

        Returns:
            The scenario, named ``<name>_explored``.
        """
        with self._lock:
            scenario = self.scenario
            page = [{"year": event.year + 1, "kind": event.kind, "actors": list(event.actors), **event.fields}
                    for event, _ in self._page_events]
            events = sorted(page + [dict(raw) for raw in scenario.events], key=lambda raw: int(raw["year"]))
            texts = "; ".join(f"{event.year}: {text}" for event, text in self._page_events)
            description = f"Saved from the qgeo explorer (settings of {scenario.name}"
            description += f"; page events {texts})" if texts else ")"
            return scenario.model_copy(update={
                "name": scenario.name + SAVED_SUFFIX,
                "description": f"{description}. {scenario.description}".strip(),
                "events": events,
                "source": None,
            })

    def saved_toml(self) -> str:
        """:meth:`saved_scenario` as the text of a scenario file (``qgeo run FILE`` replays it).

        Returns:
            TOML text.
        """
        return self.saved_scenario().to_toml()

    # ------------------------------------------------------------ ensembles
    def ensemble_jobs(self, compare: str | None) -> tuple[int, list[tuple[Scenario, str]]]:
        """What an ensemble run needs: the page's run as a scenario, and the comparison scenario.

        Args:
            compare: A shipped scenario to overlay, or None.

        Returns:
            The revision of the run (settings and page events) and the (scenario, label) jobs.

        Raises:
            ExplorerError: ``compare`` is not a scenario the picker offers.
        """
        with self._lock:
            jobs = [(self.saved_scenario(), "these settings")]
            if compare:
                choices = self.scenario_choices()
                if compare not in choices:
                    raise ExplorerError(f"unknown scenario {compare!r}{did_you_mean(compare, choices)}")
                other = load_scenario(compare)
                jobs.append((other, other.name))
            return self._revision, jobs

    def set_ensembles(self, revision: int, ensembles: list[Ensemble]) -> bool:
        """Keep the results of :meth:`ensemble_jobs`' jobs, unless the run changed since.

        Args:
            revision: The revision :meth:`ensemble_jobs` returned.
            ensembles: The bands of the page's run, then the comparison's (if any).

        Returns:
            Whether they were kept.
        """
        with self._lock:
            if revision != self._revision:
                return False
            self._bands = (revision, ensembles[0])
            self._overlay = ensembles[1] if len(ensembles) > 1 else None
            return True

    # ------------------------------------------------------------ snapshot
    def snapshot(self) -> Snapshot:
        """Copy what the page shows.

        Returns:
            An immutable snapshot of the current run.
        """
        with self._lock:
            model, scenario = self.model, self.scenario
            graph = partnership_graph(model)
            sanctioned = model.sanction_status()
            countries = tuple(
                CountryView(
                    iso3=agent.iso3, name=agent.name, role=agent.role, bloc=agent.bloc,
                    capability=agent.capability, budget=agent.budget, spending=agent.spending,
                    openness=agent.openness, dependence_aversion=agent.dependence_aversion,
                    n_partners=agent.n_partners, portfolio_hhi=agent.portfolio_hhi,
                    domestic_share=agent.domestic_share, sanctioned=float(sanctioned[agent.index]),
                    partners=tuple(sorted(agent.partners.items(), key=lambda kv: (-kv[1], kv[0]))),
                )
                for agent in model.countries
            )
            edges = tuple(
                (str(a), str(b), float(data["weight"]), str(data["kind"]))
                for a, b, data in graph.edges(data=True)
                if data["status"] == "signed" and data["weight"] > 0
            )
            return Snapshot(
                scenario=self.settings.scenario,
                name=scenario.name,
                description=scenario.description,
                scenario_names=self.scenario_choices(),
                root_seed=scenario.seed,
                seed=model.seed,
                build=self._builds,
                year=model.year,
                step=model.steps,
                horizon=model.horizon,
                base_year=model.base_year,
                running=bool(model.running),
                params=self._param_values(),
                stringency_from_data=model.params["leader_stringency"] is None,
                focus=self.settings.focus,
                focus_values=self._focus_values(),
                second_wave=tuple(self._second_wave()),
                actors=tuple(self._actor_codes()),
                leaders=tuple(self.leaders()),
                sanctioners={code: tuple(self.sanctioners(code)) for code in self._actor_codes()},
                controls=self.controls_now(),
                countries=countries,
                edges=edges,
                positions=dict(self.positions),
                capability_range=self._capability_range,
                frame=model_frame(model),
                events=self._event_views(),
                metrics=dict(model.metrics),
                bands=self._bands[1] if self._bands and self._bands[0] == self._revision else None,
                overlay=self._overlay,
            )

    def _param_values(self) -> dict[str, float]:
        """Each page parameter's value in the current model (the data's stringency when not set)."""
        values = {}
        for name in PAGE_PARAMETERS:
            value = self.model.params[name]
            if value is None:  # leader_stringency: the data's level, as measured at construction
                value = float(self.model.datacollector.model_vars["leader_stringency"][0])
            values[name] = float(value)
        return values

    def _focus_values(self) -> dict[str, float]:
        """The focus country's page attributes in this run (the scenario's or the data's)."""
        focus = self.settings.focus
        if not focus:
            return {}
        data = load_world_cached(self.scenario.data)
        given = self.scenario.countries.get(focus, {})
        index = data.index(focus)
        return {attr: float(given.get(attr, getattr(data, attr)[index])) for attr in COUNTRY_ATTRIBUTES}

    def _event_views(self) -> tuple[EventView, ...]:
        year = self.model.year
        views = [
            EventView(int(raw["year"]), describe_event(raw), "scenario", int(raw["year"]) <= year)
            for raw in self.scenario.events
        ]
        views += [EventView(event.year, text, "page", True) for event, text in self._page_events]
        return tuple(sorted(views, key=lambda view: view.year))


def describe_event(raw: Mapping[str, Any]) -> str:
    """One line describing a scheduled event, as its kind in :data:`sim.model.events.KINDS` words it.

    Args:
        raw: The event as plain data.

    Returns:
        E.g. ``"export controls by USA: stringency 0.9"``.
    """
    actors = raw.get("actors", [])
    actors = [actors] if isinstance(actors, str) else list(actors)
    return EVENT_KINDS[raw["kind"]].describe(raw["kind"], actors, raw)


def parameter_label(name: str) -> str:
    """Human label of a page parameter.

    Args:
        name: Parameter name.

    Returns:
        E.g. ``"Cost weight"``.
    """
    return PARAMETER_LABELS.get(name, name.replace("_", " ").capitalize())


def parameter_doc(name: str) -> str:
    """What a parameter means, from :data:`sim.model.parameters.PARAMETERS`.

    Args:
        name: Parameter name.

    Returns:
        Its one-line meaning.
    """
    return PARAMETERS[name].doc
