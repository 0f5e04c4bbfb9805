"""A local Dask cluster that starts warm: one worker in this process, the others forked from it.

A :class:`distributed.LocalCluster` of processes spawns a nanny's worker process per worker,
each of which imports qgeo and ``distributed`` again (about a second of CPU each, on cores the
parent needs too) and holds its own copy of them. :class:`WarmCluster` imports ``distributed``
here, forks the ``workers - 1`` helper processes before this process starts any thread (as
:func:`sim.engine.backends.start_helpers` does for the local-process backend: they never see
Ctrl-C and end with this process), then starts the scheduler and one worker thread in this
process and has every helper run a Dask worker that connects to it. (Where forking is unsafe the
helpers are spawned, see :func:`sim.engine.backends.start_method`.) Results are the same, since
every task is a pure function of its inputs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any

import dask
from distributed import LocalCluster, Worker
from distributed.diagnostics.plugin import SchedulerPlugin
from distributed.utils import silence_logging_cmgr

from sim.base.lifetime import children_without_ctrl_c
from sim.engine.backends import start_helpers, start_method

CONNECT_SECONDS = 60
"""Seconds the helpers' workers have to join the scheduler (one that cannot reach it by then ends)."""

QUIET = {
    "distributed.worker.profile.enabled": False,  # sampled stacks, for a dashboard there is not
    "distributed.admin.tick.interval": "500ms",  # event-loop health check, 20 ms by default
    "distributed.admin.system-monitor.interval": "1s",  # 500 ms by default
    "distributed.worker.memory.monitor-interval": "500ms",  # 100 ms by default
}
"""Dask settings of the local cluster's scheduler and workers: their event loops wake less often.

Each wake-up takes the GIL from the task running in a worker thread; with Dask's defaults a
model ran about 20% slower in a worker than alone, with these about 3%.
"""


class WarmCluster:
    """The scheduler and one worker thread in this process, and ``workers - 1`` forked worker processes.

    Ctrl-C while it starts is held until the workers have joined, then raised (after the
    cluster is closed). Use :attr:`cluster` as a :class:`distributed.Client`'s cluster and
    :meth:`close` it at the end.

    Args:
        workers: Dask workers of one thread each (>= 1).
    """

    def __init__(self, workers: int) -> None:
        self.quiet = ExitStack()  # until the helpers have ended, not only while the scheduler runs
        self.quiet.enter_context(silence_logging_cmgr(logging.ERROR))
        self.pool: ProcessPoolExecutor | None = None
        self.cluster: Any = None
        joined = _Joined(workers)
        try:
            if workers > 1:
                self.pool, _ = start_helpers(workers - 1, start_method())
            with children_without_ctrl_c(tracker=False), dask.config.set(QUIET):
                self.cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                            protocol="tcp://", host="127.0.0.1", dashboard_address=None,
                                            silence_logs=False, scheduler_kwargs={"plugins": [joined]})
                if self.pool is not None:
                    address = self.cluster.scheduler_address
                    serving = [self.pool.submit(serve_worker, address) for _ in range(workers - 1)]
                    if not joined.all.wait(CONNECT_SECONDS):
                        failed = [f.exception() for f in serving if f.done() and f.exception()]
                        raise TimeoutError(f"the local Dask workers did not join within {CONNECT_SECONDS} s"
                                           + (f" ({failed[0]})" if failed else ""))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the scheduler (which closes every worker), then end the helper processes."""
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.quiet.close()


class _Joined(SchedulerPlugin):
    """A scheduler plugin that sets :attr:`all` once ``count`` workers have joined (no polling).

    Args:
        count: Workers expected.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.all = threading.Event()

    def add_worker(self, scheduler: Any, worker: str) -> None:
        """Called by the scheduler (in its event loop) as a worker joins."""
        if len(scheduler.workers) >= self.count:
            self.all.set()


def serve_worker(address: str) -> None:
    """In a helper process: run a Dask worker of one thread for the scheduler at ``address`` until it closes.

    Args:
        address: The scheduler's address.
    """
    async def serve() -> None:
        async with Worker(address, nthreads=1, death_timeout=CONNECT_SECONDS) as worker:
            await worker.finished()

    with silence_logging_cmgr(logging.ERROR), dask.config.set(QUIET):
        asyncio.run(serve())
