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


def denial(
    provider_capability: np.ndarray, controls: np.ndarray, sanctions: np.ndarray
) -> np.ndarray:
    """Share of actors' capability closed to each country.

    ``delta_i = sum_a k_a * max(C_ai, Sigma_ai)`` with ``k_a`` each actor's share of
    actors' capability.

    Args:
        provider_capability: Capability of each actor (leaders and providers), shape (a,).
        controls: Export-control stringency of actor a toward country i, shape (a, n).
        sanctions: Sanctions severity of actor a on country i, shape (a, n).

    Returns:
        Denial per country in [0, 1], shape (n,).
    """
    weights = provider_capability / provider_capability.sum()
    return weights @ np.maximum(controls, sanctions)


def update_budget(
    budget: np.ndarray,
    denied: np.ndarray,
    response: float,
    volatility: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Announced budgets drift with mean-one shocks and grow under denial.

    ``B' = B * exp(nu z - nu^2 / 2) * (1 + rho_D * delta)``, ``z ~ N(0, 1)``:
    denied countries raise their own investment, as targeted states did.

    Args:
        budget: Announced budget, USD per year.
        denied: Denial per country in [0, 1].
        response: Budget growth per year at full denial.
        volatility: Standard deviation of yearly log shocks.
        rng: The model's seeded generator.

    Returns:
        New announced budget.
    """
    shock = np.exp(volatility * rng.standard_normal(budget.shape) - 0.5 * volatility**2)
    return budget * shock * (1.0 + response * denied)


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


def transfer_yield(
    receiver_capability: np.ndarray,
    partner_capability: np.ndarray,
    openness: np.ndarray,
    partner_efficiency: np.ndarray,
    gain: float,
    absorptive_half: float,
) -> np.ndarray:
    """Capability a receiver gains per unit of spending routed to each partner.

    ``y_ij = Omega_ij * eta_j * (1 + theta ln max(1, K_j / K_i)) * K_i / (K_i + K_half)``:
    openness gates what is shared, a partner far ahead has more to teach, and
    absorptive capacity limits what a weak receiver can take in.

    Args:
        receiver_capability: Shape (r,).
        partner_capability: Shape (m,).
        openness: Effective openness of partner j toward receiver i, shape (r, m).
        partner_efficiency: Shape (m,).
        gain: ``theta``.
        absorptive_half: ``K_half``.

    Returns:
        Yield per capability unit of spending, shape (r, m).
    """
    ratio = partner_capability[None, :] / receiver_capability[:, None]
    catch_up = 1.0 + gain * np.log(np.maximum(ratio, 1.0))
    absorb = receiver_capability / (receiver_capability + absorptive_half)
    return openness * partner_efficiency[None, :] * catch_up * absorb[:, None]


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
    """A leader tightens its controls in response to rivals' share gains.

    ``C' = C + min(1, rho_C * max(0, g)) * (1 - C)`` on the leader's scope (non-allies).

    Args:
        controls: The leader's stringency toward each country, shape (n,).
        scope: Which countries its controls can target, shape (n,), bool.
        rival_gain: Rivals' combined share gain over the last year.
        response: ``rho_C``.

    Returns:
        New stringency row.
    """
    step = min(1.0, response * max(0.0, rival_gain))
    return np.where(scope, controls + step * (1.0 - controls), controls)
