"""Run one replication of a scenario and return its tidy data.

:func:`simulate` and :func:`run_replication` are top-level functions of plain,
picklable arguments, so process pools (which ``import mesa`` forces to the
"spawn" start method) and Dask workers can call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import formation
from sim.model import QuantumWorld
from sim.results import agent_frame, model_frame
from sim.scenario import Scenario

EDGE_COLUMNS: tuple[str, ...] = ("step", "year", "provider", "receiver", "kind", "status", "weight")
"""Columns of the partnership records (before ``replication`` and ``seed``): for a commercial
partnership the seller and the second-wave buyer, for a science exchange or joint programme the
two actors (in data order); ``kind``, ``status`` (talks or signed) and ``weight`` as in
:meth:`sim.model.QuantumWorld.partnerships`."""


@dataclass(frozen=True)
class ReplicationData:
    """Tidy data of one replication; every frame starts with columns ``replication`` and ``seed``.

    Attributes:
        model: Model-level outcomes, one row per step (0 = construction).
        agents: Per-country records, one row per step and country (None if not collected).
        edges: Partnerships of every kind and stage, one row per step and pair (:data:`EDGE_COLUMNS`).
    """

    model: pd.DataFrame
    agents: pd.DataFrame | None
    edges: pd.DataFrame


def simulate(
    scenario: Scenario, seed: int, *, collect_agents: bool = True, replication: int = 0
) -> ReplicationData:
    """Build the scenario's model with ``seed``, run it to its horizon and collect all its data.

    Args:
        scenario: The resolved scenario.
        seed: The replication's seed (usually ``scenario.replication_seeds()[replication]``).
        collect_agents: Whether to record per-country data.
        replication: The replication's index, written into the frames.

    Returns:
        The model-level, agent-level and partnership data.
    """
    model = QuantumWorld(**scenario.model_kwargs(), seed=seed, collect_agents=collect_agents)
    edges = [_edges(model)]
    while model.running:
        model.step()
        edges.append(_edges(model))
    frames = [model_frame(model), agent_frame(model) if collect_agents else None,
              pd.concat(edges, ignore_index=True)]
    for frame in frames:
        if frame is not None:
            frame.insert(0, "seed", seed)
            frame.insert(0, "replication", replication)
    return ReplicationData(*frames)


def run_replication(
    scenario: Scenario, seed: int, *, collect_agents: bool = True, replication: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run one replication and return its model- and agent-level data.

    Args:
        scenario: The resolved scenario.
        seed: The replication's seed (usually ``scenario.replication_seeds()[replication]``).
        collect_agents: Whether to record and return per-country data.
        replication: The replication's index, written into the frames.

    Returns:
        ``(model_data, agent_data)``: the model-level frame (one row per step) and the
        agent-level frame (one row per step and country, or None without ``collect_agents``),
        each with leading columns ``replication`` and ``seed``.
    """
    data = simulate(scenario, seed, collect_agents=collect_agents, replication=replication)
    return data.model, data.agents


def _edges(model: QuantumWorld) -> pd.DataFrame:
    """Every current partnership (both stages, every kind) as rows of :data:`EDGE_COLUMNS`."""
    records = model.partnerships()
    count = len(records["a"])
    return pd.DataFrame({
        "step": np.full(count, model.steps, dtype="int64"),
        "year": np.full(count, model.year, dtype="int64"),
        "provider": model.iso3[records["a"]].astype(str),
        "receiver": model.iso3[records["b"]].astype(str),
        "kind": np.asarray(formation.KINDS, dtype=object)[records["kind"]].astype(str),
        "status": np.asarray(formation.STAGES, dtype=object)[records["stage"]].astype(str),
        "weight": records["weight"].astype("float64"),
    })
