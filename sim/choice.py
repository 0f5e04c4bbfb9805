"""Second-wave partner choice: random utilities and the portfolio they imply.

Every function works on whole arrays: rows are choosing (second-wave)
countries, columns are candidate partners (leaders and providers); the outside
option, building domestically, is kept as a separate column vector. Pair arrays
are float32: the choice is noisy by design, and halving memory traffic halves
the cost of a step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAIR_DTYPE = np.float32
"""Floating type of chooser-by-partner arrays."""
TIE_BREAK = 1e-6
"""Utility subtracted per column position, so exact ties go to the partner listed first."""


@dataclass(frozen=True)
class ChoiceWeights:
    """How second-wave countries weigh the criteria of partner choice.

    Attributes:
        openness: Weight on the technology a partner will transfer: its effective
            openness times the quality of its technology.
        cost: Weight on the relative cost of a partnership.
        dependence: Weight on dependence risk, scaled per country by its aversion; also
            the Hirschman concentration penalty of the portfolio.
        alignment: Weight on geopolitical distance.
        ties: Weight on prior ties (alliances, agreements, nuclear and energy ties).
        build: Weight on the log scale of own spending relative to the build threshold.
    """

    openness: float
    cost: float
    dependence: float
    alignment: float
    ties: float
    build: float


def static_utility(
    weights: ChoiceWeights, distance: np.ndarray, ties: np.ndarray, aversion: np.ndarray
) -> np.ndarray:
    """The part of partner utility that does not change between years.

    ``-(w_a + w_d lambda_i / 3) d_ij + w_t T_ij - 1e-6 j``: distance counts once as
    geopolitical affinity and once as a third of dependence risk; the last term
    only breaks exact ties.

    Args:
        weights: The criteria weights.
        distance: Geopolitical distance ``|a_i - a_j| / 2``, shape (r, m), in [0, 1].
        ties: Prior-tie strength, shape (r, m), in [0, 1].
        aversion: Dependence aversion ``lambda_i`` of each chooser, shape (r,).

    Returns:
        Utilities, shape (r, m), float32.
    """
    per_distance = weights.alignment + weights.dependence * aversion / 3.0
    out = weights.ties * ties - per_distance[:, None] * distance
    out -= TIE_BREAK * np.arange(distance.shape[1])
    return out.astype(PAIR_DTYPE)


def partner_utilities(
    weights: ChoiceWeights,
    static: np.ndarray,
    transferable: np.ndarray,
    price: np.ndarray,
    exposure: np.ndarray,
    spending: np.ndarray,
    leverage: np.ndarray,
    aversion: np.ndarray,
) -> np.ndarray:
    """Deterministic utility of each candidate partner for each chooser.

    ``U_ij = w_o X_ij - w_c c_ij - w_d lambda_i r_ij - w_a d_ij + w_t T_ij`` with
    relative cost ``c_ij = p_ij / (p_ij + S_i)``, effective price
    ``p_ij = p_j (1 + E_ij)`` and dependence risk ``r_ij = (d_ij + E_ij + L_j) / 3``
    (distance, secondary-sanctions exposure, leverage); the distance and tie
    terms come precomputed in ``static``.

    Args:
        weights: The criteria weights.
        static: :func:`static_utility`, shape (r, m).
        transferable: Transferable technology ``X_ij = Omega_ij * q_j``, shape (r, m).
        price: Partners' list prices ``p_j``, USD per year, shape (m,).
        exposure: Secondary-sanctions exposure ``E_ij``, shape (r, m), in [0, 1].
        spending: Choosers' disbursed spending ``S_i``, USD per year, shape (r,).
        leverage: Partners' leverage ``L_j`` (capability share), shape (m,).
        aversion: Choosers' dependence aversion ``lambda_i``, shape (r,).

    Returns:
        Utilities, shape (r, m), float32.
    """
    risk_weight = (weights.dependence / 3.0 * aversion).astype(PAIR_DTYPE)[:, None]
    effective_price = exposure * price.astype(PAIR_DTYPE)
    effective_price += price.astype(PAIR_DTYPE)
    cost = effective_price / (effective_price + spending.astype(PAIR_DTYPE)[:, None])
    cost *= PAIR_DTYPE(weights.cost)
    utility = weights.openness * transferable
    utility += static
    utility -= cost
    exposure_risk = exposure + leverage.astype(PAIR_DTYPE)
    exposure_risk *= risk_weight
    utility -= exposure_risk
    return utility


def build_utility(
    weights: ChoiceWeights, spending: np.ndarray, efficiency: np.ndarray, threshold: float
) -> np.ndarray:
    """Utility of the outside option, building domestically.

    ``U_i0 = w_b * ln(eta_i * S_i / S_crit)``: own R&D pays only above a
    critical scale, so small programmes prefer to import and large ones to build.

    Args:
        weights: The criteria weights.
        spending: Disbursed spending of each chooser (USD per year), shape (r,).
        efficiency: R&D efficiency of each chooser (relative to the USA), shape (r,).
        threshold: Critical scale ``S_crit`` (USD per year).

    Returns:
        Utilities, shape (r,).
    """
    return weights.build * np.log(np.maximum(efficiency * spending, 1.0) / threshold)


def add_gumbel_noise(utility: np.ndarray, rng: np.random.Generator, scale: float) -> None:
    """Add i.i.d. Gumbel(0, scale) taste shocks in place, which make the choice a logit.

    Args:
        utility: Utilities to perturb, float32, modified in place.
        rng: The model's seeded generator.
        scale: Choice temperature; 0 adds nothing (and draws nothing).
    """
    if scale <= 0.0:
        return
    draw = rng.random(utility.shape, dtype=PAIR_DTYPE)
    np.maximum(draw, np.finfo(PAIR_DTYPE).tiny, out=draw)
    np.log(draw, out=draw)
    np.negative(draw, out=draw)
    np.log(draw, out=draw)
    draw *= PAIR_DTYPE(scale)
    utility -= draw


def choose_portfolios(
    utility: np.ndarray,
    domestic_utility: np.ndarray,
    previous: np.ndarray,
    previous_domestic: np.ndarray,
    concentration: np.ndarray,
    switching_cost: float,
    max_partners: np.ndarray,
    min_weight: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Portfolios maximising perturbed utility net of concentration and switching costs.

    Chooser i can afford ``k_i = max_partners[i]`` partnerships, so its choice set
    is building domestically plus the ``k_i`` partners with the highest
    ``v_ij = (A_ij + kappa w_prev_ij) / (g_i + kappa)``. Over that set it picks
    weights ``w`` on the simplex maximising

    ``sum_j w_j A_ij - (g_i / 2) sum_j w_j^2 - (kappa / 2) sum_j (w_j - w_prev_ij)^2``

    where ``A`` are the perturbed utilities, ``g_i`` the Hirschman concentration
    penalty and ``kappa`` the switching cost. The maximiser is the Euclidean
    projection of ``v_i`` onto the simplex (Held, Wolfe and Crowder 1974):
    ``w_ij = max(0, v_ij - theta_i)``, which is sparse, and in the limit of small
    penalties the single best option, the logit choice. Weights below
    ``min_weight`` are dropped and return to building domestically.

    Args:
        utility: Perturbed partner utilities, shape (r, m).
        domestic_utility: Perturbed utility of building domestically, shape (r,).
        previous: Last year's partner weights, shape (r, m).
        previous_domestic: Last year's domestic weights, shape (r,).
        concentration: ``g_i`` > 0, shape (r,).
        switching_cost: ``kappa`` >= 0.
        max_partners: Affordable number of partners ``k_i``, shape (r,), in [1, m].
        min_weight: Smallest weight that counts as a partnership.

    Returns:
        ``(partner_weights (r, m), domestic_weights (r,))``, float32; rows sum to one.
    """
    rows, m = utility.shape
    index = np.arange(rows)
    widest = int(max_partners.max())
    scale = (1.0 / (concentration + switching_cost)).astype(PAIR_DTYPE)
    values = np.multiply(previous, PAIR_DTYPE(switching_cost))
    values += utility
    values *= scale[:, None]
    domestic = ((domestic_utility + switching_cost * previous_domestic) * scale).astype(PAIR_DTYPE)
    best = np.sort(values, axis=1)[:, ::-1][:, :widest]
    cutoff = best[index, max_partners - 1]
    theta = _simplex_threshold(best, max_partners, domestic).astype(PAIR_DTYPE)
    weights = values - theta[:, None]
    keep = values >= cutoff[:, None]
    keep &= weights >= max(min_weight, np.finfo(PAIR_DTYPE).tiny)
    weights *= keep
    domestic_weight = 1.0 - (weights @ np.ones(m, dtype=PAIR_DTYPE)).astype(np.float64)
    return weights, np.maximum(domestic_weight, 0.0).astype(PAIR_DTYPE)


