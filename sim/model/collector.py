"""A Mesa DataCollector that records whole arrays instead of calling a function per agent.

Mesa's DataCollector calls each agent reporter on each agent and deep-copies each
model reporter's value, which dominates the cost of a small, fast model. This
subclass keeps Mesa's interface (``model_vars``, ``get_model_vars_dataframe``,
``get_agent_vars_dataframe``, the ``model_reporters``/``agent_reporters`` it was
given) but fills it in bulk: model-level values come from one dict the model
computes per step, agent-level values from a copy of one array per reporter,
turned into Mesa's agent DataFrame only when asked for.

``mesa.batch_run`` reads two private attributes of a collector: ``_agent_records``
(step -> one ``(step, agent id, *values)`` tuple per agent; every Mesa 3.x) and
``_collection_steps`` (the steps collected, in order; Mesa 3.4.1 and later, which
otherwise returns no rows). Both are kept here, the records as a view built from the
arrays on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd


class ArrayDataCollector(mesa.DataCollector):
    """Collects a model's metrics dict and per-agent arrays at each call of :meth:`collect`.

    Args:
        metrics: Function of the model returning this step's model-level values
            (scalars), always with the same keys.
        agent_columns: Function of the model returning one array per agent-level
            reporter, aligned with ``agent_ids``; None to record no agent data.
        agent_ids: ``unique_id`` of each agent, in array order.
        model: The model, used once to learn the metric names.
        agent_names: Names of the agent-level reporters, in column order.
    """

    def __init__(
        self,
        metrics: Callable[[Any], Mapping[str, float]],
        agent_columns: Callable[[Any], Sequence[np.ndarray]] | None,
        agent_ids: Sequence[int],
        model: Any,
        agent_names: Sequence[str] = (),
    ) -> None:
        names = list(metrics(model))
        super().__init__(
            model_reporters={name: _Metric(metrics, name) for name in names},
            agent_reporters={name: name for name in agent_names} if agent_columns else None,
        )
        self._metrics = metrics
        self._agent_columns = agent_columns
        self._agent_ids = list(agent_ids)
        self._agent_arrays: dict[int, list[np.ndarray]] = {}
        self._collection_steps: list[int] = []
        self._agent_records = _AgentRecords(self._agent_arrays, self._agent_ids)

    def collect(self, model: Any) -> None:
        """Record this step's metrics and, if enabled, a copy of every agent column."""
        self._collection_steps.append(model.steps)
        for name, value in self._metrics(model).items():
            self.model_vars[name].append(value)
        if self._agent_columns is not None:
            self._agent_arrays[model.steps] = [np.array(column) for column in self._agent_columns(model)]

    def get_agent_vars_dataframe(self) -> pd.DataFrame:
        """Agent-level records as Mesa returns them: indexed by ``Step`` and ``AgentID``.

        Returns:
            One row per recorded step and agent, one column per agent reporter.

        Raises:
            UserWarning: If no agent reporters were defined (as Mesa does).
        """
        if not self.agent_reporters:
            raise UserWarning(
                "No agent reporters have been defined in the DataCollector, returning empty DataFrame."
            )
        steps = list(self._agent_arrays)
        n_agents = len(self._agent_ids)
        columns = {
            name: np.concatenate([self._agent_arrays[step][k] for step in steps])
            for k, name in enumerate(self.agent_reporters)
        }
        index = pd.MultiIndex.from_arrays(
            [np.repeat(steps, n_agents), np.tile(self._agent_ids, len(steps))], names=["Step", "AgentID"]
        )
        return pd.DataFrame(columns, index=index)


class _Metric:
    """A model reporter naming one entry of the metrics dict (kept for Mesa's interface)."""

    def __init__(self, metrics: Callable[[Any], Mapping[str, float]], name: str) -> None:
        self.metrics = metrics
        self.name = name

    def __call__(self, model: Any) -> float:
        return self.metrics(model)[self.name]


class _AgentRecords(Mapping[int, list[tuple[Any, ...]]]):
    """Mesa's ``_agent_records`` (step -> ``(step, agent id, *values)`` per agent), read from the arrays."""

    def __init__(self, arrays: Mapping[int, list[np.ndarray]], agent_ids: Sequence[int]) -> None:
        self._arrays = arrays
        self._agent_ids = agent_ids

    def __getitem__(self, step: int) -> list[tuple[Any, ...]]:
        columns = [column.tolist() for column in self._arrays[step]]
        rows = zip(self._agent_ids, *columns, strict=True)
        return [(step, agent_id, *values) for agent_id, *values in rows]

    def __iter__(self) -> Iterator[int]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)
