"""A pyabc sampler whose populations do not depend on how many workers compute them.

pyabc's own parallel samplers accept the first particles to *finish*, so their
populations depend on timing. :class:`DeterministicSampler` numbers the proposals of
each generation 0, 1, 2, ... and gives proposal ``i`` of generation ``t`` its own seeds,
``SeedSequence(root, spawn_key=(t + 1, i))``: the first word seeds numpy's global
generator, which pyabc's proposal (prior or perturbation kernel) draws from, the second
is the model's seed. Proposals are evaluated in chunks, serially, on local processes or on
a Dask cluster, and the generation keeps the proposals ``0 .. k`` where ``k`` is the
proposal that brings the ``n``-th acceptance, whatever finished first. Serial, process
and Dask calibrations with the same root seed therefore give identical populations; only
the number of wasted evaluations (past ``k``) differs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

_MODEL_SEED: int | None = None
"""Seed of the model for the proposal being evaluated in this process (set by :func:`evaluate_chunk`)."""


def particle_seeds(root: int, t: int, index: int) -> tuple[int, int]:
    """Seeds of proposal ``index`` of generation ``t``.

    Args:
        root: The calibration's root seed.
        t: Generation (-1 for pyabc's calibration sample from the prior).
        index: Proposal number within the generation.

    Returns:
        ``(proposal_seed, model_seed)``, each in [0, 2**32).
    """
    words = np.random.SeedSequence(root, spawn_key=(t + 1, index)).generate_state(2, dtype=np.uint32)
    return int(words[0]), int(words[1])


def model_seed() -> int:
    """The model seed of the proposal being evaluated.

    Returns:
        The seed.

    Raises:
        RuntimeError: Outside :func:`evaluate_chunk`.
    """
    if _MODEL_SEED is None:
        raise RuntimeError("model_seed() is only defined while DeterministicSampler evaluates a proposal")
    return _MODEL_SEED


def evaluate_chunk(payload: bytes, root: int, t: int, start: int, count: int) -> list[Any]:
    """Evaluate proposals ``start .. start + count - 1`` of a generation (a worker function).

    Args:
        payload: pyabc's ``simulate_one`` function, pickled with cloudpickle.
        root: Root seed.
        t: Generation.
        start: First proposal number.
        count: Number of proposals.

    Returns:
        The evaluated particles, in proposal order.
    """
    global _MODEL_SEED
    simulate_one = cloudpickle.loads(payload)
    particles = []
    for index in range(start, start + count):
        proposal, _MODEL_SEED = particle_seeds(root, t, index)
        np.random.seed(proposal)
        particles.append(simulate_one())
    _MODEL_SEED = None
    return particles


class DeterministicSampler(Sampler):
    """Evaluate proposals in a fixed order with per-proposal seeds (see the module docstring).

    Args:
        root: Root seed.
        pool: Local worker processes, or None.
        client: A Dask client, or None (with neither, proposals run in this process).
        workers: Number of parallel workers (sets how many chunks are in flight).
        on_chunk: Called with the number of proposals evaluated so far after each chunk (progress).
    """

    def __init__(self, root: int, *, pool: ProcessPoolExecutor | None = None, client: Any = None,
                 workers: int = 1, on_chunk: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.root = int(root)
        self.pool = pool
        self.client = client
        self.workers = max(1, int(workers))
        self.on_chunk = on_chunk

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        """Evaluate proposals 0, 1, ... until ``n`` are accepted, keeping the shortest such prefix.

        Args:
            n: Particles to accept.
            simulate_one: pyabc's function that proposes, simulates and accepts one particle.
            t: Generation.
            max_eval: Most proposals (then the sample is not ok).
            all_accepted: Unused (every proposal is evaluated the same way).
            ana_vars: Unused.

        Returns:
            The sample.
        """
        payload = cloudpickle.dumps(simulate_one)
        chunk = max(1, min(25, math.ceil(n / (4 * self.workers))))
        limit = math.ceil(max_eval) if math.isfinite(max_eval) else math.inf
        results: dict[int, list[Any]] = {}
        cut = self._evaluate(payload, t, n, chunk, limit, results)
        sample = self._create_empty_sample()
        evaluated = 0
        for start in sorted(results):
            for particle in results[start]:
                if evaluated >= cut:
                    break
                sample.append(particle)
                evaluated += 1
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def _evaluate(self, payload: bytes, t: int, n: int, chunk: int, limit: float,
                  results: dict[int, list[Any]]) -> int:
        """Evaluate chunks until the prefix of finished proposals holds ``n`` acceptances.

        Returns:
            The number of proposals the generation keeps (the prefix length).
        """
        next_start, pending = 0, {}
        in_flight = 1 if self.pool is None and self.client is None else 2 * self.workers

        def prefix() -> int | None:
            accepted, position = 0, 0
            while position in results:
                for offset, particle in enumerate(results[position]):
                    accepted += bool(particle.accepted)
                    if accepted >= n or position + offset + 1 >= limit:
                        return position + offset + 1
                position += len(results[position])
            return None

        try:
            while True:
                while len(pending) < in_flight and next_start < limit:
                    count = int(min(chunk, limit - next_start))
                    pending[self._submit(payload, t, next_start, count)] = next_start
                    next_start += count
                if not pending:
                    return prefix() or sum(len(r) for r in results.values())
                for future in self._wait(list(pending)):
                    results[pending.pop(future)] = future.result()
                if self.on_chunk is not None:
                    self.on_chunk(sum(len(r) for r in results.values()))
                cut = prefix()
                if cut is not None:
                    return cut
        finally:
            for future in pending:
                future.cancel()

    def _submit(self, payload: bytes, t: int, start: int, count: int) -> Any:
        """Start one chunk on the backend (or run it now, serially)."""
        if self.client is not None:
            return self.client.submit(evaluate_chunk, payload, self.root, t, start, count, pure=False)
        if self.pool is not None:
            return self.pool.submit(evaluate_chunk, payload, self.root, t, start, count)
        return _Done(evaluate_chunk(payload, self.root, t, start, count))

    def _wait(self, futures: list[Any]) -> list[Any]:
        """Wait for at least one chunk; return the finished ones."""
        if self.client is not None:
            from distributed import wait as dask_wait

            return list(dask_wait(futures, return_when="FIRST_COMPLETED").done)
        if self.pool is not None:
            return list(wait(futures, return_when=FIRST_COMPLETED).done)
        return futures


class _Done:
    """A finished serial chunk, shaped like a future."""

    def __init__(self, value: list[Any]) -> None:
        self.value = value

    def result(self) -> list[Any]:
        return self.value

    def cancel(self) -> bool:
        return False
