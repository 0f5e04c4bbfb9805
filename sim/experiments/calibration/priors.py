"""Priors as pyabc distributions, and their central intervals."""

from __future__ import annotations

from collections.abc import Sequence

import pyabc
from scipy import stats

from sim.experiments.calibration.spec import Prior


def frozen(prior: Prior) -> stats.rv_continuous:
    """The prior as a frozen scipy distribution.

    Args:
        prior: A validated prior.

    Returns:
        Uniform, log-uniform, or normal truncated to [low, high].
    """
    if prior.kind == "uniform":
        return stats.uniform(prior.low, prior.high - prior.low)
    if prior.kind == "loguniform":
        return stats.loguniform(prior.low, prior.high)
    assert prior.mean is not None and prior.sd is not None
    return stats.truncnorm((prior.low - prior.mean) / prior.sd, (prior.high - prior.mean) / prior.sd,
                           loc=prior.mean, scale=prior.sd)


def distribution(priors: Sequence[Prior]) -> pyabc.Distribution:
    """The joint prior (independent parameters) as a pyabc distribution.

    Args:
        priors: The priors.

    Returns:
        The distribution.
    """
    rvs = {}
    for prior in priors:
        if prior.kind == "uniform":
            rvs[prior.name] = pyabc.RV("uniform", prior.low, prior.high - prior.low)
        elif prior.kind == "loguniform":
            rvs[prior.name] = pyabc.RV("loguniform", prior.low, prior.high)
        else:
            assert prior.mean is not None and prior.sd is not None
            rvs[prior.name] = pyabc.RV("truncnorm", (prior.low - prior.mean) / prior.sd,
                                       (prior.high - prior.mean) / prior.sd, loc=prior.mean, scale=prior.sd)
    return pyabc.Distribution(**rvs)


def interval(prior: Prior, level: float = 0.9) -> tuple[float, float]:
    """The prior's central interval.

    Args:
        prior: The prior.
        level: Probability inside the interval.

    Returns:
        ``(low, high)``.
    """
    dist = frozen(prior)
    tail = (1 - level) / 2
    return float(dist.ppf(tail)), float(dist.ppf(1 - tail))
