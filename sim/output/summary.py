"""Summaries across replications: mean, standard deviation and t-based confidence interval.

Functions take tidy data (one row per replication and key, outcomes as columns)
and return tidy data (one row per key and outcome), so the same code summarises
a scenario's time series and an experiment's runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # the t quantile; scipy.stats costs 0.8 s more to import

SUMMARY_COLUMNS: tuple[str, ...] = ("n", "mean", "sd", "ci_low", "ci_high")
"""Statistics :func:`summarize` reports for every key and outcome."""
UNIT_INTERVAL: frozenset[str] = frozenset({
    "hhi_second_wave", "domestic_share_second_wave", "leader_stringency", "top3_budget_share",
    "within_bloc_share",
})
"""Model outcomes besides the ``share_*`` columns that lie in [0, 1] by construction."""
MIN_TRUSTED_REPLICATIONS = 5
"""Fewer replications than this give a band too unstable to trust: with n < 5 the t quantile
exceeds 2.78 (twice the normal 1.96 at n = 3) and the standard deviation rests on at most 3
degrees of freedom, so the band's width itself is a coin toss; figures and commands warn."""


def is_share(outcome: str) -> bool:
    """Whether an outcome is a share (``share_*``), which figures show in percent.

    Args:
        outcome: A model outcome's name.

    Returns:
        True for the ``share_*`` columns.
    """
    return outcome.startswith("share_")


def outcome_bounds(outcome: str) -> tuple[float, float] | None:
    """The range an outcome cannot leave, if it is bounded.

    Args:
        outcome: A model outcome's name (a column of the model data).

    Returns:
        ``(0.0, 1.0)`` for shares and indices in [0, 1] (``share_*``, :data:`UNIT_INTERVAL`), else None.
    """
    return (0.0, 1.0) if is_share(outcome) or outcome in UNIT_INTERVAL else None


def too_few_replications(n: int) -> str | None:
    """A warning when a band rests on too few replications to be trusted.

    Args:
        n: Number of replications behind the band.

    Returns:
        The warning's text, or None when ``n`` reaches :data:`MIN_TRUSTED_REPLICATIONS`.
    """
    if n >= MIN_TRUSTED_REPLICATIONS:
        return None
    return (f"only {n} replication{'s' if n != 1 else ''}: 95% bands need at least "
            f"{MIN_TRUSTED_REPLICATIONS} to be trusted "
            f"(use --replications {MIN_TRUSTED_REPLICATIONS} or more)")


def mean_ci(
    values: pd.core.groupby.SeriesGroupBy | pd.Series,
    level: float = 0.95,
    bounds: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Mean, sample standard deviation and t-based confidence interval of grouped values.

    The interval is ``mean +/- t_{(1+level)/2, n-1} * sd / sqrt(n)``, clipped to ``bounds``
    when given: a mean of shares cannot leave [0, 1], so the part of a symmetric interval
    outside is impossible and is cut off (the interval keeps at least its nominal coverage).
    With one value the standard deviation and interval are NaN; with identical values the
    interval is the mean. Missing values are dropped.

    Args:
        values: A grouped series (one group per key) or a plain series (one group).
        level: Confidence level, in (0, 1).
        bounds: ``(low, high)`` the values cannot leave, or None.

    Returns:
        One row per group with columns ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``.
    """
    if isinstance(values, pd.Series):
        values = values.groupby(np.zeros(len(values), dtype=int))
    table = values.agg(["count", "mean", "std"]).rename(columns={"count": "n", "std": "sd"})
    n = table["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stdtrit(np.where(n > 1, n - 1, np.nan), 0.5 + level / 2)
        half = quantile * table["sd"].to_numpy(dtype=float) / np.sqrt(n)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    if bounds is not None:
        table[["ci_low", "ci_high"]] = table[["ci_low", "ci_high"]].clip(*bounds)
    table["n"] = table["n"].astype(int)
    return table[list(SUMMARY_COLUMNS)]


def summarize(
    frame: pd.DataFrame,
    keys: Sequence[str] = ("step", "year"),
    outcomes: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Summarise outcomes per key across replications.

    Args:
        frame: Tidy data, one row per replication and key (e.g. a scenario's model data).
        keys: Columns that identify a row within a replication (e.g. ``step`` and ``year``).
        outcomes: Numeric columns to summarise; default every numeric column that is not a key,
            ``replication`` or ``seed``.
        level: Confidence level of the interval.

    Returns:
        Tidy summary: the key columns, ``outcome``, then ``n``, ``mean``, ``sd``, ``ci_low`` and
        ``ci_high``; sorted by key, outcomes in column order. Intervals of bounded outcomes
        (:func:`outcome_bounds`) are clipped to their bounds.
    """
    keys = list(keys)
    if outcomes is None:
        skip = {*keys, "replication", "seed"}
        outcomes = [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])]
    long = frame.melt(id_vars=keys, value_vars=list(outcomes), var_name="outcome", value_name="value")
    long["outcome"] = pd.Categorical(long["outcome"], categories=list(outcomes), ordered=True)
    table = mean_ci(long.groupby([*keys, "outcome"], observed=True)["value"], level=level)
    table = table.reset_index()
    table["outcome"] = table["outcome"].astype(str)
    bounded = table["outcome"].map(lambda name: outcome_bounds(name) is not None).to_numpy(bool)
    table.loc[bounded, ["ci_low", "ci_high"]] = table.loc[bounded, ["ci_low", "ci_high"]].clip(0.0, 1.0)
    return table
