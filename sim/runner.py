"""Run one replication of a scenario and return its tidy data.

:func:`run_replication` is a top-level function of plain, picklable arguments,
so process pools (which ``import mesa`` forces to the "spawn" start method) and
Dask workers can call it directly.
"""

from __future__ import annotations

import pandas as pd

from sim.model import QuantumWorld
from sim.results import agent_frame, model_frame
from sim.scenario import Scenario


def run_replication(
    scenario: Scenario, seed: int, *, collect_agents: bool = True, replication: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Build the scenario's model with ``seed``, run it to its horizon and collect its data.

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
    model = QuantumWorld(**scenario.model_kwargs(), seed=seed, collect_agents=collect_agents)
    while model.running:
        model.step()
    frames = [model_frame(model), agent_frame(model) if collect_agents else None]
    for frame in frames:
        if frame is not None:
            frame.insert(0, "seed", seed)
            frame.insert(0, "replication", replication)
    return frames[0], frames[1]
