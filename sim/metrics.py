"""Outcome measures of a partnership network, as whole-array functions."""

from __future__ import annotations

import numpy as np


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
