"""Capability yields: what a dollar, a partnership or a programme adds to a country's capability.

These functions are the one place where the model says how capability is made.
The capability update (:mod:`sim.model.dynamics`) adds them up, and partner choice
(:mod:`sim.model.choice`, :mod:`sim.model.formation`) values every option by them, so a
country's choice and its capability follow the same equations.

Units: capability is in capability units (one unit is one billion USD of R&D at
US efficiency and full scale, :data:`USD_PER_UNIT`); a *yield* is capability
units per capability unit of spending (per 1e9 USD).

The buyer-by-seller yields (:func:`relative_cost`, :func:`commercial_yield`) run in
the model as compiled kernels (:func:`sim.model.kernels.value_pairs`); these functions state
the same equations over whole arrays and are what ``tests/test_kernels.py`` checks the
kernels against.
"""

from __future__ import annotations

import numpy as np

USD_PER_UNIT = 1e9
"""One capability unit is one billion USD of R&D at US efficiency and full scale."""
CAPABILITY_FLOOR = 1e-4
"""Smallest capability, so that ratios and logarithms stay defined."""


def scale_factor(spending: np.ndarray, critical_scale: float) -> np.ndarray:
    """Share of full productivity a programme of this size reaches: ``phi(S) = S / (S + S_c)``.

    A quantum programme needs fixed infrastructure (dilution refrigerators, a chip
    line, trained staff); below the critical scale ``S_c`` most of a dollar goes into
    fixed costs.

    Args:
        spending: Disbursed spending, USD per year.
        critical_scale: ``S_c`` > 0, USD per year, at which half of full productivity is reached.

    Returns:
        ``phi`` in [0, 1), same shape as ``spending``.
    """
    spending = np.maximum(spending, 0.0)
    return spending / (spending + critical_scale)


def home_yield(efficiency: np.ndarray, spending: np.ndarray, critical_scale: float) -> np.ndarray:
    """Capability per unit of spending at home: ``h_i = eta_i phi(S_i)``.

    Args:
        efficiency: R&D efficiency ``eta_i`` relative to the USA.
        spending: Disbursed spending ``S_i``, USD per year.
        critical_scale: ``S_c``, USD per year.

    Returns:
        ``h_i`` >= 0.
    """
    return efficiency * scale_factor(spending, critical_scale)


def absorptive_capacity(capability: np.ndarray, half: float) -> np.ndarray:
    """Share of an offered transfer a country can absorb: ``A_i = K_i / (K_i + K_half)``.

    Args:
        capability: ``K_i``.
        half: ``K_half`` > 0.

    Returns:
        ``A_i`` in (0, 1).
    """
    return capability / (capability + half)


def relative_cost(price: np.ndarray, spending: np.ndarray) -> np.ndarray:
    """Share of the money routed to a partner that pays its price: ``c_ij = p_ij / (p_ij + S_i)``.

    The rest reaches the joint R&D. ``c_ij`` is also the seller's revenue share.

    Args:
        price: Effective price ``p_ij``, USD per year, shape (r, m).
        spending: Buyer's spending ``S_i``, USD per year, shape (r,).

    Returns:
        ``c_ij`` in (0, 1), shape (r, m).
    """
    denominator = price + np.maximum(spending, 1.0)[:, None]
    return np.divide(price, denominator, out=denominator)


