"""Where work executes: one :class:`Backend` interface, with serial, local-process and Dask backends.

A backend has one way to submit work, :meth:`Backend.map`: it computes a function over
items (bounded work in flight) and hands every result to a callback in this process, as
items finish. A scenario run or an experiment (:meth:`Backend.run`) maps
:func:`sim.engine.runner.run_chunk` over chunks of plan rows, whose callback stores each
result; a calibration (:mod:`sim.experiments.calibration.sampler`) maps chunks of
proposals. :func:`backend_for` picks a backend from :data:`BACKENDS` by name. Every
backend gives identical results, since each item is a pure function of its inputs.

No helper process outlives a killed parent, and none receives Ctrl-C (see :mod:`sim.base.lifetime`).
Local workers are capped by :func:`worker_count`.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.synchronize import Event
from types import FrameType, TracebackType
from typing import Any, ClassVar, TypeVar

from sim.base.errors import Terminated, WorkerLost
from sim.base.lifetime import children_without_ctrl_c, die_with_parent
from sim.base.wording import counted
from sim.engine.provenance import versions
from sim.engine.runner import ChunkResult, RunContext, failure_record, outcome_table, run_chunk
from sim.inputs.experiment import ExperimentError

Chunks = Iterator[list[dict[str, Any]]]
OnResult = Callable[[list[dict[str, Any]], ChunkResult], None]

Item = TypeVar("Item")
Shared = TypeVar("Shared")
Result = TypeVar("Result")
OnItem = Callable[[Item, Result], bool | None]
"""Called with an item and its result; True stops the map (see :meth:`Backend.map`)."""

_END = object()
"""Marks the end of the items."""

WORKERS_PER_CORE = 4
"""Most local workers per usable core: more only adds processes that compete for the cores."""


def _prepare_helper(parent: int, terminated: Event) -> None:
    """Helper initializer: ignore Ctrl-C (the parent handles it), die of SIGTERM, and end with the parent.

    A forked helper inherits the parent's SIGTERM handler (which stops a session as Ctrl-C does);
    a helper is stopped by its pool instead, so it dies of SIGTERM, but first sets ``terminated``
    so that the parent reads its death as a termination, not a lost worker.

    Args:
        parent: Process id of the parent.
        terminated: Set by a helper that receives SIGTERM.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, functools.partial(_die_of_sigterm, terminated))
    die_with_parent(parent)


def _die_of_sigterm(terminated: Event, signum: int, frame: FrameType | None) -> None:
    """A helper's SIGTERM handler: set ``terminated``, then die of the signal as by default."""
    terminated.set()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


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


def start_helpers(count: int, method: str) -> tuple[ProcessPoolExecutor, Event]:
    """Start helper processes now, before this process starts threads of its own.

    Helpers never receive Ctrl-C, not even while a spawned one imports (this process handles
    it), and end when this process ends. A Ctrl-C while they start stops them and is raised.

    Args:
        count: Number of helper processes.
        method: Start method (see :func:`start_method`).

    Returns:
        The pool, and the event a helper sets when it receives SIGTERM.
    """
    import multiprocessing

    context = multiprocessing.get_context(method)
    terminated = context.Event()
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=_prepare_helper,
                               initargs=(os.getpid(), terminated))
    try:
        with children_without_ctrl_c(tracker=method != "fork"):
            for _ in range(count):
                pool.submit(_ready)  # one task each: the processes start now
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return pool, terminated


