"""The run plan: one row per run (its index, design point, replication, seed and input values).

Every run is a pure function of (scenario, inputs, seed): run ``k`` of design point ``p``
and replication ``r`` (``k = p * replications + r``) gets seed ``derive_seed(root, k)``.
An experiment's plan has one point per design point; a scenario run (``qgeo run``) is a
plan of one point and no inputs, so its run ``k`` is replication ``k`` with seed
``scenario.replication_seeds()[k]``. Runs are grouped into chunks, one task each.

A :class:`Plan` is never held whole: it is made, written and read in blocks of
:data:`BLOCK` runs, so memory stays flat in the number of runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.base.seeds import derive_seeds
from sim.inputs import keypath
from sim.inputs.design import Design
from sim.inputs.experiment import Experiment
from sim.inputs.scenario import Scenario, load_scenario

ID_COLUMNS: tuple[str, ...] = ("run", "point", "replication", "seed")
"""Leading columns of the plan and the outcome tables."""

MAX_CHUNK = 25
"""Most runs per task with the automatic chunk size."""

BLOCK = 10_000
"""Runs per block of a plan (made, written and read a block at a time)."""

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Plan:
    """A run plan, read a block of rows at a time.

    Attributes:
        size: Number of runs.
        blocks: Returns a new iterator over the plan's blocks (frames of :data:`ID_COLUMNS` and the
            inputs), in run order.
    """

    size: int
    blocks: Callable[[], Iterator[pd.DataFrame]]

    def frame(self) -> pd.DataFrame:
        """The whole plan as one frame (for small plans: tests, one run's row).

        Returns:
            One row per run, in run order.
        """
        return pd.concat(list(self.blocks()), ignore_index=True)

    def rows(self, skip: np.ndarray) -> Iterator[dict[str, Any]]:
        """The plan's rows as dicts, block by block, without the runs in ``skip``.

        Args:
            skip: Run indices to leave out (the finished ones).

        Yields:
            Plan rows, in run order.
        """
        for block in self.blocks():
            yield from block[~block["run"].isin(skip)].to_dict("records")

    def row(self, run: int) -> dict[str, Any]:
        """One run's row.

        Args:
            run: A run index in ``0 .. size - 1``.

        Returns:
            The plan row.

        Raises:
            IndexError: If the plan has no run ``run``.
        """
        for block in self.blocks():
            found = block[block["run"] == run]
            if len(found):
                return found.to_dict("records")[0]
        raise IndexError(f"run {run} is not in the plan of {self.size} runs")


def _ranges(total: int) -> Iterator[np.ndarray]:
    """Run indices ``0 .. total - 1`` in blocks of :data:`BLOCK`."""
    for start in range(0, total, BLOCK):
        yield np.arange(start, min(start + BLOCK, total))


def experiment_plan(experiment: Experiment, design: Design) -> Plan:
    """An experiment's plan: one row per run, with its index, design point, replication, seed and inputs.

    Args:
        experiment: The experiment (root seed, replications, inputs).
        design: Its design points.

    Returns:
        The plan, made a block at a time as it is read.
    """
    replications, root = experiment.spec.replications, experiment.spec.seed

    def blocks() -> Iterator[pd.DataFrame]:
        for runs in _ranges(design.n_points * replications):
            block = pd.DataFrame({
                "run": runs,
                "point": runs // replications,
                "replication": runs % replications,
                "seed": np.array(derive_seeds(root, len(runs), int(runs[0])), dtype=np.int64),
            })
            for column, item in enumerate(experiment.inputs):
                values = design.points[block["point"].to_numpy(), column]
                block[item.name] = values.astype(np.int64) if item.integer else values.astype(float)
            yield block

    return Plan(design.n_points * replications, blocks)


def plan_runs(experiment: Experiment, design: Design) -> pd.DataFrame:
    """One row per run: its index, design point, replication, seed and input values.

    Args:
        experiment: The experiment (root seed, replications, inputs).
        design: Its design points.

    Returns:
        The whole plan, ordered by run index (see :func:`experiment_plan` for large ones).
    """
    return experiment_plan(experiment, design).frame()


def scenario_plan(scenario: Scenario) -> Plan:
    """The plan of a scenario run: one point, no inputs, one run per replication.

    Args:
        scenario: The resolved scenario (root seed and replications).

    Returns:
        The plan: run ``k`` is replication ``k`` with seed ``scenario.replication_seeds()[k]``.
    """

    def blocks() -> Iterator[pd.DataFrame]:
        for runs in _ranges(scenario.replications):
            yield pd.DataFrame({
                "run": runs,
                "point": np.zeros_like(runs),
                "replication": runs,
                "seed": np.array(derive_seeds(scenario.seed, len(runs), int(runs[0])), dtype=np.int64),
            })

    return Plan(scenario.replications, blocks)


def apply_inputs(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """The scenario with some key paths set (``params.x``, ``countries.ISO.attr``, ``events[i].f``).

    Parameters are checked against the registry here, the rest by the model when it is built;
    a value (or a combination, such as an event year beyond a shorter horizon) rejected
    either way makes the run fail.

    Args:
        scenario: The base scenario.
        values: Key path -> value.

    Returns:
        A new scenario; ``scenario`` is unchanged.

    Raises:
        ParameterError: On a parameter value outside its range.
    """
    content: dict[str, Any] = {
        "params": scenario.params.as_dict(),
        "countries": {code: dict(attrs) for code, attrs in scenario.countries.items()},
        "events": [dict(event) for event in scenario.events],
        "steps": scenario.steps,
    }
    for key, value in values.items():
        path = keypath.parse(key)
        typed = int(value) if str(path) == "steps" else float(value) if path.kind == "country" else value
        keypath.apply(content, path, typed)
    params = content.pop("params")
    return scenario.model_copy(update=content).with_params(params)


def base_scenario(experiment: Experiment) -> Scenario:
    """The experiment's scenario with its ``steps`` and ``fixed`` overrides.

    Args:
        experiment: The experiment.

    Returns:
        The scenario every run starts from.
    """
    return load_scenario(experiment.scenario_path, overrides=experiment.base_overrides())


def chunked(records: Iterable[dict[str, Any]], count: int, workers: int, size: int | None = None,
            most: int = MAX_CHUNK, fewest: int = 1) -> Iterator[Rows]:
    """Split runs into tasks, taking them from ``records`` only as tasks are asked for.

    With a fixed ``size``, every chunk has that many runs. Otherwise chunks are guided:
    each takes a quarter of the remaining runs per worker, at most ``most``, so tasks
    are large while there is much to do (little scheduling overhead) and shrink to
    ``fewest`` runs (single runs by default) at the end (no worker waits long for the last one).

    Args:
        records: Plan rows of the runs to do (an iterator: the plan is never held whole).
        count: How many rows ``records`` gives.
        workers: Parallel workers.
        size: Fixed chunk size, or None for guided chunks.
        most: Most runs per guided chunk.
        fewest: Fewest runs per guided chunk (the last may have fewer).

    Yields:
        Lists of plan rows.
    """
    records = iter(records)
    remaining = count
    while remaining > 0:
        take = size or max(fewest, 1, min(most, math.ceil(remaining / (4 * max(workers, 1)))))
        chunk = list(itertools.islice(records, take))
        if not chunk:
            return
        yield chunk
        remaining -= len(chunk)