def commercial_yield(
    *,
    cost: np.ndarray,
    absorptive: np.ndarray,
    open_share: np.ndarray,
    partner_home_yield: np.ndarray,
    buyer_capability: np.ndarray,
    partner_capability: np.ndarray,
    trust: np.ndarray,
    transfer_gain: float,
    trust_gain: float,
) -> np.ndarray:
    """Capability a buyer gains per unit of spending routed to a seller.

    ``y_ij = (1 - c_ij) A_i Omega_ij h_j g_ij (1 + beta_T T_ij)``: the money that is not
    the seller's margin runs R&D at the seller's yield ``h_j``; the buyer gets the open
    share ``Omega_ij`` of it, absorbs ``A_i`` of that, learns more from a partner far
    ahead (catch-up ``g_ij = 1 + theta ln max(1, K_j / K_i)``) and more from a partner
    it already trusts (prior tie ``T_ij``: alliance, nuclear or energy cooperation).

    Args:
        cost: Relative cost ``c_ij``, shape (r, m).
        absorptive: Buyer's absorptive capacity ``A_i``, shape (r,).
        open_share: ``Omega_ij = o_j (1 - max(C_ji, Sigma_ji))``, shape (r, m).
        partner_home_yield: Seller's ``h_j``, shape (m,).
        buyer_capability: ``K_i``, shape (r,).
        partner_capability: ``K_j``, shape (m,).
        trust: Prior-tie strength ``T_ij`` in [0, 1], shape (r, m).
        transfer_gain: ``theta`` >= 0.
        trust_gain: ``beta_T`` >= 0.

    Returns:
        ``y_ij`` >= 0, shape (r, m), in the dtype of ``open_share``.
    """
    dtype = open_share.dtype
    gap = np.log(partner_capability).astype(dtype)[None, :] - np.log(buyer_capability).astype(dtype)[:, None]
    np.maximum(gap, 0.0, out=gap)
    gap *= dtype.type(transfer_gain)
    gap += dtype.type(1.0)
    out = 1.0 - cost.astype(dtype)
    out *= open_share
    out *= gap
    out *= (absorptive[:, None] * partner_home_yield[None, :]).astype(dtype)
    out *= 1.0 + dtype.type(trust_gain) * trust
    return out


def science_spillover(
    *,
    coefficient: float,
    open_share: np.ndarray,
    absorptive: np.ndarray,
    output: np.ndarray,
    trust: np.ndarray,
    trust_gain: float,
) -> np.ndarray:
    """Yearly capability each actor gains from a science exchange with each other actor.

    ``G_ab = s Omega_ba A_a sqrt(F_a F_b) (1 + beta_T T_ab)``: joint research adds to
    this year's knowledge in proportion to what both sides' research produces (their
    own yearly output ``F``, complementary expertise), of which ``a`` gets what ``b``
    leaves open and what ``a`` can absorb. Flows, not stocks: exchange spreads new
    results, so it raises the level of capability, not its growth rate.

    Args:
        coefficient: ``s`` >= 0.
        open_share: ``Omega_ba``: what b leaves open to a, shape (n, n) indexed [a, b].
        absorptive: ``A_a``, shape (n,).
        output: Own yearly R&D output ``F_a = h_a S_a / 1e9``, shape (n,).
        trust: Prior-tie strength ``T_ab``, shape (n, n).
        trust_gain: ``beta_T`` >= 0.

    Returns:
        ``G_ab`` >= 0 in capability units per year, shape (n, n), zero on the diagonal.
    """
    root = np.sqrt(np.maximum(output, 0.0))
    out = coefficient * open_share * (absorptive * root)[:, None] * root[None, :] * (1.0 + trust_gain * trust)
    np.fill_diagonal(out, 0.0)
    return out


def programme_yield(
    efficiency: np.ndarray, spending: np.ndarray, critical_scale: float
) -> np.ndarray:
    """Yield of money pooled in a joint programme of two actors, shape (n, n).

    ``Y_ab = eta_ab phi(S_a + S_b)`` with the spending-weighted efficiency
    ``eta_ab = (eta_a S_a + eta_b S_b) / (S_a + S_b)``: a pooled programme runs at the
    scale of both countries' infrastructure (cost sharing).

    Args:
        efficiency: ``eta``, shape (n,).
        spending: ``S``, USD per year, shape (n,).
        critical_scale: ``S_c``, USD per year.

    Returns:
        ``Y_ab``, shape (n, n).
    """
    spending = np.maximum(spending, 1.0)
    total = spending[:, None] + spending[None, :]
    weighted = (efficiency * spending)[:, None] + (efficiency * spending)[None, :]
    return weighted / total * scale_factor(total, critical_scale)
