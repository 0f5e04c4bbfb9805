"""Second-wave partner choice: random utilities and the portfolio they imply.

Every function works on whole arrays: rows are choosing (second-wave)
countries, columns are candidate partners (leaders and providers). Option 0 of
a portfolio is the outside option, building domestically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChoiceWeights:
    """How second-wave countries weigh the criteria of partner choice.

    Attributes:
        openness: Weight on the effective openness of a partner (utility per unit openness).
        cost: Weight on the relative cost of a partnership.
        dependence: Weight on dependence risk, scaled per country by its aversion.
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


def partner_utilities(
    weights: ChoiceWeights,
    openness: np.ndarray,
    cost: np.ndarray,
    risk: np.ndarray,
    distance: np.ndarray,
    ties: np.ndarray,
    aversion: np.ndarray,
) -> np.ndarray:
    """Deterministic utility of each candidate partner for each chooser.

    ``U_ij = w_o * Omega_ij - w_c * c_ij - w_d * lambda_i * r_ij - w_a * d_ij + w_t * T_ij``.

    Args:
        weights: The criteria weights.
        openness: Effective openness of partner j toward chooser i, shape (r, m), in [0, 1].
        cost: Relative cost ``p_j / (p_j + S_i)``, shape (r, m), in [0, 1).
        risk: Dependence risk of partner j for chooser i, shape (r, m), in [0, 1].
        distance: Geopolitical distance, shape (r, m), in [0, 1].
        ties: Prior-tie strength, shape (r, m), in [0, 1].
        aversion: Dependence aversion of each chooser, shape (r,).

    Returns:
        Utilities, shape (r, m).
    """
    return (
        weights.openness * openness
        - weights.cost * cost
        - weights.dependence * aversion[:, None] * risk
        - weights.alignment * distance
        + weights.ties * ties
    )


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


def gumbel_noise(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Draw i.i.d. Gumbel(0, scale) taste shocks, which make the choice a logit.

    Args:
        rng: The model's seeded generator.
        shape: Shape of the draw.
        scale: Choice temperature; 0 gives no noise.

    Returns:
        Array of shocks.
    """
    if scale <= 0.0:
        return np.zeros(shape)
    return -scale * np.log(-np.log(rng.random(shape)))


def project_to_simplex(values: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row onto the probability simplex.

    Sort-based algorithm (Held, Wolfe and Crowder 1974; Duchi et al. 2008),
    vectorised over rows.

    Args:
        values: Array of shape (r, k).

    Returns:
        Array of shape (r, k) whose rows are non-negative and sum to one.
    """
    k = values.shape[1]
    ordered = -np.sort(-values, axis=1)
    cumulative = np.cumsum(ordered, axis=1) - 1.0
    positions = np.arange(1, k + 1)
    active = ordered - cumulative / positions > 0.0
    n_active = k - np.argmax(active[:, ::-1], axis=1)
    theta = cumulative[np.arange(values.shape[0]), n_active - 1] / n_active
    return np.maximum(values - theta[:, None], 0.0)


def choose_portfolios(
    utilities: np.ndarray,
    previous: np.ndarray,
    concentration: np.ndarray,
    switching_cost: float,
) -> np.ndarray:
    """Portfolio maximising perturbed utility net of concentration and switching costs.

    Each chooser i picks weights w on the simplex over its options (column 0 is
    building domestically) maximising

    ``sum_j w_j A_ij - (g_i / 2) sum_j w_j^2 - (kappa / 2) sum_j (w_j - w_prev_ij)^2``

    where ``A`` are the utilities with their taste shocks, ``g_i`` is the
    Hirschman concentration penalty and ``kappa`` the switching cost. The
    solution is the projection of ``(A_i + kappa w_prev_i) / (g_i + kappa)`` onto
    the simplex: sparse (one to a few partners), and in the limit of small
    penalties the single best option, i.e. the logit choice.

    Args:
        utilities: Perturbed utilities, shape (r, 1 + m), domestic option first.
        previous: Last year's portfolio, same shape, rows on the simplex.
        concentration: Concentration penalty ``g_i`` per chooser, shape (r,), > 0.
        switching_cost: ``kappa`` >= 0.

    Returns:
        New portfolios, shape (r, 1 + m).
    """
    curvature = concentration + switching_cost
    target = (utilities + switching_cost * previous) / curvature[:, None]
    return project_to_simplex(target)


def limit_portfolios(
    portfolios: np.ndarray, max_partners: np.ndarray, min_weight: float
) -> np.ndarray:
    """Keep each chooser's affordable partners and drop ties too thin to count.

    A chooser keeps at most ``max_partners[i]`` foreign partners (its largest
    weights) and only those with weight at least ``min_weight``; the weight of
    dropped partners returns to the domestic option, so rows stay on the simplex.

    Args:
        portfolios: Shape (r, 1 + m), domestic option first.
        max_partners: Affordable number of partners per chooser, shape (r,), >= 1.
        min_weight: Smallest weight that counts as a partnership.

    Returns:
        Limited portfolios, same shape.
    """
    foreign = portfolios[:, 1:]
    ordered = -np.sort(-foreign, axis=1)
    kth = np.minimum(max_partners, foreign.shape[1]) - 1
    cutoff = np.maximum(ordered[np.arange(foreign.shape[0]), kth], min_weight)
    kept = np.where(foreign >= cutoff[:, None], foreign, 0.0)
    out = np.empty_like(portfolios)
    out[:, 1:] = kept
    out[:, 0] = 1.0 - kept.sum(axis=1)
    return out
