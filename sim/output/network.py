"""The partnership network as a networkx graph."""

from __future__ import annotations

import networkx as nx

from sim.model import formation
from sim.model.quantum_world import QuantumWorld


def partnership_graph(model: QuantumWorld) -> nx.DiGraph:
    """The current partnership network: every partnership of every kind and stage.

    Args:
        model: The model.

    Returns:
        A DiGraph with every country as a node (attributes ``name``, ``role``,
        ``bloc``, ``capability``, ``budget``, ``spending``, ``openness``) and one edge
        per partnership with attributes ``kind`` (``science``, ``programme`` or
        ``commercial``), ``status`` (``talks`` or ``signed``) and ``weight``. A
        commercial edge runs from the seller to the second-wave buyer and its weight is
        the buyer's portfolio share (0 in talks); a science exchange or joint programme
        between two leaders or providers is one edge (from the actor listed first in the
        data) with weight 1 when signed and 0 in talks.
    """
    graph = nx.DiGraph(year=model.year)
    for agent in model.countries:
        graph.add_node(
            agent.iso3, name=agent.name, role=agent.role, bloc=agent.bloc,
            capability=agent.capability, budget=agent.budget, spending=agent.spending,
            openness=agent.openness,
        )
    records = model.partnerships()
    codes = model.iso3
    graph.add_edges_from(
        (str(codes[a]), str(codes[b]),
         {"kind": formation.KINDS[kind], "status": formation.STAGES[stage], "weight": float(weight)})
        for a, b, kind, stage, weight in zip(
            records["a"], records["b"], records["kind"], records["stage"], records["weight"], strict=True
        )
    )
    return graph
