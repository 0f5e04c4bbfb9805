"""Where runs execute: one :class:`Backend` interface, with serial, local-process and Dask backends.

A backend takes chunks of plan rows and a :class:`sim.engine.runner.RunContext`, runs
:func:`sim.engine.runner.run_chunk` on each chunk and hands every result to a callback in
this process (which stores it), as chunks finish. :func:`backend_for` picks one from
:data:`BACKENDS` by name. Every backend gives identical results, since each run is a
pure function of its plan row.

No helper process outlives a killed parent, and none receives Ctrl-C (see :mod:`sim.base.lifetime`).
Local workers are capped by :func:`worker_count`.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, ClassVar

from sim.base.lifetime import children_without_ctrl_c, die_with_parent
from sim.base.wording import counted
from sim.engine.provenance import versions
from sim.engine.runner import ChunkResult, RunContext, failure_record, outcome_table, run_chunk
from sim.inputs.experiment import ExperimentError

Chunks = Iterator[list[dict[str, Any]]]
OnResult = Callable[[list[dict[str, Any]], ChunkResult], None]

WORKERS_PER_CORE = 4
"""Most local workers per usable core: more only adds processes that compete for the cores."""


class WorkerLost(RuntimeError):
    """A worker process died: finished runs are kept, ``--resume`` continues."""


def _prepare_helper(parent: int) -> None:
    """Helper initializer: ignore Ctrl-C (the parent handles it), die of SIGTERM, and end with the parent.

    A forked helper inherits the parent's SIGTERM handler (which stops a session as Ctrl-C does);
    a helper is stopped by its pool instead, so it takes the default back.

    Args:
        parent: Process id of the parent.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)


def _ready() -> None:
    """A task that does nothing: submitting it makes a pool start a process."""


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
    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"


def start_helpers(count: int, method: str) -> ProcessPoolExecutor:
    """Start helper processes now, before this process starts threads of its own.

    Helpers never receive Ctrl-C, not even while a spawned one imports (this process handles
    it), and end when this process ends. A Ctrl-C while they start stops them and is raised.

    Args:
        count: Number of helper processes.
        method: Start method (see :func:`start_method`).

    Returns:
        The pool.
    """
    import multiprocessing

    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method),
                               initializer=_prepare_helper, initargs=(os.getpid(),))
    try:
        with children_without_ctrl_c(tracker=method != "fork"):
            for _ in range(count):
                pool.submit(_ready)  # one task each: the processes start now
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return pool


class Backend(ABC):
    """Runs chunks of a plan and hands each result back, in this process, as it finishes.

    Use it as a context manager: entering starts its resources (processes, a cluster
    connection), leaving stops them.

    Args:
        workers: Parallel workers (processes, or the processes of a local Dask cluster).
        scheduler: Dask scheduler address or ``"local"`` (Dask only).
    """

    name: ClassVar[str]
    """Key in :data:`BACKENDS`, and the first word of :attr:`label`."""

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        self.workers = workers
        self.scheduler = scheduler

    @property
    def label(self) -> str:
        """How the manifest names the backend."""
        return self.name

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        return None

    @abstractmethod
    def run(self, context: RunContext, chunks: Chunks, on_result: OnResult) -> None:
        """Run every chunk.

        Args:
            context: What every run needs besides its plan row.
            chunks: Chunks of plan rows.
            on_result: Called (in this process) with each chunk and its result, as they finish.
        """


class SerialBackend(Backend):
    """Chunks one after the other in this process."""

    name = "serial"

    def run(self, context: RunContext, chunks: Chunks, on_result: OnResult) -> None:
        """Run every chunk here (see :meth:`Backend.run`)."""
        for chunk in chunks:
            on_result(chunk, run_chunk(context, chunk))


class ProcessBackend(Backend):
    """This process and ``workers - 1`` helper processes on this machine.

    This process computes chunks too (it is already warm), between storing the helpers'
    results. Each helper has at most two chunks in flight; at the end, this process takes
    back the chunks no helper has started. On Ctrl-C no new chunk starts; the helpers'
    running chunks finish and are stored.
    """

    name = "processes"

    def __init__(self, workers: int = 2, scheduler: str | None = None) -> None:
        super().__init__(workers, scheduler)
        self.method = start_method()
        self.pool: ProcessPoolExecutor | None = None

    @property
    def label(self) -> str:
        """``processes (fork)`` or ``processes (spawn)``."""
        return f"{self.name} ({self.method})"

    def __enter__(self) -> ProcessBackend:
        self.pool = start_helpers(self.workers - 1, self.method)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def run(self, context: RunContext, chunks: Chunks, on_result: OnResult) -> None:
        """Run every chunk here and on the helpers (see :meth:`Backend.run`).

        Raises:
            WorkerLost: If a helper process died.
        """
        if self.pool is None:
            raise RuntimeError("a ProcessBackend runs inside `with backend:`")
        pool, helpers = self.pool, self.workers - 1
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


