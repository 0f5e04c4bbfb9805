"""The partnership network as a networkx graph."""

from __future__ import annotations

import networkx as nx

from sim.model import QuantumWorld


def partnership_graph(model: QuantumWorld) -> nx.DiGraph:
    """The current partnership network, directed from provider to receiver.

    Args:
        model: The model.

    Returns:
        A DiGraph with every country as a node (attributes ``name``, ``role``,
        ``bloc``, ``capability``, ``budget``, ``spending``, ``openness``) and an
        edge provider -> second-wave country for each partnership, with its
        portfolio ``weight``.
    """
    graph = nx.DiGraph(year=model.year)
    for agent in model.countries:
        graph.add_node(
            agent.iso3, name=agent.name, role=agent.role, bloc=agent.bloc,
            capability=agent.capability, budget=agent.budget, spending=agent.spending,
            openness=agent.openness,
        )
    providers, choosers, weights = model.partnership_matrix()
    rows, cols = weights.nonzero()
    graph.add_weighted_edges_from(
        (str(model.iso3[providers[j]]), str(model.iso3[choosers[i]]), float(weights[i, j]))
        for i, j in zip(rows, cols, strict=True)
    )
    return graph
