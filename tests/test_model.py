"""QuantumWorld: reproducibility, invariants, events, and Mesa integration."""

from __future__ import annotations

import inspect

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import QuantumWorld, agent_frame, model_frame, partnership_graph
from sim.base.errors import ParameterError
from sim.model.events import EventError
from sim.model.parameters import PARAMETERS, defaults
from sim.model.quantum_world import ModelStateError


def run(steps: int = 10, **kwargs) -> QuantumWorld:
    model = QuantumWorld(steps=steps, **kwargs)
    while model.running:
        model.step()
    return model


def test_baseline_builds_from_shipped_data_and_reports_required_columns():
    model = QuantumWorld(seed=1)
    frame = model_frame(model)
    required = {
        "year", "share_leaders", "share_USA", "share_CHN", "share_RUS", "hhi_second_wave",
        "capability_leaders", "capability_second_wave", "capability_gap", "n_partnerships",
        "bloc_modularity",
    }
    assert required <= set(frame.columns)
    providers = [c.iso3 for c in model.countries if c.role in ("leader", "provider")]
    assert {f"share_{code}" for code in providers} <= set(frame.columns)
    assert len(frame) == 1 and frame.loc[0, "year"] == model.base_year


def test_every_parameter_has_a_spec_and_a_default_in_range():
    values = defaults()
    assert set(values) == set(PARAMETERS)
    for name, spec in PARAMETERS.items():
        if values[name] is not None:
            assert spec.low <= values[name] <= spec.high, name


def test_year_advances_and_running_stops_at_horizon():
    model = run(steps=4, seed=3)
    assert model.year == model.base_year + 4
    assert model.steps == 4 and not model.running
    assert list(model_frame(model)["year"]) == list(range(model.base_year, model.base_year + 5))


def test_same_seed_gives_identical_model_and_agent_data():
    first, second = run(seed=11), run(seed=11)
    pd.testing.assert_frame_equal(model_frame(first), model_frame(second))
    pd.testing.assert_frame_equal(agent_frame(first), agent_frame(second))


def test_different_seeds_give_different_data():
    first, second = run(seed=11), run(seed=12)
    assert not model_frame(first).equals(model_frame(second))


def test_agent_frame_is_tidy_one_row_per_country_and_step():
    model = run(steps=3, seed=2)
    frame = agent_frame(model)
    assert len(frame) == 4 * len(model.countries)
    assert not frame.duplicated(["step", "iso3"]).any()
    assert {"capability", "budget", "openness", "n_partners", "portfolio_hhi"} <= set(frame.columns)


def test_partnership_graph_holds_every_partnership_with_kind_status_and_weight():
    model = run(steps=8, seed=5)
    graph = partnership_graph(model)
    assert graph.number_of_nodes() == len(model.countries)
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert {"science", "commercial"} <= kinds
    assert {data["status"] for _, _, data in graph.edges(data=True)} == {"talks", "signed"}
    used = [(a, b, w) for a, b, w in graph.edges(data="weight")
            if graph.edges[a, b]["kind"] == "commercial" and w > 0]
    assert len(used) == model.metrics["n_partnerships"]
    for provider, receiver, weight in used:
        assert graph.nodes[provider]["role"] in ("leader", "provider")
        assert graph.nodes[receiver]["role"] == "second_wave"
        assert model.partners_of(receiver)[provider] == pytest.approx(weight)
        assert graph.edges[provider, receiver]["status"] == "signed"
    for a, b, data in graph.edges(data=True):
        if data["kind"] != "commercial":
            assert {graph.nodes[a]["role"], graph.nodes[b]["role"]} <= {"leader", "provider"}
            assert model.peers_of(a)[b] == f"{data['kind']} {data['status']}"
            assert data["weight"] == (1.0 if data["status"] == "signed" else 0.0)
    edges = [d for *_, d in graph.edges(data=True) if d["status"] == "signed"]
    kinds = ("science", "programme", "commercial")
    signed = {kind: sum(1 for d in edges if d["kind"] == kind) for kind in kinds}
    assert signed == {kind: model.metrics[f"n_signed_{kind}"] for kind in signed}


def check_invariants(model: QuantumWorld) -> None:
    metrics = model.metrics
    assert all(np.isfinite(v) for v in metrics.values())
    share_total = sum(v for k, v in metrics.items() if k.startswith("share_") and k != "share_leaders")
    promoted = model.share[model.role != "second_wave"].sum() - share_total
    if metrics["n_partnerships"] > 0:
        assert share_total + promoted == pytest.approx(1.0)
    else:
        assert share_total == 0.0
    for array in (model.budget, model.spending, model.capability, model.price):
        assert np.all(np.isfinite(array)) and np.all(array >= 0)
    assert np.all((model.openness >= 0) & (model.openness <= 1))
    assert np.all(model.foreign >= 0) and np.all(model.domestic >= 0)
    assert np.allclose(model.foreign.sum(axis=1) + model.domestic, 1.0, atol=1e-5)
    assert np.all(model.n_partners[model.role == "second_wave"] <= model.params["max_partners"])
    assert 0.0 <= metrics["hhi_second_wave"] <= 1.0 + 1e-12