class DaskBackend(Backend):
    """A Dask cluster: a scheduler address, or ``"local"`` for a local cluster of ``workers`` processes.

    A chunk whose task fails as a whole (e.g. a worker lost more often than the scheduler
    allows) has its runs recorded as failed; ``--resume`` re-runs them.
    """

    name = "dask"

    def __init__(self, workers: int = 1, scheduler: str | None = "local") -> None:
        super().__init__(workers, scheduler or "local")
        self.client: Any = None
        self.cluster: Any = None

    @property
    def label(self) -> str:
        """``dask (ADDRESS)``."""
        return f"{self.name} ({self.scheduler})"

    def __enter__(self) -> DaskBackend:
        self.client, self.cluster = connect(str(self.scheduler), self.workers)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.client is not None:
            _close(self.client, self.cluster)
            self.client = self.cluster = None

    def run(self, context: RunContext, chunks: Chunks, on_result: OnResult) -> None:
        """Run every chunk on the cluster, two per worker thread in flight (see :meth:`Backend.run`)."""
        from distributed import as_completed

        client = self.client
        if client is None:
            raise RuntimeError("a DaskBackend runs inside `with backend:`")
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


BACKENDS: dict[str, type[Backend]] = {
    backend.name: backend for backend in (SerialBackend, ProcessBackend, DaskBackend)
}
"""Every backend, by name."""


def backend_name(workers: int, scheduler: str | None) -> str:
    """The backend the ``--workers`` and ``--scheduler`` options ask for.

    Args:
        workers: Parallel workers.
        scheduler: Dask scheduler address, ``"local"``, or None.

    Returns:
        A key of :data:`BACKENDS`: ``dask`` with a scheduler, else ``processes`` for more than
        one worker, else ``serial``.
    """
    if scheduler:
        return DaskBackend.name
    return ProcessBackend.name if workers > 1 else SerialBackend.name


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity where the system reports one, else every core.

    Returns:
        At least 1.
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def worker_count(asked: int, scheduler: str | None = None, runs: int | None = None) -> int:
    """The local workers for ``--workers asked``: at most one per run and :data:`WORKERS_PER_CORE` per core.

    Run, experiment and calibration all take their worker count from here. When fewer workers
    than asked are used, a warning on stderr says how many and why. A remote Dask scheduler's
    workers are not started here, so ``asked`` is returned unchanged.

    Args:
        asked: Workers asked for (>= 1).
        scheduler: Dask scheduler address, ``"local"``, or None.
        runs: Runs of the plan, if known (on resume, some may be done already).

    Returns:
        The workers to use.
    """
    if scheduler not in (None, "local"):
        return asked
    cores = usable_cores()
    limits = [(WORKERS_PER_CORE * cores, f"{WORKERS_PER_CORE} per core on {counted(cores, 'usable core')}")]
    if runs is not None:
        limits.append((max(runs, 1), f"one per run of {counted(runs, 'run')}"))
    used = min(asked, *(limit for limit, _ in limits))
    if used < asked:
        reason = next(why for limit, why in limits if limit == used)
        print(f"warning: --workers {asked}: using {used} ({reason})", file=sys.stderr)
    return used


def backend_for(workers: int = 1, scheduler: str | None = None, runs: int | None = None) -> Backend:
    """The backend for the ``--workers`` and ``--scheduler`` options (not started yet).

    Args:
        workers: Parallel workers asked for (capped by :func:`worker_count`).
        scheduler: Dask scheduler address, ``"local"``, or None.
        runs: Runs of the plan, if known (no more workers than runs are started).

    Returns:
        The backend; enter it (``with``) to start it.
    """
    workers = worker_count(workers, scheduler, runs)
    return BACKENDS[backend_name(workers, scheduler)](workers, scheduler)


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
            # The workers never receive Ctrl-C, so it reaches this process only, which then stops
            # submitting and closes the cluster itself; a Ctrl-C while it starts closes it at once.
            try:
                with children_without_ctrl_c():
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
                client = Client(cluster)
            except KeyboardInterrupt:
                if cluster is not None:
                    cluster.close()
                raise
        else:
            client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as error:
        raise ExperimentError(f"--scheduler {scheduler}: cannot connect to the Dask scheduler: {error}; "
                              "start one with 'dask scheduler' and workers with "
                              "'dask worker tcp://HOST:8786'") from None
    mine = versions()["qgeo"]
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
    return versions()["qgeo"]
