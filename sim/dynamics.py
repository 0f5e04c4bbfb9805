"""Yearly dynamics other than partner choice, as whole-array functions.

Budgets and their disbursement, capability accumulation and transfer,
providers' market-share policy and leaders' export-control response. Each
function takes and returns plain numpy arrays so it can be tested alone.
"""

from __future__ import annotations

import numpy as np

USD_PER_UNIT = 1e9
"""One capability unit is one billion USD of R&D at US efficiency."""


def initial_capability(
    budget: np.ndarray, disbursed_share: np.ndarray, efficiency: np.ndarray, years: float
) -> np.ndarray:
    """Initial knowledge stock: ``K_0 = eta * d * B * years / 1e9``.

    Args:
        budget: Announced budget, USD per year.
        disbursed_share: Share of the budget disbursed.
        efficiency: R&D efficiency relative to the USA.
        years: Years of current spending that make up the stock.

    Returns:
        Capability in capability units (floored at 1e-4 so ratios stay defined).
    """
    return np.maximum(efficiency * disbursed_share * budget * years / USD_PER_UNIT, 1e-4)


def denial(provider_capability: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Share of actors' capability closed to each country.

    ``delta_i = sum_a k_a * max(C_ai, Sigma_ai)`` with ``k_a`` each actor's share of
    actors' capability.

    Args:
        provider_capability: Capability of each actor (leaders and providers), shape (a,).
        closed: ``max(C_ai, Sigma_ai)``: the larger of actor a's export-control
            stringency and sanctions severity toward country i, shape (a, n).

    Returns:
        Denial per country in [0, 1], shape (n,).
    """
    return (provider_capability / provider_capability.sum()) @ closed


DENIAL_RESPONSE_SPEED = 1.0 / 3.0
"""Share of the gap to the denial-driven budget target closed each year (a response over
about three years, as after the 2018-2019 US controls on China and Russia's 2019-2022
roadmap doubling)."""


def shock_budget(budget: np.ndarray, volatility: float, rng: np.random.Generator) -> np.ndarray:
    """Announced budgets drift with mean-one log-normal shocks.

    ``B' = B * exp(nu z - nu^2 / 2)``, ``z ~ N(0, 1)``.

    Args:
        budget: Announced budget before any denial uplift, USD per year.
        volatility: Standard deviation ``nu`` of yearly log shocks.
        rng: The model's seeded generator.

    Returns:
        New budget.
    """
    return budget * np.exp(volatility * rng.standard_normal(budget.shape) - 0.5 * volatility**2)


def update_denial_uplift(
    uplift: np.ndarray, denied: np.ndarray, denied_at_start: np.ndarray, response: float
) -> np.ndarray:
    """Countries denied technology beyond the base year's level raise their own budgets.

    The uplift ``M`` multiplies the announced budget and moves a third of the way
    each year toward ``1 + rho_D * max(0, delta - delta_0)``: new controls or
    sanctions raise own investment over the following years, and the uplift fades
    when they are lifted. The base year's denial is already in the data's budgets.

    Args:
        uplift: Current multiplier ``M`` (1 at the start), shape (n,).
        denied: This year's denial ``delta``, shape (n,).
        denied_at_start: Denial in the base year ``delta_0``, shape (n,).
        response: ``rho_D``: budget increase at full new denial (1 = doubling).

    Returns:
        New multiplier.
    """
    target = 1.0 + response * np.maximum(0.0, denied - denied_at_start)
    return uplift + DENIAL_RESPONSE_SPEED * (target - uplift)


def update_spending(
    spending: np.ndarray, budget: np.ndarray, disbursed_share: np.ndarray, rate: float
) -> np.ndarray:
    """Disbursed spending closes part of the gap to the disbursable budget each year.

    ``S' = S + r (d B - S)``: announced is not spent, and increases arrive late.

    Args:
        spending: Current disbursed spending, USD per year.
        budget: Announced budget, USD per year.
        disbursed_share: Share of the announced budget that is disbursable.
        rate: Closing rate per year in (0, 1].

    Returns:
        New spending.
    """
    return spending + rate * (disbursed_share * budget - spending)


def quality(capability: np.ndarray, elasticity: float) -> np.ndarray:
    """Quality of each partner's technology: ``q_j = (K_j / max_k K_k) ** phi``.

    Args:
        capability: Capability of each candidate partner, shape (m,).
        elasticity: ``phi`` >= 0; 0 makes every partner's technology equally good.

    Returns:
        Quality in (0, 1], shape (m,).
    """
    return (capability / capability.max()) ** elasticity


def transfer(
    receiver_capability: np.ndarray,
    partner_capability: np.ndarray,
    weights: np.ndarray,
    open_fraction: np.ndarray,
    partner_openness_efficiency: np.ndarray,
    gain: float,
    absorptive_half: float,
) -> np.ndarray:
    """Capability each receiver gains from its partners, per capability unit of spending.

    ``tau_i = A_i sum_j w_ij Omega_ij eta_j g_ij`` with effective openness
    ``Omega_ij = o_j (1 - max(C_ji, Sigma_ji))``, catch-up
    ``g_ij = 1 + theta ln max(1, K_j / K_i)`` (a partner far ahead has more to
    teach) and absorptive capacity ``A_i = K_i / (K_i + K_half)``.

    Args:
        receiver_capability: ``K_i``, shape (r,).
        partner_capability: ``K_j``, shape (m,).
        weights: Portfolio weights ``w_ij``, shape (r, m).
        open_fraction: ``1 - max(C_ji, Sigma_ji)``, shape (r, m).
        partner_openness_efficiency: ``o_j * eta_j``, shape (m,).
        gain: ``theta`` >= 0.
        absorptive_half: ``K_half`` > 0.

    Returns:
        ``tau_i``, shape (r,).
    """
    routed = weights * open_fraction
    gap = np.log(partner_capability).astype(weights.dtype)[None, :] - np.log(
        receiver_capability
    ).astype(weights.dtype)[:, None]
    np.maximum(gap, 0.0, out=gap)
    gap *= routed
    h = partner_openness_efficiency.astype(weights.dtype)
    per_dollar = (routed @ h).astype(np.float64) + gain * (gap @ h).astype(np.float64)
    return per_dollar * receiver_capability / (receiver_capability + absorptive_half)


def adapt_providers(
    openness: np.ndarray, price: np.ndarray, share_change: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Providers that lose market share open up and cut prices; gainers raise prices.

    Losing share (``Delta s < 0``): ``o' = o + a (1 - o)``, ``p' = p (1 - a)``.
    Gaining share: ``p' = p (1 + a)``; openness is kept.

    Args:
        openness: Providers' openness, shape (m,).
        price: Providers' partnership price, USD per year, shape (m,).
        share_change: Change of each provider's share over the last year, shape (m,).
        rate: Adaptation rate ``a`` in [0, 1].

    Returns:
        New openness and price.
    """
    losing = share_change < 0.0
    gaining = share_change > 0.0
    new_openness = np.where(losing, openness + rate * (1.0 - openness), openness)
    new_price = np.where(losing, price * (1.0 - rate), np.where(gaining, price * (1.0 + rate), price))
    return new_openness, new_price


def tighten_controls(
    controls: np.ndarray, scope: np.ndarray, rival_gain: float, response: float
) -> np.ndarray:
    """A leader tightens its controls when rivals gain share, and eases them when they lose.

    ``C' = C + s (1 - C)`` for ``s = min(1, rho_C g) > 0`` and ``C' = C (1 + s)`` for
    ``s = max(-1, rho_C g) < 0``, on the leader's control scope (all but its exempt club), where ``g``
    is the rivals' combined share gain over the last year.

    Args:
        controls: The leader's stringency toward each country, shape (n,).
        scope: Which countries its controls can target, shape (n,), bool.
        rival_gain: Rivals' combined share gain over the last year.
        response: ``rho_C`` >= 0.

    Returns:
        New stringency row, in [0, 1].
    """
    step = min(1.0, max(-1.0, response * rival_gain))
    moved = controls + step * (1.0 - controls) if step >= 0 else controls * (1.0 + step)
    return np.where(scope, moved, controls)
