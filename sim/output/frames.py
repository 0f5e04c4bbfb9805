"""Tidy data from a model run: one row per step (and per country for agent data)."""

from __future__ import annotations

import pandas as pd

from sim.model.quantum_world import QuantumWorld


def model_frame(model: QuantumWorld) -> pd.DataFrame:
    """Model-level outcomes as a tidy DataFrame.

    Args:
        model: A model that has collected data (at construction and every step).

    Returns:
        One row per collected step with a ``step`` column (0 = construction) and one
        column per outcome (``year``, ``share_leaders``, ``share_<ISO3>``...).
    """
    frame = model.datacollector.get_model_vars_dataframe()
    frame.insert(0, "step", range(len(frame)))
    return frame.reset_index(drop=True)


def agent_frame(model: QuantumWorld) -> pd.DataFrame:
    """Per-country records as a tidy DataFrame.

    Args:
        model: A model built with ``collect_agents=True``.

    Returns:
        One row per step and country: ``step``, ``year``, ``iso3``, ``role`` and the
        reporters of :data:`sim.model.quantum_world.AGENT_REPORTERS`.

    Raises:
        ValueError: If the model was built without agent collection.
    """
    if not model.datacollector.agent_reporters:
        raise ValueError("agent data was not collected: build the model with collect_agents=True")
    frame = model.datacollector.get_agent_vars_dataframe().reset_index()
    frame = frame.rename(columns={"Step": "step", "AgentID": "agent_id"})
    frame.insert(1, "year", frame["step"] + model.base_year)
    return frame.drop(columns="agent_id")
