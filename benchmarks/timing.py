"""Timing helpers shared by the benchmarks: interleaved repeats, medians, paired ratios, load.

On a shared machine, timing all repeats of one case before the next lets a burst of
other load fall on one case only and flip a comparison. So every round runs each case
once, the order reversed every other round (A B C, C B A, ...) so that no case always
runs first or last, and comparisons use medians, or the median of the per-round ratios
of two cases (paired: both timed in the same round, seconds apart).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def interleaved_times(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Wall times of each run: one warm-up call of each, then ``repeats`` rounds calling each in turn.

    Args:
        runs: A callable per case name.
        repeats: Timed rounds.

    Returns:
        Each case's wall times in seconds, one per round, in round order.
    """
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_index in range(repeats):
        for name in names if round_index % 2 == 0 else reversed(names):
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    return times


def medians(times: dict[str, list[float]]) -> dict[str, float]:
    """The median of each case's times.

    Args:
        times: Times per case (from :func:`interleaved_times`).

    Returns:
        The median per case.
    """
    return {name: statistics.median(values) for name, values in times.items()}


def paired_ratio(times: dict[str, list[float]], case: str, reference: str) -> float:
    """The median over rounds of ``case``'s time divided by ``reference``'s time in the same round.

    Args:
        times: Times per case (from :func:`interleaved_times`).
        case: The case measured.
        reference: The case it is measured against.

    Returns:
        The median ratio (below 1: ``case`` is faster).
    """
    return statistics.median(a / b for a, b in zip(times[case], times[reference], strict=True))


def load_text() -> str:
    """The 1, 5 and 15-minute load averages as text, e.g. ``1.20 0.95 0.60``."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
