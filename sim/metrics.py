"""Outcome measures of a partnership network, as whole-array functions."""

from __future__ import annotations

import numpy as np


def provider_shares(foreign: np.ndarray) -> np.ndarray:
    """Each provider's share of all second-wave partnership weight.

    Args:
        foreign: Foreign portfolio weights, shape (r, m).

    Returns:
        Shares, shape (m,), summing to one (all zero when there is no partnership).
    """
    per_provider = (np.ones(foreign.shape[0], dtype=foreign.dtype) @ foreign).astype(np.float64)
    total = per_provider.sum()
    return per_provider / total if total > 0 else np.zeros_like(per_provider)


def portfolio_hhi(foreign: np.ndarray, totals: np.ndarray, partners: np.ndarray) -> np.ndarray:
    """Herfindahl-Hirschman index of each chooser's foreign portfolio.

    ``H_i = sum_j (w_ij / sum_k w_ik)^2``; 0 for a chooser with no partner.

    Args:
        foreign: Foreign portfolio weights, shape (r, m).
        totals: Row sums of ``foreign``, shape (r,).
        partners: Number of non-zero weights per row, shape (r,).

    Returns:
        Index per chooser in [0, 1], shape (r,).
    """
    squares = ((foreign * foreign) @ np.ones(foreign.shape[1], dtype=foreign.dtype)).astype(np.float64)
    safe = np.where(partners > 0, totals, 1.0)
    return np.where(partners > 0, np.minimum(squares / safe**2, 1.0), 0.0)


def bloc_modularity(foreign: np.ndarray, provider_bloc: np.ndarray) -> float:
    """Newman modularity of the partnership network split into geopolitical blocs.

    Providers belong to their data bloc; each second-wave country joins the bloc
    to which it gives most of its partnership weight (countries without partners
    are isolated and do not count). ``Q = e_in / M - sum_c (D_c / 2M)^2`` on the
    undirected weighted graph. High Q: ties stay within blocs; low Q: countries
    hedge across them.

    Args:
        foreign: Foreign portfolio weights, shape (r, m).
        provider_bloc: One-hot bloc membership of each provider, shape (m, blocs).

    Returns:
        Modularity in [-0.5, 1], 0 when there is no partnership.
    """
    by_bloc = (foreign @ provider_bloc).astype(np.float64)
    total = by_bloc.sum()
    if total <= 0:
        return 0.0
    n_blocs = provider_bloc.shape[1]
    chooser_bloc = np.zeros(len(by_bloc), dtype=int)
    largest = by_bloc[:, 0].copy()
    for bloc in range(1, n_blocs):
        larger = by_bloc[:, bloc] > largest
        chooser_bloc[larger] = bloc
        np.maximum(largest, by_bloc[:, bloc], out=largest)
    within = largest.sum()
    degree = by_bloc.sum(axis=0) + np.bincount(chooser_bloc, weights=by_bloc.sum(axis=1), minlength=n_blocs)
    return float(within / total - ((degree / (2.0 * total)) ** 2).sum())
