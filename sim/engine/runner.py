"""The simulate function and the run kernels: a plan row in, its data or outcomes out.

:func:`simulate` runs one replication to its horizon and returns its tidy tables;
:func:`run_chunk` runs a chunk of plan rows under a :class:`RunContext` and returns
either the full tables of each run (a scenario run, ``qgeo run``) or the outcomes an
experiment keeps. Everything here is a top-level function of plain, picklable
arguments, so process pools and Dask workers call it directly. A scenario run's tables
are written by the process that ran the replication (so writing is parallel too); an
experiment's outcomes go back to the main process, which stores them. BLAS is pinned to one
thread while a model steps: the engine runs one model per core, and a second BLAS
thread only competes with the other model (at 100,000 countries it makes a step
2.5x slower when the other core is busy).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.base.errors import DISK_ERRORS
from sim.engine.plan import ID_COLUMNS, apply_inputs
from sim.engine.provenance import now
from sim.engine.store import RunStore
from sim.inputs.experiment import Input, OutcomeSpec
from sim.inputs.posterior import with_values
from sim.inputs.scenario import Scenario
from sim.model import formation
from sim.model.quantum_world import QuantumWorld
from sim.output.frames import agent_frame, model_frame

EDGE_COLUMNS: tuple[str, ...] = ("step", "year", "provider", "receiver", "kind", "status", "weight")
"""Columns of the partnership records (before ``replication`` and ``seed``): for a commercial
partnership the seller and the second-wave buyer, for a science exchange or joint programme the
two actors (in data order); ``kind``, ``status`` (talks or signed) and ``weight`` as in
:meth:`sim.model.quantum_world.QuantumWorld.partnerships`."""


@cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread inside the block (restored after it).

    Yields:
        Nothing.
    """
    with _blas().limit(limits=1, user_api="blas"):
        yield


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

    Example:
        >>> from sim.inputs.scenario import load_scenario
        >>> data = simulate(load_scenario("baseline", overrides={"steps": 2}), seed=1)
        >>> len(data.model)
        3
    """
    model = QuantumWorld(**scenario.model_kwargs(), seed=seed, collect_agents=collect_agents)
    edges = [_edges(model)]
    with one_blas_thread():
        while model.running:
            model.step()
            edges.append(_edges(model))
    frames = [model_frame(model), agent_frame(model) if collect_agents else None, _edge_frame(model, edges)]
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


def simulate_model(scenario: Scenario, seed: int) -> dict[str, np.ndarray]:
    """Run a scenario to its horizon and return the columns of its model frame.

    The same values as :func:`sim.output.frames.model_frame` (``step``, ``year`` and every metric),
    as arrays read straight from the model's DataCollector: an experiment keeps a few
    numbers per run, so it skips the DataFrame and the agent and partnership records.

    Args:
        scenario: The scenario.
        seed: The run's seed.

    Returns:
        Column name -> values, one per collected step (0 = construction).
    """
    model = QuantumWorld(**scenario.model_kwargs(), seed=seed, collect_agents=False)
    with one_blas_thread():
        while model.running:
            model.step()
    records = model.datacollector.model_vars
    columns = {name: np.asarray(values, dtype=float) for name, values in records.items()}
    columns["step"] = np.arange(len(columns["year"]))
    return columns


def _edges(model: QuantumWorld) -> dict[str, np.ndarray]:
    """Every current partnership (both stages, every kind), as arrays with the step and year."""
    records = model.partnerships()
    count = len(records["a"])
    return {"step": np.full(count, model.steps, dtype="int64"),
            "year": np.full(count, model.year, dtype="int64"), **records}


def _edge_frame(model: QuantumWorld, steps: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """The partnership records of every step as one frame of :data:`EDGE_COLUMNS`."""
    records = {key: np.concatenate([step[key] for step in steps]) for key in steps[0]}
    return pd.DataFrame({
        "step": records["step"],
        "year": records["year"],
        "provider": _labels(model.iso3, records["a"]),
        "receiver": _labels(model.iso3, records["b"]),
        "kind": _labels(formation.KINDS, records["kind"]),
        "status": _labels(formation.STAGES, records["stage"]),
        "weight": records["weight"].astype("float64"),
    })


_TEXT = pd.Series(np.array(["text"])).dtype
"""The dtype pandas gives a column of text by default (Arrow-backed ``str`` in pandas 3, else object)."""


def _labels(names: Sequence[str] | np.ndarray, codes: np.ndarray) -> Any:
    """``names[codes]`` as a column of text of pandas' default dtype for text.

    An Arrow-backed column is gathered by Arrow from the few names (some ten times faster than
    converting thousands of Python strings, for the same column).

    Args:
        names: The labels.
        codes: Index into ``names`` of each row.

    Returns:
        The column (an array pandas takes as is).
    """
    if isinstance(_TEXT, pd.StringDtype) and _TEXT.storage == "pyarrow":
        import pyarrow as pa

        return pd.array(pa.array([str(name) for name in names]).take(pa.array(codes)), dtype=_TEXT)
    return np.asarray(names, dtype=object)[codes].astype(str)


# --------------------------------------------------------------------------- run kernels
@dataclass(frozen=True)
class RunContext:
    """What every task needs besides its runs (sent once per task; small).

    Attributes:
        scenario: The base scenario (an experiment's with its ``steps`` and ``fixed`` applied).
        outcomes: The outcomes to keep (an experiment).
        inputs: The inputs (names and types).
        draws: Posterior draws: replication ``r`` of every design point runs with ``draws[r]``
            (before the inputs are applied); empty without a posterior.
        tables: Keep every run's full tables (model, agents, edges) instead of outcomes, written
            by the process that ran it into this run directory: the outcome mode of a scenario
            run (see :class:`sim.engine.store.RunStore`). None: keep the outcomes.
    """

    scenario: Scenario
    outcomes: tuple[OutcomeSpec, ...] = ()
    inputs: tuple[Input, ...] = ()
    draws: tuple[Mapping[str, float], ...] = ()
    tables: Path | None = None


@dataclass
class ChunkResult:
    """What a task returns.

    Attributes:
        outcomes: One row per successful run (id columns, inputs, outcomes).
        series: Series outcomes of the successful runs (run, step, year, one column each), or None.
        failures: One record per failed run.
    """

    outcomes: pd.DataFrame
    series: pd.DataFrame | None
    failures: list[dict[str, Any]] = field(default_factory=list)


def run_scenario_of(context: RunContext, run: Mapping[str, Any]) -> tuple[Scenario, dict[str, Any]]:
    """The scenario one run of the plan runs, and its input values.

    Args:
        context: The context.
        run: A plan row (``run``, ``point``, ``replication``, ``seed`` and the inputs).

    Returns:
        ``(scenario, values)``: the base scenario with the run's posterior draw and inputs applied.
    """
    values = {item.name: item.cast(run[item.name]) for item in context.inputs}
    scenario = context.scenario
    if context.draws:
        scenario = with_values(scenario, context.draws[int(run["replication"])])
    return apply_inputs(scenario, values), values


def outcome_values(columns: Mapping[str, np.ndarray], outcomes: Sequence[OutcomeSpec]) -> dict[str, float]:
    """The final and mean outcomes of one run.

    Args:
        columns: The run's model-frame columns (see :func:`simulate_model`).
        outcomes: The experiment's outcomes (series outcomes are skipped).

    Returns:
        Outcome name -> value.
    """
    values: dict[str, float] = {}
    for outcome in outcomes:
        column = columns[outcome.metric]
        if outcome.stat == "final":
            values[outcome.name] = float(column[-1])
        elif outcome.stat == "mean":
            if outcome.window is not None:
                first, last = outcome.window
                column = column[(columns["year"] >= first) & (columns["year"] <= last)]
            values[outcome.name] = float(column.mean())
    return values


def run_one(context: RunContext, run: Mapping[str, Any]) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one run of the plan, keeping an experiment's outcomes.

    Args:
        context: The experiment's context.
        run: A plan row (``run``, ``point``, ``replication``, ``seed`` and the inputs).

    Returns:
        ``(outcome_row, series)``: id columns, inputs and outcome values; the series
        outcomes (or None when there are none).
    """
    scenario, values = run_scenario_of(context, run)
    columns = simulate_model(scenario, int(run["seed"]))
    row = {key: int(run[key]) for key in ID_COLUMNS} | values | outcome_values(columns, context.outcomes)
    series_outcomes = [o for o in context.outcomes if o.stat == "series"]
    if not series_outcomes:
        return row, None
    series = pd.DataFrame({
        "run": np.full(len(columns["step"]), int(run["run"]), dtype=np.int64),
        "step": columns["step"].astype(np.int64),
        "year": columns["year"].astype(np.int64),
    })
    for outcome in series_outcomes:
        series[outcome.name] = columns[outcome.metric]
    return row, series


def run_chunk(context: RunContext, runs: list[dict[str, Any]]) -> ChunkResult:
    """Run a chunk of runs; a run that raises is recorded, not propagated.

    Args:
        context: The context (its ``tables`` flag picks the outcome mode).
        runs: Plan rows.

    Returns:
        The chunk's outcomes, series and failures.

    Raises:
        KeyboardInterrupt: On Ctrl-C, also when it surfaced as another error (:func:`interrupted`).
        OSError: A disk error of :data:`sim.base.errors.DISK_ERRORS` (full, read-only, not writable).
    """
    rows, series, failures = [], [], []
    for run in runs:
        try:
            if context.tables is not None:
                scenario, _ = run_scenario_of(context, run)
                replication = int(run["replication"])
                data = simulate(scenario, int(run["seed"]), replication=replication)
                RunStore(context.tables).write_replication(data, replication)
                row, run_series = {key: int(run[key]) for key in ID_COLUMNS}, None
            else:
                row, run_series = run_one(context, run)
        except Exception as error:  # noqa: BLE001 - any model error is recorded with the run
            if interrupted(error):
                raise KeyboardInterrupt from error
            if isinstance(error, OSError) and error.errno in DISK_ERRORS:
                raise  # a full or read-only disk ends the session, it is not this run's failure
            failures.append(failure_record(run, error))
            continue
        rows.append(row)
        if run_series is not None:
            series.append(run_series)
    return ChunkResult(outcome_table(context, rows), pd.concat(series, ignore_index=True) if series else None,
                       failures)


def interrupted(error: BaseException) -> bool:
    """Whether Ctrl-C caused ``error``.

    A SIGINT that lands while a compiled (numba) kernel runs surfaces as a ``SystemError``
    ("returned a result with an exception set") whose cause is the ``KeyboardInterrupt``: that
    is an interruption of the session, not a failure of the run.

    Args:
        error: What a run raised.

    Returns:
        True if a ``KeyboardInterrupt`` is in its chain of causes and contexts.
    """
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


def outcome_table(context: RunContext, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Outcome rows as a frame with fixed column types (so every part has the same schema).

    Args:
        context: The experiment's context.
        rows: Outcome rows.

    Returns:
        The frame: int64 ids and integer inputs, float64 otherwise.
    """
    types = {key: np.int64 for key in ID_COLUMNS}
    types |= {i.name: (np.int64 if i.integer else np.float64) for i in context.inputs}
    types |= {o.name: np.float64 for o in context.outcomes if o.stat != "series"}
    return pd.DataFrame({name: np.array([row[name] for row in rows], dtype=kind)
                         for name, kind in types.items()})


def failure_record(run: Mapping[str, Any], error: BaseException) -> dict[str, Any]:
    """A failed run as plain data.

    Args:
        run: Its plan row.
        error: What it raised.

    Returns:
        Ids, inputs, error type, message and the innermost traceback lines.
    """
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return {
        **{key: plain(value) for key, value in run.items()},
        "error_type": type(error).__name__,
        "message": str(error),
        "traceback": "".join(lines[-3:]),
        "time": now(),
    }


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python value (anything else unchanged).

    Args:
        value: A value.

    Returns:
        The plain value.
    """
    return value.item() if isinstance(value, np.generic) else value
