"""The portfolio choice against an independent reference (bisection on the KKT threshold) and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from sim.model.choice import CONCENTRATION_FLOOR, choose_portfolios


def reference_weights(linear: np.ndarray, curvature: np.ndarray) -> np.ndarray:
    """Weights ``max(0, (a_j - theta) / c_j)`` summing to one, theta found by bisection."""
    low, high = linear.min() - curvature.max() * 2.0, linear.max()
    for _ in range(200):
        theta = (low + high) / 2.0
        if np.maximum(0.0, (linear - theta) / curvature).sum() > 1.0:
            low = theta
        else:
            high = theta
    return np.maximum(0.0, (linear - theta) / curvature)


def random_case(rows: int, m: int, seed: int):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(rows, m)).astype(np.float32)
    home = (values.max(axis=1) + rng.normal(0, 1, rows)).astype(np.float32)
    previous_all = rng.dirichlet(np.ones(m + 1), rows).astype(np.float32)
    available = rng.random((rows, m)) < 0.6
    affordable = rng.integers(1, 6, rows)
    concentration = rng.uniform(0.0, 3.0, rows)
    previous, previous_home = previous_all[:, 1:].copy(), previous_all[:, 0].copy()
    return values, home, previous, previous_home, available, affordable, concentration


@pytest.mark.parametrize("switching_cost", [0.0, 1.0])
def test_portfolios_equal_the_reference_over_each_countrys_affordable_available_best(switching_cost):
    rows, m = 300, 23
    values, home, previous, previous_home, available, affordable, concentration = random_case(
        rows, m, 7 + int(switching_cost))
    weights, domestic, _ = choose_portfolios(
        values, home, previous, previous_home, concentration, switching_cost, available, affordable, 0.0
    )
    for i in range(rows):
        linear = np.where(available[i], values[i] + switching_cost * previous[i], -np.inf)
        chosen = np.argsort(-linear)[: affordable[i]]
        chosen = chosen[np.isfinite(linear[chosen])]
        candidates = np.concatenate([[home[i] + switching_cost * previous_home[i]], linear[chosen]])
        curvature = np.full(len(candidates), concentration[i] + switching_cost + CONCENTRATION_FLOOR)
        curvature[0] = switching_cost + CONCENTRATION_FLOOR
        expected_all = reference_weights(candidates.astype(np.float64), curvature)
        expected = np.zeros(m)
        expected[chosen] = expected_all[1:]
        np.testing.assert_allclose(weights[i], expected, atol=2e-4)
        assert domestic[i] == pytest.approx(expected_all[0], abs=2e-4)
    assert np.all((weights > 0).sum(axis=1) <= affordable)
    assert not np.any(weights[~available] > 0)
    np.testing.assert_allclose(weights.sum(axis=1) + domestic, 1.0, atol=1e-5)


def test_the_projection_maximises_the_objective_as_scipy_finds_it():
    values = np.array([[0.4, 0.1, -0.3]], dtype=np.float32)
    home = np.array([0.2], dtype=np.float32)
    g, kappa = 1.5, 0.5
    previous = np.array([[0.1, 0.2, 0.0]], dtype=np.float32)
    previous_home = np.array([0.7], dtype=np.float32)
    weights, domestic, _ = choose_portfolios(
        values, home, previous, previous_home, np.array([g]), kappa, np.ones((1, 3), bool), np.array([3]), 0.0
    )
    linear = np.concatenate([home, values[0]]).astype(float)
    before = np.concatenate([previous_home, previous[0]]).astype(float)

    def loss(w):
        return -(w @ linear - (g + CONCENTRATION_FLOOR) / 2 * (w[1:] ** 2).sum()
                 - CONCENTRATION_FLOOR / 2 * w[0] ** 2 - kappa / 2 * ((w - before) ** 2).sum())

    best = minimize(loss, np.full(4, 0.25), bounds=[(0, 1)] * 4, method="SLSQP",
                    constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}], options={"ftol": 1e-12})
    np.testing.assert_allclose(np.concatenate([domestic, weights[0]]), best.x, atol=1e-4)


def test_weights_below_the_minimum_return_to_building_at_home():
    # Linear terms 1.0 and 0.9 abroad, -5 at home, curvature 1 abroad: weights 0.55 and 0.45.
    values = np.array([[1.0, 0.9, -5.0]], dtype=np.float32)
    args = (np.array([-5.0], dtype=np.float32), np.zeros((1, 3), np.float32), np.zeros(1, np.float32),
            np.array([1.0 - CONCENTRATION_FLOOR]), 0.0, np.ones((1, 3), bool), np.array([3]))
    free, home, _ = choose_portfolios(values, *args, 0.0)
    np.testing.assert_allclose(free[0], [0.55, 0.45, 0.0], atol=1e-5)
    assert home[0] == pytest.approx(0.0, abs=1e-5)
    limited, home, _ = choose_portfolios(values, *args, 0.5)
    np.testing.assert_allclose(limited[0], [0.55, 0.0, 0.0], atol=1e-5)
    assert home[0] == pytest.approx(0.45, abs=1e-5)


def test_a_country_whose_home_beats_every_partner_stays_home_whatever_its_dependence_penalty():
    rng = np.random.default_rng(5)
    values = rng.normal(size=(200, 10)).astype(np.float32)
    home = (values.max(axis=1) + rng.uniform(0.01, 1.0, 200)).astype(np.float32)
    for concentration in (0.0, 1.0, 10.0):
        weights, domestic, _ = choose_portfolios(
            values, home, np.zeros_like(values), np.ones(200, np.float32), np.full(200, concentration), 0.0,
            np.ones_like(values, bool), np.full(200, 4), 0.0,
        )
        assert np.all(domestic == pytest.approx(1.0)) and not weights.any()


def test_without_penalties_the_choice_is_the_single_best_option():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(200, 10)).astype(np.float32)
    home = rng.normal(size=200).astype(np.float32)
    weights, domestic, theta = choose_portfolios(
        values, home, np.zeros_like(values), np.ones(200, np.float32), np.zeros(200), 0.0,
        np.ones_like(values, bool), np.full(200, 3), 0.0,
    )
    best_is_home = home > values.max(axis=1)
    assert np.all(domestic[best_is_home] == pytest.approx(1.0))
    chosen = weights[~best_is_home].argmax(axis=1)
    assert np.array_equal(chosen, values[~best_is_home].argmax(axis=1))
    assert np.allclose(weights[~best_is_home].max(axis=1), 1.0, atol=1e-3)
    assert np.all(theta <= np.maximum(values.max(axis=1), home) + 1e-6)