def spec_range(name: str, high: float | None = None) -> st.SearchStrategy[float]:
    spec = PARAMETERS[name]
    return st.floats(spec.low, spec.high if high is None else high, allow_nan=False)


random_parameters = st.fixed_dictionaries(
    {
        "dependence_weight": spec_range("dependence_weight"),
        "alignment_weight": spec_range("alignment_weight"),
        "choice_temperature": spec_range("choice_temperature"),
        "switching_cost": spec_range("switching_cost"),
        "trust_gain": spec_range("trust_gain"),
        "science_gain": spec_range("science_gain"),
        "programme_share": spec_range("programme_share"),
        "talks_rate": spec_range("talks_rate"),
        "signing_rate": spec_range("signing_rate"),
        "lapse_rate": spec_range("lapse_rate"),
        "max_partners": st.integers(1, 8),
        "min_tie_weight": spec_range("min_tie_weight"),
        "depreciation": spec_range("depreciation"),
        "transfer_gain": spec_range("transfer_gain"),
        "provider_adaptation": spec_range("provider_adaptation"),
        "control_response": spec_range("control_response"),
        "denial_response": spec_range("denial_response", high=0.5),
        "budget_volatility": spec_range("budget_volatility", high=0.5),
        "seed": st.integers(0, 2**31),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=random_parameters)
def test_invariants_hold_every_step_for_random_parameters(params):
    model = QuantumWorld(steps=8, **params)
    check_invariants(model)
    while model.running:
        model.step()
        check_invariants(model)


def test_invariants_hold_in_a_synthetic_world():
    model = QuantumWorld(steps=5, n_countries=600, seed=4, collect_agents=False)
    assert len(model.countries) == 600
    while model.running:
        model.step()
        check_invariants(model)


def test_synthetic_world_is_reproducible_and_seed_dependent():
    a = model_frame(run(steps=3, n_countries=300, seed=1, collect_agents=False))
    b = model_frame(run(steps=3, n_countries=300, seed=1, collect_agents=False))
    c = model_frame(run(steps=3, n_countries=300, seed=2, collect_agents=False))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_bad_parameter_is_a_clear_error():
    with pytest.raises(ParameterError, match=r"'dependence_weight' expected a value in \[0, 20\].*found -1"):
        QuantumWorld(dependence_weight=-1)
    with pytest.raises(ParameterError, match="whole number"):
        QuantumWorld(max_partners=2.5)


def test_bad_event_is_a_clear_error():
    with pytest.raises(EventError, match="did you mean 'sanctions'"):
        QuantumWorld(events=[{"year": 2026, "kind": "sanction", "actors": ["USA"]}])
    with pytest.raises(EventError, match="did you mean 'RUS'"):
        QuantumWorld(events=[{"year": 2026, "kind": "breakthrough", "actors": ["RUZ"],
                              "capability_gain": 0.5}])
    with pytest.raises(EventError, match="within the horizon 2025-2030"):
        QuantumWorld(steps=5, events=[{"year": 2031, "kind": "budget_change", "actors": ["USA"],
                                       "factor": 2.0}])
    with pytest.raises(EventError, match="only they can impose"):
        QuantumWorld(events=[{"year": 2026, "kind": "sanctions", "actors": ["VNM"], "targets": ["USA"],
                              "severity": 0.5}])


# ---------------------------------------------------------------- events
STATE = ("budget", "disbursed_share", "spending", "capability", "openness", "price", "controls",
         "sanctions", "foreign", "domestic")


def snapshot(model: QuantumWorld) -> dict[str, np.ndarray]:
    return {name: getattr(model, name).copy() for name in STATE}


def changed(before: dict[str, np.ndarray], model: QuantumWorld) -> dict[str, np.ndarray]:
    return {
        name: np.argwhere(before[name] != getattr(model, name)) for name in STATE
        if not np.array_equal(before[name], getattr(model, name))
    }


@pytest.fixture
def world() -> QuantumWorld:
    model = QuantumWorld(seed=9, steps=5)
    model.step()
    return model


def test_budget_change_multiplies_only_the_actors_budget(world):
    before = snapshot(world)
    usa = world.index_of("USA")
    world.apply_event({"kind": "budget_change", "actors": ["USA"], "factor": 2.0})
    diff = changed(before, world)
    assert set(diff) == {"budget"} and diff["budget"].ravel().tolist() == [usa]
    assert world.budget[usa] == pytest.approx(2.0 * before["budget"][usa])


def test_new_programme_sets_budget_and_disbursement(world):
    before = snapshot(world)
    vnm = world.index_of("VNM")
    world.apply_event({"kind": "new_programme", "actors": ["VNM"], "budget": 5e7, "disbursed_share": 0.9})
    diff = changed(before, world)
    assert set(diff) == {"budget", "disbursed_share"}
    assert world.budget[vnm] == 5e7 and world.disbursed_share[vnm] == 0.9
    assert world.spending[vnm] == before["spending"][vnm]  # announced is not spent (yet)


def test_breakthrough_raises_only_the_actors_capability(world):
    before = snapshot(world)
    rus = world.index_of("RUS")
    world.apply_event({"kind": "breakthrough", "actors": ["RUS"], "capability_gain": 0.5})
    diff = changed(before, world)
    assert set(diff) == {"capability"} and diff["capability"].ravel().tolist() == [rus]
    assert world.capability[rus] == pytest.approx(1.5 * before["capability"][rus])


def test_export_controls_set_the_actors_row_on_its_control_scope(world):
    before = snapshot(world)
    world.apply_event({"kind": "export_controls", "actors": ["USA"], "stringency": 0.95})
    diff = changed(before, world)
    assert set(diff) == {"controls"}
    row = np.flatnonzero(world.actors == world.index_of("USA"))[0]
    assert set(diff["controls"][:, 0].tolist()) == {row}
    scope = world.control_scope[row]
    assert np.all(world.controls[row, scope] == 0.95)
    assert np.array_equal(world.controls[row, ~scope], before["controls"][row, ~scope])
    assert not scope[world.index_of("GBR")]  # the exempt club (controls.csv) keeps 0
    assert scope[world.index_of("DNK")]  # an ally outside the exempt club is controlled, as in the data


def test_export_controls_with_targets_and_easing(world):
    world.apply_event({"kind": "export_controls", "actors": ["USA"], "stringency": 0.0,
                       "targets": ["VNM"]})
    row = np.flatnonzero(world.actors == world.index_of("USA"))[0]
    assert world.controls[row, world.index_of("VNM")] == 0.0


def test_sanctions_set_severity_on_targets_only(world):
    before = snapshot(world)
    world.apply_event({"kind": "sanctions", "actors": ["USA", "GBR"], "targets": ["IND"], "severity": 0.8})
    diff = changed(before, world)
    assert set(diff) == {"sanctions"}
    assert set(diff["sanctions"][:, 1].tolist()) == {world.index_of("IND")}
    assert world.sanction_status()[world.index_of("IND")] == 0.8


def test_scheduled_event_applies_in_its_year_only():
    event = {"year": 2027, "kind": "budget_change", "actors": ["BRA"], "factor": 3.0}
    model = QuantumWorld(seed=1, steps=5, events=[event], budget_volatility=0.0, denial_response=0.0)
    bra = model.index_of("BRA")
    budgets = [model.budget[bra]]
    while model.running:
        model.step()
        budgets.append(model.budget[bra])
    ratios = np.array(budgets[1:]) / np.array(budgets[:-1])
    assert ratios.tolist() == pytest.approx([1.0, 3.0, 1.0, 1.0, 1.0])
    assert model.event_log == [{**event, "actors": ["BRA"]}]


def test_denied_countries_raise_their_own_investment():
    sanction = {"year": 2026, "kind": "sanctions", "actors": ["USA", "CHN"], "targets": ["BRA"],
                "severity": 1.0}
    common = dict(seed=4, steps=6, budget_volatility=0.0)
    base = run(**common)
    denied = run(events=[sanction], **common)
    bra = base.index_of("BRA")
    assert denied.budget[bra] > base.budget[bra] * 1.05


def batch_run_over_seeds(seeds: list[int], parameters: dict, **options) -> pd.DataFrame:
    """mesa.batch_run of every parameter combination with each seed.

    Mesa 3.4.1+ overwrites a swept `seed` parameter with its `rng` argument, so seeds go through `rng`
    where batch_run takes it; Mesa 3.3 has no `rng` and sweeps `seed` as a parameter.
    """
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        results = mesa.batch_run(QuantumWorld, parameters=parameters, rng=seeds, **options)
    else:
        results = mesa.batch_run(QuantumWorld, parameters={**parameters, "seed": seeds}, iterations=1,
                                 **options)
    return pd.DataFrame(results)


def test_runs_under_mesa_batch_run_with_seed_swept():
    options = dict(max_steps=3, number_processes=1, data_collection_period=-1, display_progress=False)
    frame = batch_run_over_seeds(
        [1, 2], {"steps": 3, "dependence_weight": [1.0, 3.0], "collect_agents": False}, **options
    )
    assert len(frame) == 4
    assert {"share_RUS", "hhi_second_wave", "seed", "dependence_weight"} <= set(frame.columns)
    assert sorted(frame.seed) == [1, 1, 2, 2]
    again = batch_run_over_seeds([1], {"steps": 3, "dependence_weight": 1.0, "collect_agents": False},
                                 **options)
    first = frame[(frame.seed == 1) & (frame.dependence_weight == 1.0)]
    assert first["share_RUS"].iloc[0] == again["share_RUS"].iloc[0]
    direct = run(steps=3, seed=1, dependence_weight=1.0, collect_agents=False)
    step = int(again["Step"].iloc[0])  # Mesa 3.3 reports the step before the last, 3.4+ the last
    assert step in (2, 3)
    assert again["share_RUS"].iloc[0] == direct.datacollector.model_vars["share_RUS"][step]
    other_seed = frame[(frame.seed == 2) & (frame.dependence_weight == 1.0)]
    assert other_seed["hhi_second_wave"].iloc[0] != first["hhi_second_wave"].iloc[0]


def test_mesa_batch_run_reports_every_agent_from_the_array_collector():
    frame = batch_run_over_seeds([5], {"steps": 2}, max_steps=2, number_processes=1,
                                 data_collection_period=1, display_progress=False)
    model = run(steps=2, seed=5)
    agents = model.datacollector.get_agent_vars_dataframe()
    last = frame[frame.Step == frame.Step.max()].set_index("AgentID")
    assert len(last) == len(model.countries)
    step = int(frame.Step.max())
    expected = agents.xs(step, level="Step")
    assert last.loc[expected.index, "capability"].tolist() == expected["capability"].tolist()


def test_agent_data_matches_each_agents_own_view():
    model = run(steps=4, seed=8)
    last = agent_frame(model).query("step == 4").set_index("iso3")
    for agent in model.countries:
        row = last.loc[agent.iso3]
        assert row["role"] == agent.role
        assert row["capability"] == pytest.approx(agent.capability)
        assert row["budget"] == pytest.approx(agent.budget)
        assert row["n_partners"] == agent.n_partners == len(agent.partners)
        assert row["portfolio_hhi"] == pytest.approx(agent.portfolio_hhi)


def test_datacollector_keeps_mesas_interface():
    model = run(steps=2, seed=8)
    collector = model.datacollector
    assert set(collector.model_reporters) == set(model.metrics)
    frame = collector.get_model_vars_dataframe()
    assert len(frame) == 3 and frame["year"].tolist() == [2025, 2026, 2027]
    agents = collector.get_agent_vars_dataframe()
    assert agents.index.names == ["Step", "AgentID"] and len(agents) == 3 * len(model.countries)


def test_leader_stringency_at_the_data_level_reproduces_the_data_controls():
    data_level = QuantumWorld(seed=1, steps=2)
    same = QuantumWorld(seed=1, steps=2, leader_stringency=0.6)
    usa = np.flatnonzero(data_level.actors == data_level.index_of("USA"))[0]
    assert np.array_equal(data_level.controls[usa], same.controls[usa])


def test_too_few_countries_for_a_synthetic_world_is_a_parameter_error():
    with pytest.raises(ParameterError, match="n_countries"):
        QuantumWorld(n_countries=5)


def test_finished_models_are_freed():
    import gc
    import weakref

    model = run(steps=2, seed=1)
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


def corner_or_inside(name: str) -> st.SearchStrategy[float]:
    """A parameter's documented low end, high end, or any value between (the whole box, corners included)."""
    spec = PARAMETERS[name]
    if spec.integer:
        return st.sampled_from([int(spec.low), int(spec.high)]) | st.integers(int(spec.low), int(spec.high))
    return st.sampled_from([spec.low, spec.high]) | st.floats(spec.low, spec.high, allow_nan=False)


whole_box = st.fixed_dictionaries(
    {name: corner_or_inside(name) for name in PARAMETERS if name not in ("steps", "n_countries")}
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=whole_box, seed=st.integers(0, 2**31))
def test_no_value_in_the_documented_box_breaks_the_state(params, seed):
    model = QuantumWorld(steps=10, seed=seed, **params)  # _check_state raises ModelStateError otherwise
    while model.running:
        model.step()
        check_invariants(model)
        shares = model.share
        assert abs(shares.sum() - 1.0) < 1e-9 or shares.sum() == 0.0  # every seller's share is counted


def test_a_broken_state_is_named_with_its_quantity_and_year():
    model = QuantumWorld(steps=3, seed=1)
    model.step()
    model.capability[model.index_of("VNM")] = np.nan
    with pytest.raises(ModelStateError, match=r"year 2026: capability of 1 countries .*first: VNM, nan"):
        model._check_state()
