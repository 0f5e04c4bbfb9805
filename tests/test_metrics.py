"""``bloc_modularity`` is an array kernel for speed; networkx's modularity is the reference it must match."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim import QuantumWorld, model_frame, partnership_graph
from sim.model.metrics import bloc_modularity
from sim.model.quantum_world import BLOCS


def communities(weights: dict[str, dict[int, float]], seller_bloc: dict[str, int], n_blocs: int,
                nodes: list[str]) -> list[set[str]]:
    """The kernel's rule, written out: sellers in their bloc, each buyer in the bloc it gives most weight
    (the first of equal largest), buyers without partners alone (they carry no weight either way)."""
    groups: list[set[str]] = [set() for _ in range(n_blocs)]
    alone: list[set[str]] = []
    for node in nodes:
        if node in seller_bloc:
            groups[seller_bloc[node]].add(node)
        elif weights.get(node):
            per_bloc = weights[node]
            best = max(per_bloc.values())
            groups[min(bloc for bloc, value in per_bloc.items() if value == best)].add(node)
        else:
            alone.append({node})
    return [group for group in groups if group] + alone


@pytest.mark.parametrize("seed", range(12))
def test_bloc_modularity_matches_networkx_on_random_portfolios(seed):
    rng = np.random.default_rng(seed)
    buyers, sellers, n_blocs = int(rng.integers(1, 40)), int(rng.integers(1, 12)), 3
    seller_bloc = rng.integers(0, n_blocs, sellers)
    foreign = rng.random((buyers, sellers)).astype(np.float32)
    foreign[rng.random((buyers, sellers)) < 0.6] = 0.0  # sparse portfolios, some buyers without partners
    if buyers > 2 and sellers > 1:  # a buyer split evenly between two blocs: ties go to the first
        foreign[0] = 0.0
        foreign[0, :2] = 0.25
        seller_bloc[:2] = (2, 1)
    by_bloc = foreign.astype(np.float64) @ np.eye(n_blocs)[seller_bloc]  # each buyer's weight per bloc

    graph = nx.Graph()
    names = [f"b{i}" for i in range(buyers)] + [f"s{j}" for j in range(sellers)]
    graph.add_nodes_from(names)
    weights: dict[str, dict[int, float]] = {}
    for i, j in zip(*np.nonzero(foreign), strict=True):
        graph.add_edge(f"b{i}", f"s{j}", weight=float(foreign[i, j]))
        per_bloc = weights.setdefault(f"b{i}", {})
        per_bloc[int(seller_bloc[j])] = per_bloc.get(int(seller_bloc[j]), 0.0) + float(foreign[i, j])
    kernel = bloc_modularity(by_bloc)
    if graph.number_of_edges() == 0:
        assert kernel == 0.0
        return
    partition = communities(weights, {f"s{j}": int(b) for j, b in enumerate(seller_bloc)}, n_blocs, names)
    assert kernel == pytest.approx(nx.community.modularity(graph, partition), rel=1e-9, abs=1e-12)


def test_bloc_modularity_of_no_partnership_is_zero():
    assert bloc_modularity(np.zeros((4, 3))) == 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_models_bloc_modularity_is_networkx_modularity_of_its_commercial_network(seed):
    model = QuantumWorld(seed=seed)
    for _ in range(6):
        model.step()
    network = partnership_graph(model)
    commercial = nx.Graph()
    commercial.add_nodes_from(network.nodes)
    sellers: dict[str, int] = {}
    weights: dict[str, dict[int, float]] = {}
    for seller, buyer, edge in network.edges(data=True):
        if edge["kind"] != "commercial":
            continue
        sellers[seller] = BLOCS.index(network.nodes[seller]["bloc"])
        if edge["weight"] > 0:
            commercial.add_edge(seller, buyer, weight=edge["weight"])
            per_bloc = weights.setdefault(buyer, {})
            per_bloc[sellers[seller]] = per_bloc.get(sellers[seller], 0.0) + edge["weight"]
    assert commercial.number_of_edges() > 10
    partition = communities(weights, sellers, len(BLOCS), list(commercial.nodes))
    reported = model_frame(model)["bloc_modularity"].iloc[-1]
    assert reported == pytest.approx(nx.community.modularity(commercial, partition), rel=1e-9, abs=1e-12)
