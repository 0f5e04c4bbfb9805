"""Ensembles for the explorer: N replications of a scenario, summarised as ``qgeo run`` summarises them.

The page runs them in a background thread (:class:`EnsembleRunner`), so stepping
and the sliders stay responsive: bands of the page's own settings (drawn behind
the live run) and the mean of a comparison scenario (drawn over it). Replication
k runs with ``derive_seed(scenario.seed, k)``, the seed ``qgeo run`` gives it, so
replication 0 of the page's settings is the live run itself and the bands equal
the ``ci_low``/``ci_high`` of ``summary.csv`` of ``qgeo run`` on the saved scenario.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sim.base.seeds import derive_seeds
from sim.engine.runner import simulate
from sim.inputs.scenario import Scenario
from sim.output.summary import summarize

DEFAULT_REPLICATIONS = 10
"""Replications the ensemble button runs unless the page says otherwise."""
MAX_REPLICATIONS = 50
"""Most replications the page offers (each baseline replication takes a fraction of a second)."""


@dataclass(frozen=True)
class Ensemble:
    """Summary of N replications of one scenario.

    Attributes:
        label: What the page calls it (``"these settings"`` or a scenario name).
        replications: Number of replications.
        summary: :func:`sim.output.summary.summarize` of their model frames: per ``year`` and ``outcome``,
            ``n``, ``mean``, ``sd``, ``ci_low`` and ``ci_high`` (95%).
    """

    label: str
    replications: int
    summary: pd.DataFrame

    def column(self, outcome: str, statistic: str, years: list[int]) -> list[float | None]:
        """One statistic of one outcome over the given years (None where the ensemble has no year).

        Args:
            outcome: A model-frame column, e.g. ``share_leaders``.
            statistic: ``mean``, ``ci_low`` or ``ci_high``.
            years: Years of the page's axis.

        Returns:
            One value per year.
        """
        rows = self.summary[self.summary["outcome"] == outcome].set_index("year")[statistic]
        return [float(rows[year]) if year in rows.index and pd.notna(rows[year]) else None for year in years]


def run_ensemble(
    scenario: Scenario, replications: int, label: str, progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Ensemble | None:
    """Run replications 0..N-1 of a scenario (model data only) and summarise them.

    Args:
        scenario: The resolved scenario.
        replications: N, at least 2 (one replication has no interval).
        label: The ensemble's label.
        progress: Called with the number of replications finished after each one.
        cancelled: Polled between replications; when it returns True the run stops.

    Returns:
        The ensemble, or None if cancelled.

    Raises:
        ValueError: Fewer than 2 or more than :data:`MAX_REPLICATIONS` replications.
    """
    if not 2 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"an ensemble needs 2 to {MAX_REPLICATIONS} replications, found {replications}")
    frames = []
    for k, seed in enumerate(derive_seeds(scenario.seed, replications)):
        if cancelled is not None and cancelled():
            return None
        frames.append(simulate(scenario, seed, collect_agents=False, replication=k).model)
        if progress is not None:
            progress(k + 1)
    return Ensemble(label, replications, summarize(pd.concat(frames, ignore_index=True)))


class EnsembleRunner:
    """Runs one ensemble at a time in a daemon thread; a newer request cancels the older one.

    Attributes:
        done: Replications finished by the current run.
        total: Replications it runs (0 when idle).
    """

    def __init__(self, on_change: Callable[[], None]) -> None:
        """Prepare a runner.

        Args:
            on_change: Called (from the worker thread) after each replication and at the end.
        """
        self._on_change = on_change
        self._lock = threading.Lock()
        self._generation = 0
        self.done, self.total = 0, 0

    def start(self, jobs: list[tuple[Scenario, str]], replications: int,
              on_result: Callable[[list[Ensemble]], None]) -> threading.Thread:
        """Start running ensembles of the given scenarios one after another.

        Args:
            jobs: (scenario, label) pairs.
            replications: Replications of each.
            on_result: Called with the ensembles, in job order, unless a newer start or
                :meth:`cancel` came first.

        Returns:
            The worker thread (tests join it).
        """
        with self._lock:
            self._generation += 1
            mine = self._generation
            self.done, self.total = 0, replications * len(jobs)

        def current() -> bool:
            return self._generation == mine

        def work() -> None:
            results = []
            for index, (scenario, label) in enumerate(jobs):
                def progress(count: int, index: int = index) -> None:
                    if current():
                        self.done = index * replications + count
                        self._on_change()

                result = run_ensemble(scenario, replications, label, progress, lambda: not current())
                if result is None:
                    return
                results.append(result)
            with self._lock:
                if not current():
                    return
                self.done, self.total = 0, 0
            on_result(results)
            self._on_change()

        thread = threading.Thread(target=work, name="qgeo-ensemble", daemon=True)
        thread.start()
        return thread

    def cancel(self) -> None:
        """Drop the running ensemble (its result is never delivered)."""
        with self._lock:
            self._generation += 1
            self.done, self.total = 0, 0
