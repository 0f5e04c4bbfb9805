"""Second-wave partner choice: values in log capability yield, and the portfolio they imply.

A second-wave country splits its effort between building at home and the
partners it has signed commercial agreements with. Every option is valued by
what it adds to the country's own capability under the model's equations
(:mod:`sim.model.yields`), in log points, minus the dependence risk it brings:

* home: ``V_i0 = ln h_i``;
* partner j: ``V_ij = ln y_ij - w_D lambda_i r_ij``.

Rows are choosing countries, columns are candidate partners (leaders and
providers); the home option is a separate column vector. Pair arrays are
float32: the choice is noisy by design, and halving memory traffic halves the
cost of a step.

These whole-array functions are the specification of the choice: the model runs
their row-by-row compiled form in :mod:`sim.model.kernels`, and ``tests/test_kernels.py``
holds the two to the same results.
"""

from __future__ import annotations

import numpy as np

PAIR_DTYPE = np.float32
"""Floating type of chooser-by-partner arrays."""
TIE_BREAK = 1e-6
"""Value subtracted per column position, so exact ties go to the partner listed first."""
YIELD_FLOOR = 1e-12
"""Smallest yield whose logarithm is taken (a closed partner's yield is 0)."""
CONCENTRATION_FLOOR = 1e-3
"""Smallest curvature of any option, so that portfolios stay unique when penalties are zero."""


def dependence_risk(distance: np.ndarray, exposure: np.ndarray, leverage: np.ndarray) -> np.ndarray:
    """Dependence risk of each pair: ``r_ij = (d_ij + E_ij + L_j) / 3`` in [0, 1].

    Args:
        distance: Geopolitical distance ``|a_i - a_j| / 2``, shape (r, m).
        exposure: Secondary-sanctions exposure ``E_ij`` of the pair, shape (r, m).
        leverage: Partners' leverage ``L_j`` (share of actors' capability), shape (m,).

    Returns:
        ``r_ij``, shape (r, m), in the dtype of ``distance``.
    """
    out = distance + exposure
    out += leverage.astype(distance.dtype)[None, :]
    out /= 3.0
    return out


def partner_values(
    yields: np.ndarray, risk: np.ndarray, aversion: np.ndarray, dependence_weight: float
) -> np.ndarray:
    """Systematic value of each partner: ``V_ij = ln y_ij - w_D lambda_i r_ij - 1e-6 j``.

    Args:
        yields: Capability yield ``y_ij`` of the money routed to each partner, shape (r, m).
        risk: Dependence risk ``r_ij``, shape (r, m).
        aversion: Dependence aversion ``lambda_i``, shape (r,).
        dependence_weight: ``w_D``, log points of yield given up per unit of risk.

    Returns:
        ``V_ij``, shape (r, m), float32 (the last term only breaks exact ties).
    """
    values = np.maximum(yields, YIELD_FLOOR)
    values = np.log(values, out=values).astype(PAIR_DTYPE, copy=False)
    values -= (dependence_weight * aversion).astype(PAIR_DTYPE)[:, None] * risk
    values -= (TIE_BREAK * np.arange(yields.shape[1])).astype(PAIR_DTYPE)
    return values


def home_values(home_yield: np.ndarray) -> np.ndarray:
    """Systematic value of building at home: ``V_i0 = ln h_i``.

    Args:
        home_yield: ``h_i`` of each chooser, shape (r,).

    Returns:
        ``V_i0``, shape (r,), float32.
    """
    return np.log(np.maximum(home_yield, YIELD_FLOOR)).astype(PAIR_DTYPE)


def gumbel_shocks(uniform: np.ndarray, scale: float) -> np.ndarray:
    """Gumbel(0, scale) shocks ``-scale ln(-ln u)`` of uniform draws, float32, computed in place.

    Args:
        uniform: Uniform draws in [0, 1), float32; overwritten with the shocks.
        scale: Choice temperature ``T``.

    Returns:
        ``uniform``, now holding the shocks.
    """
    np.maximum(uniform, np.finfo(PAIR_DTYPE).tiny, out=uniform)
    np.log(uniform, out=uniform)
    np.negative(uniform, out=uniform)
    np.log(uniform, out=uniform)
    uniform *= PAIR_DTYPE(-scale)
    return uniform


def add_gumbel_noise(values: np.ndarray, rng: np.random.Generator, scale: float) -> None:
    """Add i.i.d. Gumbel(0, scale) taste shocks in place, which make the choice a logit.

    Args:
        values: Values to perturb, float32, modified in place.
        rng: The model's seeded generator.
        scale: Choice temperature ``T``; 0 adds nothing (and draws nothing).
    """
    if scale <= 0.0:
        return
    values += gumbel_shocks(rng.random(values.shape, dtype=PAIR_DTYPE), scale)


