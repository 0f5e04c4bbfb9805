"""Compare scenario runs: differences of every outcome against a reference run, with 95% intervals.

Every shipped scenario derives replication k's seed from the same root seed, so
two runs of different scenarios usually share their seeds replication by
replication (common random numbers). Their difference is then computed
**paired**: the difference of replication k of each run, whose spread leaves
out the noise both runs share, so the interval is much narrower than the one of
two independent samples. When the seeds differ (or the numbers of
replications), the difference of the means gets Welch's interval. The table
names the method of every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.base.errors import UserError
from sim.base.paths import display_path
from sim.engine import store

METHODS: tuple[str, ...] = ("paired", "welch")
"""How a difference's interval is computed: paired t (shared seeds) or Welch's t."""
TABLE_COLUMNS: tuple[str, ...] = (
    "outcome", "statistic", "run", "reference", "method", "n_run", "n_reference", "mean_run",
    "mean_reference", "difference", "ci_low", "ci_high", "p_value",
)
"""Columns of the comparison table, one row per run (after the first), outcome and statistic."""
ID_COLUMNS: tuple[str, ...] = ("replication", "seed", "step", "year")


class CompareError(UserError):
    """Runs that cannot be compared."""


@dataclass(frozen=True)
class Run:
    """One run directory's model data.

    Attributes:
        path: The run directory.
        name: How the run is called in tables and legends (its scenario's name, or the directory's).
        model: Model-level data of every finished replication.
        seeds: Replication index -> seed, for the finished replications.
    """

    path: Path
    name: str
    model: pd.DataFrame
    seeds: dict[int, int]

    @property
    def years(self) -> tuple[int, int]:
        """First and last simulated year."""
        return int(self.model["year"].min()), int(self.model["year"].max())

    @property
    def outcomes(self) -> list[str]:
        """Numeric outcome columns, in data order."""
        return [c for c in self.model.columns
                if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(self.model[c])]


def load_run(path: Path) -> Run:
    """Read a run directory for comparison.

    Args:
        path: A directory written by ``qgeo run``.

    Returns:
        The run.

    Raises:
        CompareError: If it is not a run directory (an experiment's, a file) or has no finished replication.
    """
    path = Path(path)
    if not path.is_dir():
        raise CompareError(f"{display_path(path)}: expected a run directory written by `qgeo run`, "
                           f"found {'a file' if path.exists() else 'nothing'}")
    try:
        manifest = store.read_manifest(path)
    except store.RunDirError as error:
        raise CompareError(str(error)) from None
    if "qgeo_run" not in manifest or "replications" not in manifest:
        raise CompareError(f"{display_path(path)}: expected a run directory written by `qgeo run`, found "
                           "another kind of output (an experiment's? analyse experiments with "
                           "`qgeo analyze`)")
    finished = store.finished(path, len(manifest["replications"]))
    if not finished:
        raise CompareError(f"{display_path(path)}: expected finished replications, found none")
    seeds = {int(r["replication"]): int(r["seed"]) for r in manifest["replications"]
             if int(r["replication"]) in finished}
    name = str(manifest.get("scenario", {}).get("name") or path.name)
    return Run(path, name, store.read_table(path, "model", finished), seeds)


def check_comparable(runs: Sequence[Run]) -> None:
    """Check that runs can be compared year by year.

    Args:
        runs: The runs, the reference first.

    Raises:
        CompareError: With fewer than two runs, or if the runs' horizons differ.
    """
    if len(runs) < 2:
        raise CompareError(f"expected at least two run directories to compare, found {len(runs)}")
    reference = runs[0]
    for run in runs[1:]:
        if run.years != reference.years:
            raise CompareError(
                f"{display_path(run.path)}: expected the same years as {display_path(reference.path)} "
                f"({reference.years[0]}-{reference.years[1]}), found {run.years[0]}-{run.years[1]}; "
                "compare runs with the same horizon (start year and steps)"
            )


def unique_names(runs: Sequence[Run]) -> list[str]:
    """Names for the runs' columns and legends, made unique with the directory name where needed.

    Args:
        runs: The runs.

    Returns:
        One name per run.
    """
    names = [run.name for run in runs]
    return [f"{name} ({run.path.name})" if names.count(name) > 1 else name for name, run in zip(names, runs,
                                                                                                 strict=True)]


def shared_seeds(a: Run, b: Run) -> bool:
    """Whether two runs used the same seed for every replication (common random numbers).

    Args:
        a: One run.
        b: The other.

    Returns:
        True if both have the same finished replications with the same seeds.
    """
    return len(a.seeds) > 1 and a.seeds == b.seeds


def parse_window(text: str | None, years: tuple[int, int]) -> tuple[int, int]:
    """The window of years the mean statistic averages over.

    Args:
        text: ``"FIRST-LAST"`` (years, inclusive), or None for every year after the first.
        years: The runs' first and last year.

    Returns:
        ``(first, last)``.

    Raises:
        CompareError: If the text is malformed or the window is outside the runs' years.
    """
    if text is None:
        return years[0] + 1, years[1]
    parts = text.replace(" ", "").split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise CompareError(f"--window: expected FIRST-LAST years (e.g. 2030-2050), found {text!r}")
    first, last = int(parts[0]), int(parts[1])
    if not years[0] <= first <= last <= years[1]:
        raise CompareError(f"--window: expected years within the runs' {years[0]}-{years[1]} with FIRST <= "
                           f"LAST, found {first}-{last}")
    return first, last


def statistics(run: Run, window: tuple[int, int]) -> dict[str, pd.DataFrame]:
    """Per-replication statistics of every outcome: the final year's value and the window mean.

    Args:
        run: The run.
        window: First and last year of the mean.

    Returns:
        Statistic name (``final_<year>``, ``mean_<first>-<last>``) -> frame indexed by replication,
        one column per outcome.
    """
    model = run.model
    outcomes = run.outcomes
    last = model[model["year"] == model["year"].max()].set_index("replication")[outcomes]
    inside = model[(model["year"] >= window[0]) & (model["year"] <= window[1])]
    mean = inside.groupby("replication")[outcomes].mean()
    return {f"final_{run.years[1]}": last.sort_index(), f"mean_{window[0]}-{window[1]}": mean.sort_index()}


def paired_interval(run: np.ndarray, reference: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Paired t interval of the mean difference ``run - reference`` (replication k against k).

    Args:
        run: One value per replication.
        reference: The reference run's values, in the same replication order.
        level: Confidence level.

    Returns:
        ``difference``, ``ci_low``, ``ci_high`` and two-sided ``p_value`` (NaN with fewer than two
        pairs; an interval of zero width and p = 1 or 0 when every pair differs by the same amount).
    """
    d = np.asarray(run, dtype=float) - np.asarray(reference, dtype=float)
    n = len(d)
    mean = float(d.mean()) if n else float("nan")
    if n < 2:
        return {"difference": mean, "ci_low": float("nan"), "ci_high": float("nan"), "p_value": float("nan")}
    se = float(d.std(ddof=1) / np.sqrt(n))
    return _interval(mean, se, n - 1.0, level)


def welch_interval(run: np.ndarray, reference: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Welch's t interval of the difference of means ``mean(run) - mean(reference)`` (independent samples).

    Args:
        run: One value per replication.
        reference: The reference run's values.
        level: Confidence level.

    Returns:
        ``difference``, ``ci_low``, ``ci_high`` and two-sided ``p_value`` (NaN with fewer than two
        values in either run).
    """
    a, b = np.asarray(run, dtype=float), np.asarray(reference, dtype=float)
    mean = float(a.mean() - b.mean()) if len(a) and len(b) else float("nan")
    if len(a) < 2 or len(b) < 2:
        return {"difference": mean, "ci_low": float("nan"), "ci_high": float("nan"), "p_value": float("nan")}
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    return _interval(mean, se, float(df), level)


def _interval(mean: float, se: float, df: float, level: float) -> dict[str, float]:
    """A t interval and two-sided p-value for a mean with standard error ``se`` on ``df`` degrees."""
    if se == 0.0:  # every pair (or both samples) constant: the difference is known exactly
        return {"difference": mean, "ci_low": mean, "ci_high": mean, "p_value": 1.0 if mean == 0.0 else 0.0}
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    p_value = float(2.0 * stats.t.sf(abs(mean) / se, df))
    return {"difference": mean, "ci_low": float(mean - half), "ci_high": float(mean + half),
            "p_value": p_value}


def compare(runs: Sequence[Run], window: tuple[int, int], level: float = 0.95) -> pd.DataFrame:
    """Differences of every outcome of each run against the first, with confidence intervals.

    Args:
        runs: The runs, the reference first (checked with :func:`check_comparable`).
        window: Years of the mean statistic.
        level: Confidence level.

    Returns:
        The table (:data:`TABLE_COLUMNS`): outcomes both runs have, in the reference's order.
    """
    check_comparable(runs)
    names = unique_names(runs)
    reference = runs[0]
    base = statistics(reference, window)
    rows: list[dict[str, Any]] = []
    for run, name in zip(runs[1:], names[1:], strict=True):
        method = "paired" if shared_seeds(run, reference) else "welch"
        other = statistics(run, window)
        common = [c for c in reference.outcomes if c in run.outcomes]
        for outcome in common:
            for statistic, table in base.items():
                a, b = other[statistic][outcome], table[outcome]
                if method == "paired":
                    result = paired_interval(a.to_numpy(), b.reindex(a.index).to_numpy(), level)
                else:
                    result = welch_interval(a.to_numpy(), b.to_numpy(), level)
                rows.append({"outcome": outcome, "statistic": statistic, "run": name, "reference": names[0],
                             "method": method, "n_run": len(a), "n_reference": len(b),
                             "mean_run": float(a.mean()), "mean_reference": float(b.mean()), **result})
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def format_table(table: pd.DataFrame) -> str:
    """The comparison table as text for a terminal.

    Args:
        table: From :func:`compare`.

    Returns:
        One line per row: outcome, statistic, run, means, difference with its interval and the method.
    """
    shown = pd.DataFrame({
        "outcome": table["outcome"], "statistic": table["statistic"], "run": table["run"],
        "reference": table["mean_reference"].map(_number), "run mean": table["mean_run"].map(_number),
        "difference [95% CI]": [f"{_number(d)} [{_number(lo)}, {_number(hi)}]"
                                for d, lo, hi in zip(table["difference"], table["ci_low"], table["ci_high"],
                                                     strict=True)],
        "method": table["method"],
    })
    return shown.to_string(index=False)


def _number(value: float) -> str:
    return "nan" if not np.isfinite(value) else f"{value:.4g}"