class Backend(ABC):
    """Runs a function over items and hands each result back, in this process, as it finishes.

    Use it as a context manager: entering starts its resources (processes, a cluster
    connection), leaving stops them. :meth:`map` is the one way work is submitted; a
    scenario run and an experiment use it through :meth:`run`, a calibration directly.

    Args:
        workers: Parallel workers (processes, or the workers of a local Dask cluster).
        scheduler: Dask scheduler address or ``"local"`` (Dask only).
    """

    name: ClassVar[str]
    """Key in :data:`BACKENDS`, and the first word of :attr:`label`."""
    fewest_runs: ClassVar[int] = 1
    """Fewest runs of a guided task (:func:`sim.engine.plan.chunked`): more where a task costs more."""

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
    def map(self, function: Callable[[Shared, Item], Result], shared: Shared, items: Iterable[Item],
            on_result: OnItem[Item, Result], *,
            on_failure: Callable[[Item, BaseException], Result] | None = None) -> None:
        """Compute ``function(shared, item)`` for every item, handing each result back as it finishes.

        Items are drawn from ``items`` only as a worker is about to need one (at most two
        per worker are waiting or running), so ``items`` may be a lazy, endless generator.
        Results come back in the order they finish, each with its item. On Ctrl-C no new
        item starts and ``KeyboardInterrupt`` propagates (local helper processes first
        finish their running items, whose results are handed back). Helper processes end
        with this process, also when it is killed.

        Args:
            function: A module-level function (it is pickled by reference for other processes).
            shared: Its first argument, the same for every item; sent to each Dask worker once.
            items: Its second arguments.
            on_result: Called in this process with each item and its result; returning True
                stops the map: no new item starts, items not started are cancelled and the
                results of those still running are dropped.
            on_failure: Dask only: the result to hand back for an item whose task failed as a
                whole (e.g. its worker was lost more often than the scheduler allows); without
                it the task's error is raised. Elsewhere an error of ``function`` is raised.

        Raises:
            WorkerLost: If a local helper process died.
        """

    def run(self, context: RunContext, chunks: Chunks, on_result: OnResult) -> None:
        """Run every chunk of plan rows with :func:`sim.engine.runner.run_chunk` (through :meth:`map`).

        A chunk whose Dask task fails as a whole has its runs recorded as failed (``--resume``
        re-runs them).

        Args:
            context: What every run needs besides its plan row.
            chunks: Chunks of plan rows.
            on_result: Called (in this process) with each chunk and its result, as they finish.
        """
        def failed(chunk: list[dict[str, Any]], error: BaseException) -> ChunkResult:
            failures = [failure_record(run, error) for run in chunk]
            return ChunkResult(outcome_table(context, []), None, failures)

        self.map(run_chunk, context, chunks, on_result, on_failure=failed)


class SerialBackend(Backend):
    """Items one after the other in this process."""

    name = "serial"

    def map(self, function: Callable[[Shared, Item], Result], shared: Shared, items: Iterable[Item],
            on_result: OnItem[Item, Result], *,
            on_failure: Callable[[Item, BaseException], Result] | None = None) -> None:
        """Compute every item here (see :meth:`Backend.map`)."""
        for item in items:
            if on_result(item, function(shared, item)):
                return


class ProcessBackend(Backend):
    """This process and ``workers - 1`` helper processes on this machine.

    This process computes items too (it is already warm), between handing back the
    helpers' results. Each helper has at most two items in flight; at the end, this
    process takes back the items no helper has started. On Ctrl-C no new item starts;
    the helpers' running items finish and their results are handed back.
    """

    name = "processes"

    def __init__(self, workers: int = 2, scheduler: str | None = None) -> None:
        super().__init__(workers, scheduler)
        self.method = start_method()
        self.pool: ProcessPoolExecutor | None = None
        self.terminated: Event | None = None

    @property
    def label(self) -> str:
        """``processes (fork)`` or ``processes (spawn)``."""
        return f"{self.name} ({self.method})"

    def __enter__(self) -> ProcessBackend:
        self.pool, self.terminated = start_helpers(self.workers - 1, self.method)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def map(self, function: Callable[[Shared, Item], Result], shared: Shared, items: Iterable[Item],
            on_result: OnItem[Item, Result], *,
            on_failure: Callable[[Item, BaseException], Result] | None = None) -> None:
        """Compute every item here and on the helpers (see :meth:`Backend.map`).

        Raises:
            WorkerLost: If a helper process died.
            Terminated: If a helper process died of SIGTERM (sent to the process group, say).
        """
        if self.pool is None:
            raise RuntimeError("a ProcessBackend runs inside `with backend:`")
        pool, helpers, source = self.pool, self.workers - 1, iter(items)
        pending: dict[Future[Result], Item] = {}

        def collect(timeout: float | None) -> bool:
            done, _ = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                if on_result(pending.pop(future), future.result()):
                    return True
            return False

        def fill() -> None:
            while len(pending) < 2 * helpers and (item := next(source, _END)) is not _END:
                pending[pool.submit(function, shared, item)] = item

        try:
            try:
                fill()
                while (item := next(source, _END)) is not _END:
                    if on_result(item, function(shared, item)) or collect(0):
                        return
                    fill()
                for future in list(pending):  # take back what no helper has started
                    if future.cancel():
                        item = pending.pop(future)
                        if on_result(item, function(shared, item)):
                            return
                while pending:
                    if collect(None):
                        return
            except KeyboardInterrupt:
                running = [f for f in pending if not f.cancel()]
                for future in wait(running).done:
                    if future.exception() is None:
                        on_result(pending[future], future.result())
                raise
            finally:
                for future in pending:
                    future.cancel()
        except BrokenProcessPool as error:
            if self.terminated is not None and self.terminated.is_set():
                raise Terminated("a worker process was terminated (SIGTERM)") from None
            raise WorkerLost(f"a worker process died ({error})") from None


