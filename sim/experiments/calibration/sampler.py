"""A pyabc sampler whose populations do not depend on how many workers compute them.

pyabc's own parallel samplers accept the first particles to *finish*, so their
populations depend on timing. :class:`DeterministicSampler` numbers the proposals of
each generation 0, 1, 2, ... and gives proposal ``i`` of generation ``t`` its own seeds,
``SeedSequence(root, spawn_key=(t + 1, i))``: the first word seeds numpy's global
generator, which pyabc's proposal (prior or perturbation kernel) draws from, the second
is the model's seed. Proposals are evaluated in chunks by the engine's backend
(:meth:`sim.engine.backends.Backend.map`: serially, on local processes or on a Dask
cluster), and the generation keeps the proposals ``0 .. k`` where ``k`` is the
proposal that brings the ``n``-th acceptance, whatever finished first. Serial, process
and Dask calibrations with the same root seed therefore give identical populations; only
the number of wasted evaluations (past ``k``) differs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from sim.engine.backends import Backend

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


@dataclass(frozen=True)
class Generation:
    """What every chunk of proposals of one generation shares (the first argument of :func:`evaluate_chunk`).

    Attributes:
        payload: pyabc's ``simulate_one`` function, pickled with cloudpickle.
        root: Root seed.
        t: Generation.
    """

    payload: bytes
    root: int
    t: int


def evaluate_chunk(generation: Generation, span: tuple[int, int]) -> list[Any]:
    """Evaluate proposals ``start .. start + count - 1`` of a generation (the function a backend maps).

    numpy's global generator is left as it was found, so the process that evaluates a chunk
    (this one, on a serial or process backend) draws the same numbers afterwards whichever
    chunks it evaluated.

    Args:
        generation: The generation.
        span: ``(start, count)``: first proposal number, number of proposals.

    Returns:
        The evaluated particles, in proposal order.
    """
    global _MODEL_SEED
    simulate_one = cloudpickle.loads(generation.payload)
    start, count = span
    state = np.random.get_state()
    particles = []
    try:
        for index in range(start, start + count):
            proposal, _MODEL_SEED = particle_seeds(generation.root, generation.t, index)
            np.random.seed(proposal)
            particles.append(simulate_one())
    finally:
        _MODEL_SEED = None
        np.random.set_state(state)
    return particles


def kept(results: Mapping[int, list[Any]], n: int, limit: float) -> int | None:
    """How many proposals a generation keeps: the shortest finished prefix with ``n`` acceptances.

    Args:
        results: First proposal number of each finished chunk -> its particles.
        n: Particles to accept.
        limit: Most proposals.

    Returns:
        The prefix length, or None while no finished prefix holds ``n`` acceptances (nor ``limit``
        proposals).
    """
    accepted, position = 0, 0
    while position in results:
        for offset, particle in enumerate(results[position]):
            accepted += bool(particle.accepted)
            if accepted >= n or position + offset + 1 >= limit:
                return position + offset + 1
        position += len(results[position])
    return None


class DeterministicSampler(Sampler):
    """Evaluate proposals in a fixed order with per-proposal seeds (see the module docstring).

    Args:
        root: Root seed.
        backend: The started backend that evaluates the chunks of proposals.
    """

    def __init__(self, root: int, backend: Backend) -> None:
        super().__init__()
        self.root = int(root)
        self.backend = backend

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                ana_vars=None):
        """Evaluate proposals 0, 1, ... until ``n`` are accepted, keeping the shortest such prefix.

        Chunks of proposals go to the backend (:meth:`sim.engine.backends.Backend.map`), which
        stops as soon as the finished chunks hold a prefix with ``n`` acceptances.

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
        size = max(1, min(25, math.ceil(n / (4 * max(1, self.backend.workers)))))
        limit = math.ceil(max_eval) if math.isfinite(max_eval) else math.inf
        results: dict[int, list[Any]] = {}

        def spans() -> Iterator[tuple[int, int]]:
            start = 0
            while start < limit:
                count = int(min(size, limit - start))
                yield start, count
                start += count

        def on_result(span: tuple[int, int], particles: list[Any]) -> bool:
            results[span[0]] = particles
            return kept(results, n, limit) is not None

        self.backend.map(evaluate_chunk, Generation(cloudpickle.dumps(simulate_one), self.root, t), spans(),
                         on_result)
        cut = kept(results, n, limit) or sum(len(r) for r in results.values())
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
