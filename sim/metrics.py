"""Outcome measures of a partnership network, as whole-array functions."""

from __future__ import annotations

import numpy as np


def provider_shares(weight: np.ndarray) -> np.ndarray:
    """Each provider's share of all second-wave partnership weight.

    Args:
        weight: Total portfolio weight on each provider ``sum_i w_ij``, shape (m,).

    Returns:
        Shares, shape (m,), summing to one (all zero when there is no partnership).
    """
    total = weight.sum()
    return weight / total if total > 0 else np.zeros_like(weight)


def portfolio_hhi(squares: np.ndarray, totals: np.ndarray, partners: np.ndarray) -> np.ndarray:
    """Herfindahl-Hirschman index of each chooser's foreign portfolio.

    ``H_i = sum_j (w_ij / sum_k w_ik)^2``; 0 for a chooser with no partner.

    Args:
        squares: ``sum_j w_ij^2`` per chooser, shape (r,).
        totals: Row sums ``sum_j w_ij``, shape (r,).
        partners: Number of non-zero weights per row, shape (r,).

    Returns:
        Index per chooser in [0, 1], shape (r,).
    """
    safe = np.where(partners > 0, totals, 1.0)
    return np.where(partners > 0, np.minimum(squares / safe**2, 1.0), 0.0)


def bloc_modularity(by_bloc: np.ndarray) -> float:
    """Newman modularity of the partnership network split into geopolitical blocs.

    Providers belong to their data bloc; each second-wave country joins the bloc
    to which it gives most of its partnership weight (countries without partners
    are isolated and do not count). ``Q = e_in / M - sum_c (D_c / 2M)^2`` on the
    undirected weighted graph. High Q: ties stay within blocs; low Q: countries
    hedge across them.

    Args:
        by_bloc: Each chooser's portfolio weight on the providers of each bloc, shape (r, blocs).

    Returns:
        Modularity in [-0.5, 1], 0 when there is no partnership.
    """
    total = by_bloc.sum()
    if total <= 0:
        return 0.0
    n_blocs = by_bloc.shape[1]
    chooser_bloc = np.argmax(by_bloc, axis=1)  # the first of equal largest, as ties go to the first bloc
    within = by_bloc.max(axis=1).sum()
    degree = by_bloc.sum(axis=0) + np.bincount(chooser_bloc, weights=by_bloc.sum(axis=1), minlength=n_blocs)
    return float(within / total - ((degree / (2.0 * total)) ** 2).sum())
