"""Seeds of replications and experiment runs, derived from one root seed.

Run ``i`` of a root seed gets ``SeedSequence(root, spawn_key=(i,))``'s first
32-bit word: independent streams, and any single run can be re-derived alone.
"""

from __future__ import annotations

import numpy as np


def derive_seed(root: int, index: int) -> int:
    """Seed of run ``index`` under ``root``.

    Args:
        root: The experiment's or scenario's root seed (>= 0).
        index: The run's index (>= 0).

    Returns:
        A seed in [0, 2**32).
    """
    sequence = np.random.SeedSequence(root, spawn_key=(index,))
    return int(sequence.generate_state(1, dtype=np.uint32)[0])


def derive_seeds(root: int, count: int, start: int = 0) -> list[int]:
    """Seeds of runs ``start`` to ``start + count - 1`` under ``root``.

    Args:
        root: Root seed.
        count: Number of seeds.
        start: Index of the first run.

    Returns:
        The seeds, in run order.
    """
    return [derive_seed(root, index) for index in range(start, start + count)]