def choose_portfolios(
    values: np.ndarray,
    home_value: np.ndarray,
    previous: np.ndarray,
    previous_home: np.ndarray,
    concentration: np.ndarray,
    switching_cost: float,
    available: np.ndarray,
    max_partners: np.ndarray,
    min_weight: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Portfolios maximising perturbed value net of foreign concentration and switching costs.

    Chooser i can use the partners it has signed agreements with (``available``) and
    can afford ``k_i = max_partners[i]`` of them: its choice set is home plus the
    ``k_i`` available partners with the highest ``A_ij + kappa w_prev_ij``. Over that
    set it picks weights on the simplex maximising

    ``sum_j w_j A_ij - (g_i / 2) sum_{j >= 1} w_j^2 - (kappa / 2) sum_j (w_j - w_prev_ij)^2``

    where ``A`` are the perturbed values, ``g_i`` the Hirschman penalty on the
    concentration of the *foreign* portfolio (dependence; building at home carries
    none) and ``kappa`` the switching cost. The solution is
    ``w_j = max(0, (A_j + kappa w_prev_j - theta_i) / c_j)`` with curvature
    ``c_0 = kappa + eps`` at home and ``c_j = g_i + kappa + eps`` abroad, ``theta_i``
    set so the weights sum to one: sparse, and in the limit of small penalties the
    single best option (the logit choice). Weights below ``min_weight`` return home.

    Args:
        values: Perturbed partner values ``A_ij``, shape (r, m).
        home_value: Perturbed value of building at home, shape (r,).
        previous: Last year's partner weights, shape (r, m).
        previous_home: Last year's home weights, shape (r,).
        concentration: ``g_i`` >= 0, shape (r,).
        switching_cost: ``kappa`` >= 0.
        available: Which partners each chooser may use (signed agreements), shape (r, m), bool.
        max_partners: Affordable number of partners ``k_i`` >= 1, shape (r,).
        min_weight: Smallest weight that counts as a partnership.

    Returns:
        ``(partner_weights (r, m), home_weights (r,), theta (r,))``, float32; the weights of
        each row sum to one, and ``theta_i`` is the marginal value of the chooser's portfolio
        (a partner with ``A_ij > theta_i`` would enter it).
    """
    rows, m = values.shape
    linear = np.multiply(previous, PAIR_DTYPE(switching_cost))
    linear += values
    linear = np.where(available, linear, -np.inf)  # float32 (a Python scalar is weak)
    k = int(min(max(int(max_partners.max()), 1), m))
    count = np.minimum(max_partners, k)
    best = np.sort(linear, axis=1)[:, ::-1][:, :k]
    cutoff = best[np.arange(rows), count - 1]
    best[np.arange(k)[None, :] >= count[:, None]] = -np.inf
    eligible = np.isfinite(linear) & (linear >= cutoff[:, None])
    home_linear = (home_value + switching_cost * previous_home).astype(np.float64)
    home_curvature = switching_cost + CONCENTRATION_FLOOR
    abroad_curvature = concentration + switching_cost + CONCENTRATION_FLOOR
    theta = _threshold(best, home_linear, home_curvature, abroad_curvature)
    weights = np.subtract(linear, theta[:, None])
    weights /= abroad_curvature[:, None]
    keep = eligible & (weights >= max(min_weight, np.finfo(PAIR_DTYPE).tiny))
    weights = np.where(keep, np.minimum(weights, 1.0, out=weights), 0.0)
    total = weights @ np.ones(m)
    weights /= np.maximum(total, 1.0)[:, None]
    home = np.maximum(1.0 - np.minimum(total, 1.0), 0.0)
    return weights.astype(PAIR_DTYPE), home.astype(PAIR_DTYPE), theta.astype(PAIR_DTYPE)


def _threshold(
    best: np.ndarray, home: np.ndarray, home_curvature: float, abroad_curvature: np.ndarray
) -> np.ndarray:
    """``theta_i`` solving ``sum_j max(0, (a_j - theta) / c_j) = 1`` over home and the best partners.

    The candidates of row i are home (value ``home[i]``, curvature ``c_0``) and the
    finite entries of ``best[i]`` (sorted in decreasing order, curvature ``c_i``).
    With the candidates sorted by value, the active set is a prefix: for ``n`` active
    candidates ``theta_n = (sum a_j / c_j - 1) / sum 1 / c_j``, and the answer is the
    ``theta_n`` of the largest ``n`` whose n-th value exceeds it.

    Args:
        best: Partners' linear terms in decreasing order (``-inf`` where unavailable), shape (r, K).
        home: Home's linear term, shape (r,), float64.
        home_curvature: ``c_0`` > 0.
        abroad_curvature: ``c_i`` > 0, shape (r,).

    Returns:
        ``theta`` per row, float64.
    """
    rows, width = best.shape
    # Candidates in decreasing order, one column at a time (K + 1 is small): home goes before
    # the partners it does not fall below, the partners keep their order; running sums.
    position = np.count_nonzero(best > home[:, None], axis=1)
    inverse_home, inverse_abroad = 1.0 / home_curvature, 1.0 / abroad_curvature
    theta_n = np.empty((rows, width + 1))
    n_active = np.zeros(rows, dtype=np.intp)
    for j in range(width + 1):
        at = position == j
        value = np.where(position > j, best[:, min(j, width - 1)], best[:, max(j - 1, 0)])
        value = np.where(at, home, value)
        finite = np.isfinite(value)
        inverse = np.where(finite, np.where(at, inverse_home, inverse_abroad), 0.0)
        weighted = np.where(finite, value, 0.0) * inverse
        if j == 0:
            sum_weighted, sum_inverse = weighted, inverse
        else:
            sum_weighted = sum_weighted + weighted
            sum_inverse = sum_inverse + inverse
        theta_n[:, j] = (sum_weighted - 1.0) / np.maximum(sum_inverse, 1e-300)
        n_active += finite & (value > theta_n[:, j])
    return theta_n[np.arange(rows), np.maximum(n_active, 1) - 1]