class DaskBackend(Backend):
    """A Dask cluster: a scheduler address, or ``"local"`` for a local cluster of ``workers`` workers.

    A local cluster (:mod:`sim.engine.cluster`) runs its scheduler and one worker in this process
    and the other workers in helper processes forked from it.
    """

    name = "dask"
    fewest_runs = 4  # a task costs some 6 ms of the scheduler's and worker's event loops

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

    def map(self, function: Callable[[Shared, Item], Result], shared: Shared, items: Iterable[Item],
            on_result: OnItem[Item, Result], *,
            on_failure: Callable[[Item, BaseException], Result] | None = None) -> None:
        """Compute every item on the cluster, two per worker thread in flight (see :meth:`Backend.map`)."""
        from distributed import as_completed

        client = self.client
        if client is None:
            raise RuntimeError("a DaskBackend runs inside `with backend:`")
        threads = sum(client.nthreads().values()) or 1
        # in a list, since a tuple would be scattered item by item; under a fresh key, since a key
        # from the value's hash may be the one an earlier map's scattered value is releasing
        scattered = client.scatter([shared], broadcast=True, hash=False)[0]
        source = iter(items)
        pending: dict[Any, Item] = {}
        completed = as_completed()

        def submit() -> None:
            item = next(source, _END)
            if item is not _END:
                future = client.submit(function, scattered, item, pure=False)
                pending[future] = item
                completed.add(future)

        for _ in range(2 * threads):
            submit()
        try:
            for future in completed:
                item = pending.pop(future)
                if future.status == "finished" or on_failure is None:
                    result = future.result()  # raises the task's error when it failed
                else:
                    result = on_failure(item, future.exception())
                future.release()
                if on_result(item, result):
                    return
                submit()
        finally:
            if pending:
                client.cancel(list(pending))


BACKENDS: dict[str, type[Backend]] = {
    backend.name: backend for backend in (SerialBackend, ProcessBackend, DaskBackend)
}
"""Every backend, by name."""


SCHEDULER_ADDRESS = re.compile(r"tcp://[^\s/]+:\d{1,5}")
"""A Dask scheduler address that ``--scheduler`` accepts (besides ``local``)."""


def check_scheduler(scheduler: str) -> None:
    """Check the form of a ``--scheduler`` value before anything starts.

    Args:
        scheduler: ``"local"`` or a Dask scheduler address.

    Raises:
        ExperimentError: If it is neither ``local`` nor ``tcp://host:port``.
    """
    if scheduler != "local" and not SCHEDULER_ADDRESS.fullmatch(scheduler):
        raise ExperimentError(f"--scheduler: expected 'local' or a Dask scheduler address tcp://host:port "
                              f"(e.g. tcp://head-node:8786), found {scheduler!r}")


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

    Raises:
        ExperimentError: If the scheduler is neither ``local`` nor ``tcp://host:port``.
    """
    if scheduler:
        check_scheduler(scheduler)
    workers = worker_count(workers, scheduler, runs)
    return BACKENDS[backend_name(workers, scheduler)](workers, scheduler)


def connect(scheduler: str, workers: int) -> tuple[Any, Any]:
    """Connect to a Dask scheduler, or start a local cluster (:class:`sim.engine.cluster.WarmCluster`).

    Args:
        scheduler: ``"local"`` or a scheduler address such as ``tcp://host:8786``.
        workers: Workers of a local cluster (one in this process, the others in helper processes).

    Returns:
        ``(client, cluster)``; ``cluster`` is None for a remote scheduler.

    Raises:
        ExperimentError: If the scheduler is neither ``local`` nor ``tcp://host:port``, cannot be
            reached, or a worker runs another qgeo version.
    """
    check_scheduler(scheduler)
    from distributed import Client

    cluster = None
    try:
        if scheduler == "local":
            from sim.engine.cluster import WarmCluster

            cluster = WarmCluster(workers)  # a Ctrl-C while it starts closes it, then is raised
            try:
                client = Client(cluster.cluster)
            except BaseException:
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
