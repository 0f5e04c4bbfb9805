"""The run plan: one row per run (its index, design point, replication, seed and input values).

Every run is a pure function of (scenario, inputs, seed): run ``k`` of design point ``p``
and replication ``r`` (``k = p * replications + r``) gets seed ``derive_seed(root, k)``.
An experiment's plan has one point per design point; a scenario run (``qgeo run``) is a
plan of one point and no inputs, so its run ``k`` is replication ``k`` with seed
``scenario.replication_seeds()[k]``. Runs are grouped into chunks, one task each.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.base.seeds import derive_seed
from sim.inputs import keypath
from sim.inputs.design import Design
from sim.inputs.experiment import Experiment
from sim.inputs.scenario import Scenario, load_scenario

ID_COLUMNS: tuple[str, ...] = ("run", "point", "replication", "seed")
"""Leading columns of the plan and the outcome tables."""

MAX_CHUNK = 25
"""Most runs per task with the automatic chunk size."""

Rows = list[dict[str, Any]]


def plan_runs(experiment: Experiment, design: Design) -> pd.DataFrame:
    """One row per run: its index, design point, replication, seed and input values.

    Args:
        experiment: The experiment (root seed, replications, inputs).
        design: Its design points.

    Returns:
        The plan, ordered by run index.
    """
    replications = experiment.spec.replications
    runs = np.arange(design.n_points * replications)
    plan = pd.DataFrame({
        "run": runs,
        "point": runs // replications,
        "replication": runs % replications,
        "seed": np.array([derive_seed(experiment.spec.seed, int(k)) for k in runs], dtype=np.int64),
    })
    for column, item in enumerate(experiment.inputs):
        values = design.points[plan["point"].to_numpy(), column]
        plan[item.name] = values.astype(np.int64) if item.integer else values.astype(float)
    return plan


def scenario_plan(scenario: Scenario) -> pd.DataFrame:
    """The plan of a scenario run: one point, no inputs, one run per replication.

    Args:
        scenario: The resolved scenario (root seed and replications).

    Returns:
        The plan: run ``k`` is replication ``k`` with seed ``scenario.replication_seeds()[k]``.
    """
    runs = np.arange(scenario.replications)
    return pd.DataFrame({
        "run": runs,
        "point": np.zeros_like(runs),
        "replication": runs,
        "seed": np.array(scenario.replication_seeds(), dtype=np.int64),
    })


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


def chunked(records: Rows, workers: int, size: int | None = None, most: int = MAX_CHUNK) -> Iterator[Rows]:
    """Split runs into tasks.

    With a fixed ``size``, every chunk has that many runs. Otherwise chunks are guided:
    each takes a quarter of the remaining runs per worker, at most ``most``, so tasks
    are large while there is much to do (little scheduling overhead) and shrink to
    single runs at the end (no worker waits long for the last one).

    Args:
        records: Plan rows of the runs to do.
        workers: Parallel workers.
        size: Fixed chunk size, or None for guided chunks.
        most: Most runs per guided chunk.

    Yields:
        Lists of plan rows.
    """
    start = 0
    while start < len(records):
        remaining = len(records) - start
        count = size or max(1, min(most, math.ceil(remaining / (4 * max(workers, 1)))))
        yield records[start:start + count]
        start += count
