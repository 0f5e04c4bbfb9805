"""Yearly dynamics other than partner choice, as whole-array functions.

Budgets and their disbursement, the initial capability stock, providers'
market-share policy and leaders' export-control response (what partnerships add
to capability is in :mod:`sim.model.yields`). Each
function takes and returns plain numpy arrays so it can be tested alone.
"""

from __future__ import annotations

import numpy as np

from sim.model.yields import CAPABILITY_FLOOR


def initial_capability(yearly_output: np.ndarray, years: float) -> np.ndarray:
    """Initial knowledge stock: ``K_0 = years * h_i S_i / 1e9``, years of current own output.

    Args:
        yearly_output: Own R&D output at the start, ``h_i S_i / 1e9`` (capability units per year).
        years: Years of current output that make up the stock.

    Returns:
        Capability in capability units (floored so ratios stay defined).
    """
    return np.maximum(yearly_output * years, CAPABILITY_FLOOR)


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
"""Share of the gap to the denial-driven budget target closed each year: a response over
about three years (an estimate: China's programmes grew over the years after the 2018-2019 US
controls, and Russia's state quantum money rose from RUB 13.3bn to 2024 in the 2019 roadmap to at
least RUB 100bn to 2025 by 2022, a wider programme under sanctions; data README)."""


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
