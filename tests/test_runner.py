"""Running one replication: tidy frames, seeds, reproducibility."""

from __future__ import annotations

import pandas as pd

from sim.engine.runner import run_replication
from sim.inputs.scenario import load_scenario


def test_replication_frames_are_tidy_and_labelled():
    scenario = load_scenario("baseline", ["steps=4"])
    seed = scenario.replication_seeds()[1]
    model, agents = run_replication(scenario, seed, replication=1)
    assert list(model.columns[:3]) == ["replication", "seed", "step"]
    assert model["step"].tolist() == list(range(5))
    assert (model["replication"] == 1).all() and (model["seed"] == seed).all()
    assert list(agents.columns[:3]) == ["replication", "seed", "step"]
    assert not agents.duplicated(["step", "iso3"]).any()
    assert set(agents["step"]) == set(range(5))


def test_same_seed_same_data_different_seed_different_data():
    scenario = load_scenario("baseline", ["steps=6"])
    first = run_replication(scenario, 11)
    again = run_replication(scenario, 11)
    other = run_replication(scenario, 12)
    pd.testing.assert_frame_equal(first[0], again[0])
    pd.testing.assert_frame_equal(first[1], again[1])
    assert not first[1]["capability"].equals(other[1]["capability"])


def test_without_agents():
    scenario = load_scenario("baseline", ["steps=2"])
    model, agents = run_replication(scenario, 3, collect_agents=False)
    assert agents is None and len(model) == 3


def test_edges_match_the_models_partnership_graph_at_the_end():
    from sim import QuantumWorld, partnership_graph
    from sim.engine.runner import simulate

    scenario = load_scenario("baseline", ["steps=5"])
    data = simulate(scenario, 21, replication=2)
    model = QuantumWorld(**scenario.model_kwargs(), seed=21)
    while model.running:
        model.step()
    final = data.edges[data.edges["step"] == 5]
    columns = ["provider", "receiver", "kind", "status", "weight"]
    graph = partnership_graph(model)
    assert sorted(final[columns].itertuples(index=False, name=None)) == sorted(
        (a, b, d["kind"], d["status"], d["weight"]) for a, b, d in graph.edges(data=True))
    assert set(data.edges["step"]) == set(range(6)) and (data.edges["replication"] == 2).all()
    assert set(data.edges["status"]) == {"talks", "signed"}
    assert {"science", "commercial"} <= set(data.edges["kind"])
    assert (data.edges.loc[data.edges["status"] == "talks", "weight"] == 0).all()