COLUMNWISE_ROWS = 1024
"""From this many rows on, the projection threshold is computed column by column."""


def _simplex_threshold(best: np.ndarray, count: np.ndarray, domestic: np.ndarray) -> np.ndarray:
    """Threshold ``theta`` of the simplex projection of {domestic, top partners}.

    The candidates of row i are ``domestic[i]`` and the first ``count[i]`` entries of
    ``best[i]`` (sorted in decreasing order); ``theta_i = (S_n - 1) / n`` for the
    largest ``n`` such that the n-th largest candidate exceeds ``(S_n - 1) / n``,
    ``S_n`` being the sum of the n largest. Two equivalent vectorisations: across
    candidates (few numpy calls, for small worlds) and column by column across rows
    (no per-row overhead from numpy's sorts and scans of short rows, for large ones).

    Args:
        best: Partners' projected values in decreasing order, shape (r, K).
        count: Number of candidate partners per row, shape (r,), in [1, K].
        domestic: Domestic option's value, shape (r,).

    Returns:
        ``theta`` per row, in the dtype of ``best``.
    """
    if len(domestic) < COLUMNWISE_ROWS:
        return _threshold_across_candidates(best, count, domestic)
    return _threshold_column_by_column(best, count, domestic)


def _threshold_across_candidates(best: np.ndarray, count: np.ndarray, domestic: np.ndarray) -> np.ndarray:
    """:func:`_simplex_threshold` with one sort and one scan over each row's candidates."""
    rows, width = best.shape
    candidates = np.empty((rows, width + 1), dtype=best.dtype)
    candidates[:, 0] = domestic
    candidates[:, 1:] = np.where(np.arange(width) < count[:, None], best, -np.inf)
    ordered = -np.sort(-candidates, axis=1)
    cumulative = np.cumsum(np.where(np.isfinite(ordered), ordered, 0.0), axis=1) - 1.0
    n_active = np.count_nonzero(ordered * np.arange(1, width + 2) > cumulative, axis=1)
    return cumulative[np.arange(rows), n_active - 1] / n_active


def _threshold_column_by_column(best: np.ndarray, count: np.ndarray, domestic: np.ndarray) -> np.ndarray:
    """:func:`_simplex_threshold` merging domestic into the sorted partners column by column."""
    width = best.shape[1]
    above = np.zeros(len(domestic), dtype=int)
    for j in range(width):
        above += (best[:, j] > domestic) & (j < count)
    total = np.zeros(len(domestic), dtype=best.dtype)
    n_active = np.zeros(len(domestic), dtype=int)
    sums = []
    for j in range(width + 1):
        left = best[:, min(j, width - 1)]
        right = best[:, max(j - 1, 0)]
        value = np.where(j < above, left, np.where(j == above, domestic, right))
        total = total + value
        sums.append(total)
        n_active += (j <= count) & ((j + 1) * value > total - 1.0)
    theta = np.zeros(len(domestic), dtype=best.dtype)
    for j, partial in enumerate(sums):
        theta = np.where(n_active == j + 1, (partial - 1.0) / (j + 1), theta)
    return theta
