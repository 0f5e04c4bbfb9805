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
    per_provider = foreign.sum(axis=0)
    total = per_provider.sum()
    return per_provider / total if total > 0 else np.zeros_like(per_provider)


def portfolio_hhi(foreign: np.ndarray) -> np.ndarray:
    """Herfindahl-Hirschman index of each chooser's foreign portfolio.

    ``H_i = sum_j (w_ij / sum_k w_ik)^2``; 0 for a chooser with no partner.

    Args:
        foreign: Foreign portfolio weights, shape (r, m).

    Returns:
        Index per chooser in [0, 1], shape (r,).
    """
    totals = foreign.sum(axis=1)
    safe = np.where(totals > 0, totals, 1.0)
    return np.where(totals > 0, ((foreign / safe[:, None]) ** 2).sum(axis=1), 0.0)


def bloc_modularity(foreign: np.ndarray, provider_bloc: np.ndarray, n_blocs: int) -> float:
    """Newman modularity of the partnership network split into geopolitical blocs.

    Providers belong to their data bloc; each second-wave country joins the bloc
    of its largest partner (countries without partners are isolated and do not
    count). ``Q = e_in / M - sum_c (D_c / 2M)^2`` on the undirected weighted
    graph. High Q: ties stay within blocs; low Q: countries hedge across them.

    Args:
        foreign: Foreign portfolio weights, shape (r, m).
        provider_bloc: Bloc code of each provider, ints in [0, n_blocs), shape (m,).
        n_blocs: Number of bloc codes.

    Returns:
        Modularity in [-0.5, 1], 0 when there is no partnership.
    """
    total = foreign.sum()
    if total <= 0:
        return 0.0
    chooser_bloc = provider_bloc[np.argmax(foreign, axis=1)]
    within = foreign[chooser_bloc[:, None] == provider_bloc[None, :]].sum()
    degree = np.bincount(provider_bloc, weights=foreign.sum(axis=0), minlength=n_blocs)
    degree += np.bincount(chooser_bloc, weights=foreign.sum(axis=1), minlength=n_blocs)
    return float(within / total - ((degree / (2.0 * total)) ** 2).sum())
