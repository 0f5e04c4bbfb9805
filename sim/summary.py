"""Summaries across replications: mean, standard deviation and t-based confidence interval.

Functions take tidy data (one row per replication and key, outcomes as columns)
and return tidy data (one row per key and outcome), so the same code summarises
a scenario's time series and an experiment's runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

SUMMARY_COLUMNS: tuple[str, ...] = ("n", "mean", "sd", "ci_low", "ci_high")
"""Statistics :func:`summarize` reports for every key and outcome."""


def mean_ci(values: pd.core.groupby.SeriesGroupBy | pd.Series, level: float = 0.95) -> pd.DataFrame:
    """Mean, sample standard deviation and t-based confidence interval of grouped values.

    The interval is ``mean +/- t_{(1+level)/2, n-1} * sd / sqrt(n)``. With one value the
    standard deviation and interval are NaN; with identical values the interval is the mean.
    Missing values are dropped.

    Args:
        values: A grouped series (one group per key) or a plain series (one group).
        level: Confidence level, in (0, 1).

    Returns:
        One row per group with columns ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``.
    """
    if isinstance(values, pd.Series):
        values = values.groupby(np.zeros(len(values), dtype=int))
    table = values.agg(["count", "mean", "std"]).rename(columns={"count": "n", "std": "sd"})
    n = table["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = quantile * table["sd"].to_numpy(dtype=float) / np.sqrt(n)
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
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
        ``ci_high``; sorted by key, outcomes in column order.
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
    return table
