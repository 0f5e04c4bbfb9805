"""Running an experiment: the run plan, the backends, streaming storage and resume.

Every run is a pure function of (scenario, inputs, seed): run ``k`` of design
point ``p`` and replication ``r`` (``k = p * replications + r``) gets seed
``derive_seed(root, k)``, so the serial, process-pool and Dask backends give
identical results, and :func:`rerun` repeats any run alone.

Runs are grouped into chunks (one task each, to cut scheduling overhead). As
each chunk finishes, the main process writes it as one new Parquet file
(``runs/part-<n>.parquet``, plus ``series/part-<n>.parquet`` for series
outcomes) under a temporary name and renames it atomically, so no file is ever
rewritten and at most a bounded window of chunks is in flight: memory stays
flat in the number of runs. A run that raises is appended to
``failures.jsonl`` and the experiment goes on. ``resume`` runs only the runs
missing from the parts (failed ones included).

Output directory::

    manifest.json      provenance: versions, experiment file and hash, scenario digest, design,
                       root seed, sessions (start, end, command, backend), counts
    experiment.toml    the experiment file as run
    design.parquet     design points (applied values and the sampler's raw values)
    plan.parquet       one row per run: run, point, replication, seed, inputs
    runs/part-*.parquet     outcomes of finished runs (with run, point, replication, seed, inputs)
    series/part-*.parquet   series outcomes (run, step, year, one column per series outcome)
    failures.jsonl     every failed attempt; failures.csv: the runs that are failed now
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.design import Design, build_design
from sim.experiment import Experiment, ExperimentError, Input, OutcomeSpec
from sim.model import QuantumWorld
from sim.posterior import Posterior, with_values
from sim.rundir import RUN_MARKER, make_directory, now, versions, write_json
from sim.scenario import Scenario, load_scenario
from sim.seeds import derive_seed
from sim.wording import counted

ID_COLUMNS: tuple[str, ...] = ("run", "point", "replication", "seed")
"""Leading columns of the plan and the outcome tables."""

MAX_CHUNK = 25
"""Most runs per task with the automatic chunk size."""

EXPERIMENT_PACKAGES: tuple[str, ...] = ("SALib", "dask", "distributed", "tqdm")
"""Packages an experiment's manifest records besides those of a scenario run's."""


class WorkerLost(RuntimeError):
    """A worker process died: finished runs are kept, ``--resume`` continues."""


# --------------------------------------------------------------------------- plan
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


def apply_inputs(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """The scenario with some key paths set (``params.x``, ``countries.ISO.attr``, ``events[i].f``).

    The model validates the values when it is built, so a value (or a combination,
    such as an event year beyond a shorter horizon) that it rejects makes the run fail.

    Args:
        scenario: The base scenario.
        values: Key path -> value.

    Returns:
        A new scenario; ``scenario`` is unchanged.
    """
    params = dict(scenario.params)
    countries = {code: dict(attrs) for code, attrs in scenario.countries.items()}
    events = [dict(event) for event in scenario.events]
    steps = scenario.steps
    for key, value in values.items():
        if key == "steps":
            steps = int(value)
        elif key.startswith("params."):
            params[key.removeprefix("params.")] = value
        elif key.startswith("countries."):
            _, code, attribute = key.split(".")
            countries.setdefault(code, {})[attribute] = float(value)
        else:
            index, name = key.removeprefix("events[").split("].")
            events[int(index)][name] = value
    return scenario.model_copy(update={"params": params, "countries": countries, "events": events,
                                       "steps": steps})


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


def simulate_model(scenario: Scenario, seed: int) -> dict[str, np.ndarray]:
    """Run a scenario to its horizon and return the columns of its model frame.

    The same values as :func:`sim.results.model_frame` (``step``, ``year`` and every metric),
    as arrays read straight from the model's DataCollector: an experiment keeps a few
    numbers per run, so it skips the DataFrame and the agent and partnership records.

    Args:
        scenario: The scenario.
        seed: The run's seed.

    Returns:
        Column name -> values, one per collected step (0 = construction).
    """
    model = QuantumWorld(**scenario.model_kwargs(), seed=seed, collect_agents=False)
    while model.running:
        model.step()
    records = model.datacollector.model_vars
    columns = {name: np.asarray(values, dtype=float) for name, values in records.items()}
    columns["step"] = np.arange(len(columns["year"]))
    return columns


# --------------------------------------------------------------------------- running chunks
@dataclass(frozen=True)
class RunContext:
    """What every task needs besides its runs (sent once per task; small).

    Attributes:
        scenario: The base scenario, with the experiment's ``steps`` and ``fixed`` applied.
        outcomes: The outcomes to keep.
        inputs: The inputs (names and types).
        draws: Posterior draws: replication ``r`` of every design point runs with ``draws[r]``
            (before the inputs are applied); empty without a posterior.
    """

    scenario: Scenario
    outcomes: tuple[OutcomeSpec, ...]
    inputs: tuple[Input, ...]
    draws: tuple[Mapping[str, float], ...] = ()


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


def run_one(context: RunContext, run: Mapping[str, Any]) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one run of the plan.

    Args:
        context: The experiment's context.
        run: A plan row (``run``, ``point``, ``replication``, ``seed`` and the inputs).

    Returns:
        ``(outcome_row, series)``: id columns, inputs and outcome values; the series
        outcomes (or None when there are none).
    """
    values = {item.name: item.cast(run[item.name]) for item in context.inputs}
    scenario = context.scenario
    if context.draws:
        scenario = with_values(scenario, context.draws[int(run["replication"])])
    columns = simulate_model(apply_inputs(scenario, values), int(run["seed"]))
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
        context: The experiment's context.
        runs: Plan rows.

    Returns:
        The chunk's outcomes, series and failures.
    """
    rows, series, failures = [], [], []
    for run in runs:
        try:
            row, run_series = run_one(context, run)
        except Exception as error:  # noqa: BLE001 - any model error is recorded with the run
            failures.append(failure_record(run, error))
            continue
        rows.append(row)
        if run_series is not None:
            series.append(run_series)
    return ChunkResult(outcome_table(context, rows), pd.concat(series, ignore_index=True) if series else None,
                       failures)


def outcome_table(context: RunContext, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Outcome rows as a frame with fixed column types (so every part has the same schema).

    Args:
        context: The experiment's context.
        rows: Outcome rows.

    Returns:
        The frame: int64 ids and integer inputs, float64 otherwise.
    """
    scalar = [o.name for o in context.outcomes if o.stat != "series"]
    columns = [*ID_COLUMNS, *(i.name for i in context.inputs), *scalar]
    frame = pd.DataFrame(rows, columns=columns)
    types = {key: np.int64 for key in ID_COLUMNS}
    types |= {i.name: (np.int64 if i.integer else float) for i in context.inputs}
    types |= {name: float for name in scalar}
    return frame.astype(types)


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
        **{key: _plain(value) for key, value in run.items()},
        "error_type": type(error).__name__,
        "message": str(error),
        "traceback": "".join(lines[-3:]),
        "time": now(),
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- storage
class ResultStore:
    """An experiment's output directory: plan, manifest, result parts and failures.

    Args:
        root: The directory.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.series_dir = self.root / "series"
        self.manifest_path = self.root / "manifest.json"
        self.failures_log = self.root / "failures.jsonl"

    def exists(self) -> bool:
        """Whether the directory holds an experiment."""
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """The manifest.

        Returns:
            The parsed manifest.

        Raises:
            ExperimentError: If the directory holds no experiment.
        """
        if not self.exists():
            raise ExperimentError(f"{self.root}: expected an experiment output directory with "
                                  "manifest.json, found none")
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ExperimentError(f"{self.manifest_path}: not valid JSON: {error}") from None
        if not isinstance(manifest, dict) or "experiment" not in manifest:
            found = ("a run directory of `qgeo run` (see `qgeo plot`)"
                     if isinstance(manifest, dict) and RUN_MARKER in manifest else "another manifest.json")
            raise ExperimentError(f"{self.root}: expected an experiment output directory written by "
                                  f"`qgeo experiment`, found {found}")
        return manifest

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write the manifest atomically.

        Args:
            manifest: Its content.
        """
        write_json(self.manifest_path, dict(manifest))

    def plan(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored run plan.

        Args:
            columns: Columns to read (default all).

        Returns:
            The plan.
        """
        return pq.read_table(self.root / "plan.parquet", columns=columns).to_pandas()

    def design(self) -> pd.DataFrame:
        """The stored design points.

        Returns:
            One row per design point.
        """
        return pq.read_table(self.root / "design.parquet").to_pandas()

    def create(self, experiment: Experiment, design: Design, plan: pd.DataFrame) -> None:
        """Lay out a new output directory (before any run starts).

        Args:
            experiment: The experiment.
            design: Its design.
            plan: Its run plan.
        """
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(exist_ok=True)
        (self.root / "experiment.toml").write_text(experiment.text, encoding="utf-8")
        _atomic_write_table(self.root / "design.parquet", design.frame())
        _atomic_write_table(self.root / "plan.parquet", plan)

    def parts(self, directory: Path) -> dict[int, Path]:
        """Finished part files of a directory, by sequence number.

        Args:
            directory: ``runs`` or ``series``.

        Returns:
            Sequence number -> path.
        """
        return {int(p.stem.removeprefix("part-")): p for p in directory.glob("part-*.parquet")}

    def tidy(self) -> None:
        """Remove what an interrupted session may have left.

        That is temporary files, and series parts whose outcome part (written last) is missing.
        """
        for directory in (self.runs_dir, self.series_dir):
            for temporary in directory.glob(".*.tmp"):
                temporary.unlink()
        finished = self.parts(self.runs_dir)
        for number, path in self.parts(self.series_dir).items():
            if number not in finished:
                path.unlink()

    def done_runs(self) -> np.ndarray:
        """Indices of the runs with stored outcomes.

        Returns:
            Sorted run indices.
        """
        parts = self.parts(self.runs_dir)
        if not parts:
            return np.array([], dtype=np.int64)
        runs = [pq.read_table(path, columns=["run"])["run"].to_numpy() for path in parts.values()]
        return np.unique(np.concatenate(runs))

    def next_part(self) -> int:
        """Sequence number of the next part to write.

        Returns:
            One more than the largest existing number (0 at first).
        """
        return max(self.parts(self.runs_dir), default=-1) + 1

    def write_chunk(self, number: int, result: ChunkResult) -> None:
        """Store a finished chunk: failures appended, series part, then outcome part (the commit).

        Args:
            number: Part sequence number.
            result: The chunk's results.
        """
        if result.failures:
            with self.failures_log.open("a", encoding="utf-8") as log:
                for record in result.failures:
                    log.write(json.dumps(record, default=str) + "\n")
                log.flush()
                os.fsync(log.fileno())
        if result.outcomes.empty:
            return
        if result.series is not None:
            _atomic_write_table(self.series_dir / f"part-{number:06d}.parquet", result.series)
        _atomic_write_table(self.runs_dir / f"part-{number:06d}.parquet", result.outcomes)

    def failures(self) -> pd.DataFrame:
        """The runs that are failed now: the last failed attempt of each run without outcomes.

        Returns:
            One row per failed run (empty if none).
        """
        if not self.failures_log.is_file():
            return pd.DataFrame()
        records = [json.loads(line) for line in self.failures_log.read_text().splitlines() if line.strip()]
        if not records:
            return pd.DataFrame()
        frame = pd.DataFrame(records).drop_duplicates("run", keep="last")
        frame = frame[~frame["run"].isin(self.done_runs())]
        return frame.sort_values("run").reset_index(drop=True)

    def outcomes(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored outcomes, sorted by run.

        Args:
            columns: Columns to read (default all).

        Returns:
            One row per finished run.
        """
        return _read_parts(self.runs_dir, columns)

    def series(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored series outcomes, sorted by run and step.

        Args:
            columns: Columns to read (default all).

        Returns:
            One row per finished run and step.
        """
        return _read_parts(self.series_dir, columns, by=("run", "step"))


def _read_parts(directory: Path, columns: Sequence[str] | None, by: Sequence[str] = ("run",)) -> pd.DataFrame:
    if not any(directory.glob("part-*.parquet")):
        return pd.DataFrame(columns=list(columns or by))
    table = pq.read_table(directory, columns=list(columns) if columns else None)
    frame = table.to_pandas()
    return frame.sort_values([c for c in by if c in frame.columns]).reset_index(drop=True)


def _atomic_write_table(path: Path, frame: pd.DataFrame) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), temporary)
    os.replace(temporary, path)


# --------------------------------------------------------------------------- backends
OnResult = Callable[[list[dict[str, Any]], ChunkResult], None]


def _prepare_helper(parent: int) -> None:
    """Helper initializer: ignore Ctrl-C, and exit as soon as the parent process is gone.

    Ctrl-C stops the parent, which lets running chunks finish. A helper would otherwise
    outlive a killed parent, blocked on the task queue whose ends it holds itself.

    Args:
        parent: Process id of the parent.
    """
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="qgeo-parent-watch", daemon=True).start()


def _ready() -> None:
    """A task that does nothing: submitting it makes a pool start a process."""


def run_serial(context: RunContext, chunks: Iterator[list[dict[str, Any]]], on_result: OnResult) -> None:
    """Run chunks one after the other in this process.

    Args:
        context: The experiment's context.
        chunks: Chunks of plan rows.
        on_result: Called with each chunk and its result.
    """
    for chunk in chunks:
        on_result(chunk, run_chunk(context, chunk))


def start_method() -> str:
    """How helper processes start: "fork" on Linux when this process runs no other Python thread.

    A forked helper starts at once with qgeo already imported, where a spawned one spends
    about 0.8 s of CPU importing it again (a tenth of a 1,000-run experiment on two cores).
    ``import mesa`` sets the global default to "spawn", and forking is unsafe when other
    Python threads may hold locks (under pytest-xdist, in a notebook with a Dask client...),
    so "spawn" is used there and on other systems. The native threads of OpenBLAS and
    jemalloc register fork handlers. Everything a helper runs is importable, so both work.

    Returns:
        ``"fork"`` or ``"spawn"``.
    """
    import threading

    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"


def start_helpers(count: int, method: str) -> ProcessPoolExecutor:
    """Start helper processes now, before this process starts threads of its own.

    Helpers ignore Ctrl-C (this process handles it).

    Args:
        count: Number of helper processes.
        method: Start method (see :func:`start_method`).

    Returns:
        The pool.
    """
    import multiprocessing

    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method),
                               initializer=_prepare_helper, initargs=(os.getpid(),))
    for _ in range(count):
        pool.submit(_ready)  # one task each: the processes start now
    return pool


def run_processes(context: RunContext, chunks: Iterator[list[dict[str, Any]]], on_result: OnResult,
                  pool: ProcessPoolExecutor, helpers: int) -> None:
    """Run chunks on this process and a pool of helper processes.

    This process computes chunks too (it is already warm), between storing the helpers'
    results. Each helper has at most two chunks in flight; at the end, this process takes
    back the chunks no helper has started. On Ctrl-C no new chunk starts; the helpers'
    running chunks finish and are stored.

    Args:
        context: The experiment's context.
        chunks: Chunks of plan rows.
        on_result: Called (in this process) with each chunk and its result, as they finish.
        pool: The helpers (see :func:`start_helpers`); the caller shuts it down.
        helpers: Number of helper processes.

    Raises:
        WorkerLost: If a helper process died.
    """
    pending: dict[Future[ChunkResult], list[dict[str, Any]]] = {}

    def collect(timeout: float | None) -> None:
        done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            on_result(pending.pop(future), future.result())

    def fill() -> None:
        while len(pending) < 2 * helpers and (chunk := next(chunks, None)) is not None:
            pending[pool.submit(run_chunk, context, chunk)] = chunk

    try:
        try:
            fill()
            while (chunk := next(chunks, None)) is not None:
                on_result(chunk, run_chunk(context, chunk))
                collect(0)
                fill()
            for future in list(pending):
                if future.cancel():
                    chunk = pending.pop(future)
                    on_result(chunk, run_chunk(context, chunk))
            while pending:
                collect(None)
        except KeyboardInterrupt:
            running = [f for f in pending if not f.cancel()]
            for future in wait(running).done:
                if future.exception() is None:
                    on_result(pending[future], future.result())
            raise
    except BrokenProcessPool as error:
        raise WorkerLost(f"a worker process died ({error})") from None


def run_dask(context: RunContext, chunks: Iterator[list[dict[str, Any]]], on_result: OnResult,
             client: Any) -> None:
    """Run chunks on a Dask cluster, at most two per worker thread in flight.

    A chunk whose task fails as a whole (e.g. a worker lost more often than the
    scheduler allows) has its runs recorded as failed; ``--resume`` re-runs them.

    Args:
        context: The experiment's context.
        chunks: Chunks of plan rows.
        on_result: Called (in this process) with each chunk and its result, as they finish.
        client: A connected ``distributed.Client``.
    """
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    shared = client.scatter(context, broadcast=True)
    pending: dict[Any, list[dict[str, Any]]] = {}
    completed = as_completed()

    def submit() -> None:
        chunk = next(chunks, None)
        if chunk is not None:
            future = client.submit(run_chunk, shared, chunk, pure=False)
            pending[future] = chunk
            completed.add(future)

    for _ in range(2 * threads):
        submit()
    try:
        for future in completed:
            chunk = pending.pop(future)
            if future.status == "finished":
                result = future.result()
            else:
                error = future.exception()
                result = ChunkResult(outcome_table(context, []), None,
                                     [failure_record(run, error) for run in chunk])
            future.release()
            on_result(chunk, result)
            submit()
    except KeyboardInterrupt:
        client.cancel(list(pending))
        raise


def connect(scheduler: str, workers: int) -> tuple[Any, Any]:
    """Connect to a Dask scheduler, or start a local cluster of processes.

    Args:
        scheduler: ``"local"`` or a scheduler address such as ``tcp://host:8786``.
        workers: Worker processes of a local cluster.

    Returns:
        ``(client, cluster)``; ``cluster`` is None for a remote scheduler.

    Raises:
        ExperimentError: If the scheduler cannot be reached, or a worker runs another qgeo version.
    """
    import logging

    from distributed import Client, LocalCluster

    cluster = None
    try:
        if scheduler == "local":
            # The workers inherit an ignored SIGINT, so Ctrl-C reaches this process only, which
            # then stops submitting and closes the cluster itself.
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
            finally:
                signal.signal(signal.SIGINT, previous)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as error:
        raise ExperimentError(f"--scheduler {scheduler}: cannot connect to the Dask scheduler: {error}; "
                              "start one with 'dask scheduler' and workers with "
                              "'dask worker tcp://HOST:8786'") from None
    mine = package_versions()["qgeo"]
    try:
        client.wait_for_workers(1, timeout=60)
        found = client.run(_qgeo_version)
    except Exception as error:  # noqa: BLE001 - a worker without qgeo fails with any import error
        _close(client, cluster)
        problem = ("no worker joined within 60 s" if isinstance(error, TimeoutError)
                   else f"the workers cannot run qgeo ({type(error).__name__}: {error})")
        raise ExperimentError(f"--scheduler {scheduler}: {problem}; start workers with "
                              f"'dask worker {scheduler}' where qgeo {mine} is installed") from None
    wrong = {address: v for address, v in found.items() if v != mine}
    if wrong:
        _close(client, cluster)
        raise ExperimentError(f"--scheduler {scheduler}: expected every worker to run qgeo {mine}, found "
                              + ", ".join(f"{a}: {v}" for a, v in wrong.items()))
    return client, cluster


def _close(client: Any, cluster: Any) -> None:
    client.close()
    if cluster is not None:
        cluster.close()


def _qgeo_version() -> str:
    return package_versions()["qgeo"]


# --------------------------------------------------------------------------- the experiment
@dataclass
class Summary:
    """What an experiment session did.

    Attributes:
        out: Output directory.
        total: Runs in the plan.
        done: Runs with stored outcomes.
        failed: Runs failed now.
        ran: Runs attempted in this session.
        seconds: Wall time of this session.
    """

    out: Path
    total: int
    done: int
    failed: int
    ran: int
    seconds: float

    def text(self, name: str) -> str:
        """One line for the terminal.

        Args:
            name: Experiment name.

        Returns:
            The summary line.
        """
        line = (f"{name}: {counted(self.total, 'run')}, {self.done} done, {self.failed} failed "
                f"({self.ran} run in {self.seconds:.1f} s); results in {self.out}")
        if self.failed:
            line += f"\n  {counted(self.failed, 'failed run')} listed in {self.out / 'failures.csv'}"
        if self.done + self.failed < self.total:
            missing = self.total - self.done - self.failed
            line += f"\n  {counted(missing, 'run')} missing: re-run with --resume"
        return line


def package_versions() -> dict[str, str]:
    """Versions of Python, qgeo and the packages that determine an experiment's results.

    Returns:
        Package -> version (:func:`sim.rundir.versions` plus SALib, Dask and tqdm).
    """
    found = versions()
    for name in EXPERIMENT_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


Rows = list[dict[str, Any]]


def chunked(records: Rows, workers: int, size: int | None = None) -> Iterator[Rows]:
    """Split runs into tasks.

    With a fixed ``size``, every chunk has that many runs. Otherwise chunks are guided:
    each takes a quarter of the remaining runs per worker, at most :data:`MAX_CHUNK`, so
    tasks are large while there is much to do (little scheduling overhead) and shrink to
    single runs at the end (no worker waits long for the last one).

    Args:
        records: Plan rows of the runs to do.
        workers: Parallel workers.
        size: Fixed chunk size, or None for guided chunks.

    Yields:
        Lists of plan rows.
    """
    start = 0
    while start < len(records):
        remaining = len(records) - start
        count = size or max(1, min(MAX_CHUNK, math.ceil(remaining / (4 * max(workers, 1)))))
        yield records[start:start + count]
        start += count


def base_scenario(experiment: Experiment) -> Scenario:
    """The experiment's scenario with its ``steps`` and ``fixed`` overrides.

    Args:
        experiment: The experiment.

    Returns:
        The scenario every run starts from.
    """
    return load_scenario(experiment.scenario_path, overrides=experiment.base_overrides())


def context_for(experiment: Experiment, posterior: Posterior | None = None) -> RunContext:
    """The context shipped with every task.

    Args:
        experiment: The experiment.
        posterior: Run replication ``r`` with posterior draw ``r`` (see :mod:`sim.posterior`).

    Returns:
        The context.
    """
    draws = () if posterior is None else tuple(posterior.draw(experiment.spec.replications,
                                                              experiment.spec.seed))
    return RunContext(base_scenario(experiment), tuple(experiment.spec.outcomes), experiment.inputs, draws)


def new_manifest(experiment: Experiment, design: Design, scenario: Scenario, n_runs: int,
                 posterior: Posterior | None = None) -> dict[str, Any]:
    """The manifest of a new experiment output directory.

    Args:
        experiment: The experiment.
        design: Its design.
        scenario: Its base scenario.
        n_runs: Runs in the plan.
        posterior: The posterior the replications draw from, or None.

    Returns:
        The manifest (sessions are appended by :func:`run_experiment`).
    """
    spec = experiment.spec
    return {
        "kind": "experiment",
        "name": spec.name,
        "description": spec.description,
        "status": "created",
        "created": now(),
        "versions": package_versions(),
        "experiment": {"file": str(experiment.path), "sha256": experiment.digest, "text": experiment.text,
                       "spec": spec.model_dump(mode="json")},
        "scenario": {"file": str(experiment.scenario_path), "digest": scenario.digest(),
                     "resolved": scenario.to_toml_dict()},
        "design": {**spec.design.model_dump(mode="json"), "n_points": design.n_points,
                   "problem": design.problem},
        "inputs": [{"name": i.name, "low": i.low, "high": i.high, "integer": i.integer, "label": i.label,
                    "values": list(i.values)} for i in experiment.inputs],
        "root_seed": spec.seed,
        "replications": spec.replications,
        "n_runs": n_runs,
        "seed_rule": "run k = point * replications + replication; seed = sim.seeds.derive_seed(root_seed, k)",
        "posterior": None if posterior is None else posterior.record(spec.replications, spec.seed),
        "sessions": [],
    }


def open_store(experiment: Experiment, out: Path, resume: bool,
               posterior: Posterior | None = None) -> tuple[ResultStore, pd.DataFrame]:
    """Create the output directory, or reopen it to resume.

    Args:
        experiment: The experiment.
        out: Output directory.
        resume: Continue an existing directory.
        posterior: The posterior the replications draw from, or None.

    Returns:
        The store and the run plan.

    Raises:
        ExperimentError: If the directory holds an experiment and ``resume`` is off, or holds a
            different experiment or scenario than the one given.
    """
    store = ResultStore(out)
    scenario = base_scenario(experiment)
    if store.exists():
        if not resume:
            raise ExperimentError(f"{out}: expected a new output directory, found an existing experiment; "
                                  "continue it with --resume or choose another --out")
        manifest = store.manifest()
        if manifest["experiment"]["sha256"] != experiment.digest:
            raise ExperimentError(f"{out}: cannot resume: expected the experiment file it was started "
                                  f"with (sha256 {manifest['experiment']['sha256'][:12]}), found "
                                  f"{experiment.path} changed (sha256 {experiment.digest[:12]})")
        if manifest["scenario"]["digest"] != scenario.digest():
            raise ExperimentError(f"{out}: cannot resume: the scenario, its data or the model's defaults "
                                  "changed since the experiment started (scenario digest differs)")
        record = None if posterior is None else posterior.record(experiment.spec.replications,
                                                                 experiment.spec.seed)
        if manifest.get("posterior") != record:
            before = (manifest.get("posterior") or {}).get("directory", "none")
            raise ExperimentError(f"{out}: cannot resume: expected the same --posterior as when the "
                                  f"experiment started ({before}), found "
                                  f"{'none' if posterior is None else posterior.directory}")
        store.tidy()
        return store, store.plan()
    if out.is_dir() and any(out.iterdir()):
        raise ExperimentError(f"{out}: expected a new or empty output directory, found other files "
                              "(and no experiment to resume); choose another --out")
    design = build_design(experiment)
    plan = plan_runs(experiment, design)
    make_directory(store.root)
    store.create(experiment, design, plan)
    store.write_manifest(new_manifest(experiment, design, scenario, len(plan), posterior))
    return store, plan


def run_experiment(
    experiment: Experiment,
    out: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
    command: str | None = None,
    posterior: Posterior | None = None,
) -> Summary:
    """``run_experiment(experiment, out, *, workers=1, scheduler=None, resume=False)``: run an experiment.

    Runs (or resumes) every run of the experiment's plan, streaming results to ``out``: what
    ``qgeo experiment`` does before it analyses them (:func:`sim.analysis.analyze`).

    Args:
        experiment: The validated experiment.
        out: Output directory.
        workers: Local processes (1: serial in this process); workers of a local Dask cluster.
        scheduler: Dask scheduler address, or ``"local"`` for a local cluster; None: no Dask.
        resume: Continue ``out``, running only the runs without stored outcomes.
        chunk_size: Runs per task (default: guided, see :func:`chunked`).
        progress: Show a progress bar (default: when stderr is a terminal).
        command: Command line, for the manifest.
        posterior: Run replication ``r`` of every design point with posterior draw ``r``.

    Returns:
        The session's summary.

    Raises:
        KeyboardInterrupt: On Ctrl-C, after storing what finished (manifest status "interrupted").
        WorkerLost: If a local worker process died (manifest status "aborted").

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from sim.execute import run_experiment
        >>> from sim.experiment import load_experiment
        >>> work = Path(tempfile.mkdtemp())
        >>> _ = (work / "tiny.toml").write_text('''
        ... name = "tiny"
        ... scenario = "baseline"
        ... seed = 1
        ... steps = 2
        ... replications = 2
        ... design = {type = "grid"}
        ... inputs = [{name = "params.dependence_weight", values = [1.0, 2.0]}]
        ... outcomes = [{name = "share_RUS", metric = "share_RUS"}]
        ... ''')
        >>> summary = run_experiment(load_experiment(work / "tiny.toml"), work / "tiny", progress=False)
        >>> summary.total, summary.done, summary.failed
        (4, 4, 0)
    """
    pool, backend = None, "dask" if scheduler else "serial"
    if workers > 1 and not scheduler:
        method = start_method()
        pool, backend = start_helpers(workers - 1, method), f"processes ({method})"
    try:
        return _session(experiment, Path(out), workers=workers, scheduler=scheduler, resume=resume,
                        chunk_size=chunk_size, progress=progress, command=command, pool=pool,
                        backend=backend, posterior=posterior)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _session(experiment: Experiment, out: Path, *, workers: int, scheduler: str | None, resume: bool,
             chunk_size: int | None, progress: bool | None, command: str | None,
             pool: ProcessPoolExecutor | None, backend: str, posterior: Posterior | None) -> Summary:
    """One session of :func:`run_experiment`, with the helper processes already started."""
    from tqdm import tqdm

    started, clock = now(), time.perf_counter()
    store, plan = open_store(experiment, out, resume, posterior)
    todo = plan[~plan["run"].isin(store.done_runs())]
    session = {"started": started, "command": command or " ".join(sys.argv), "backend": backend,
               "workers": workers, "scheduler": scheduler, "to_run": len(todo),
               "chunk_size": chunk_size or f"guided, at most {MAX_CHUNK}"}
    manifest = store.manifest()
    manifest["sessions"].append(session)
    manifest["status"] = "running"
    store.write_manifest(manifest)

    chunks = chunked(todo.to_dict("records"), workers, chunk_size)
    bar = tqdm(total=len(todo), unit="run", desc=experiment.name, dynamic_ncols=True,
               disable=not (sys.stderr.isatty() if progress is None else progress))
    counts = {"ran": 0, "failed": 0, "part": store.next_part()}

    def on_result(chunk: list[dict[str, Any]], result: ChunkResult) -> None:
        store.write_chunk(counts["part"], result)
        counts["part"] += 1
        counts["ran"] += len(chunk)
        counts["failed"] += len(result.failures)
        bar.set_postfix(failed=counts["failed"], refresh=False)
        bar.update(len(chunk))

    status = "interrupted"
    try:
        context = context_for(experiment, posterior)
        if scheduler:
            client, cluster = connect(scheduler, workers)
            try:
                run_dask(context, chunks, on_result, client)
            finally:
                _close(client, cluster)
        elif pool is not None:
            run_processes(context, chunks, on_result, pool, workers - 1)
        else:
            run_serial(context, chunks, on_result)
        status = "complete"
    except WorkerLost:
        status = "aborted"
        raise
    finally:
        bar.close()
        failures = store.failures()
        if not failures.empty:
            failures.to_csv(store.root / "failures.csv", index=False)
        elif (store.root / "failures.csv").exists():
            (store.root / "failures.csv").unlink()
        done = len(store.done_runs())
        if status == "complete" and done + len(failures) < len(plan):
            status = "incomplete"
        session.update(finished=now(), status=status, ran=counts["ran"], failed=counts["failed"])
        if status == "complete" and len(failures):
            status = "complete_with_failures"
        manifest["status"] = status
        manifest["counts"] = {"runs": len(plan), "done": done, "failed": len(failures),
                              "missing": len(plan) - done - len(failures)}
        store.write_manifest(manifest)
    return Summary(store.root, len(plan), done, len(failures), counts["ran"], time.perf_counter() - clock)


def rerun(experiment: Experiment, run: int, *, collect_agents: bool = True,
          plan: pd.DataFrame | None = None, draws: Sequence[Mapping[str, float]] | None = None,
          ) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, Any]]:
    """Repeat one run of an experiment alone.

    Args:
        experiment: The experiment.
        run: The run's index.
        collect_agents: Also return per-country data.
        plan: The run plan (default: derived from the experiment; pass a stored plan to use it).
        draws: The posterior draws of the replications (as the manifest records them), or None.

    Returns:
        ``(model_frame, agent_frame, plan_row)`` of the run: identical to what the experiment stored.

    Raises:
        ExperimentError: If ``run`` is not an index of the plan.
    """
    from sim.runner import run_replication

    plan = plan_runs(experiment, build_design(experiment)) if plan is None else plan
    if not 0 <= run < len(plan):
        raise ExperimentError(f"--only-run: expected a run index in 0-{len(plan) - 1}, found {run}")
    row = plan.iloc[[run]].to_dict("records")[0]
    values = {item.name: item.cast(row[item.name]) for item in experiment.inputs}
    scenario = base_scenario(experiment)
    if draws:
        scenario = with_values(scenario, draws[int(row["replication"])])
    scenario = apply_inputs(scenario, values)
    frames = run_replication(scenario, int(row["seed"]), collect_agents=collect_agents,
                             replication=int(row["replication"]))
    return frames[0], frames[1], {key: _plain(value) for key, value in row.items()}
