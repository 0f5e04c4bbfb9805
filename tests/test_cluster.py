"""The local Dask cluster (``--scheduler local``): one worker in this process, the others in helpers."""

from __future__ import annotations

import operator
import os

import psutil

from sim.engine.backends import DaskBackend


def test_a_local_cluster_runs_one_worker_here_and_the_others_in_helpers_that_end_with_it():
    me = os.getpid()
    with DaskBackend(workers=3) as backend:
        where = backend.client.run(os.getpid)
        helpers = [child for child in psutil.Process(me).children() if child.pid in where.values()]
        assert sorted(where.values()).count(me) == 1 and len(set(where.values())) == 3
        assert len(helpers) == 2  # children of this process, not of a nanny
        assert backend.client.nthreads() == dict.fromkeys(where, 1)
        results: dict[int, int] = {}
        backend.map(operator.mul, 3, range(12), lambda item, result: results.__setitem__(item, result))
        assert results == {item: 3 * item for item in range(12)}
    _, alive = psutil.wait_procs(helpers, timeout=60)
    assert alive == []


def test_a_local_cluster_of_one_worker_starts_no_process():
    before = {child.pid for child in psutil.Process().children()}
    with DaskBackend(workers=1) as backend:
        assert set(backend.client.run(os.getpid).values()) == {os.getpid()}
        assert {child.pid for child in psutil.Process().children()} <= before
