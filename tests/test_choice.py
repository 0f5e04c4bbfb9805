"""The portfolio choice against a brute-force reference, on both vectorisations."""

from __future__ import annotations

import numpy as np
import pytest

from sim import choice
from sim.choice import choose_portfolios


def reference_projection(values: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the simplex, written out for one vector."""
    ordered = np.sort(values)[::-1]
    cumulative = np.cumsum(ordered) - 1.0
    count = np.max(np.nonzero(ordered * np.arange(1, len(values) + 1) > cumulative)[0]) + 1
    return np.maximum(values - cumulative[count - 1] / count, 0.0)


@pytest.mark.parametrize("rows", [50, choice.COLUMNWISE_ROWS + 50])
@pytest.mark.parametrize("switching_cost", [0.0, 1.0])
def test_portfolios_equal_the_projection_over_each_countrys_affordable_best(rows, switching_cost):
    rng = np.random.default_rng(rows + int(switching_cost))
    m = 23
    utility = rng.normal(size=(rows, m)).astype(np.float32)
    domestic_utility = (utility.max(axis=1) + rng.normal(0, 1, rows)).astype(np.float32)
    previous_all = rng.dirichlet(np.ones(m + 1), rows).astype(np.float32)
    previous, previous_domestic = previous_all[:, 1:].copy(), previous_all[:, 0].copy()
    affordable = rng.integers(1, 6, rows)
    concentration = rng.uniform(0.2, 3.0, rows)
    weights, domestic = choose_portfolios(
        utility, domestic_utility, previous, previous_domestic, concentration, switching_cost,
        affordable, 0.0,
    )
    for i in range(rows):
        scale = concentration[i] + switching_cost
        values = (utility[i] + switching_cost * previous[i]) / scale
        home = (domestic_utility[i] + switching_cost * previous_domestic[i]) / scale
        chosen = np.argsort(-values)[: affordable[i]]
        projected = reference_projection(np.concatenate([[home], values[chosen]]).astype(np.float64))
        expected = np.zeros(m)
        expected[chosen] = projected[1:]
        np.testing.assert_allclose(weights[i], expected, atol=1e-4)
        assert domestic[i] == pytest.approx(projected[0], abs=1e-4)
    assert np.all((weights > 0).sum(axis=1) <= affordable)


def test_weights_below_the_minimum_return_to_building_at_home():
    # values 1.0, 0.9 (partners), 0 (home), -5: the projection gives 0.55 and 0.45 to the partners.
    utility = np.array([[1.0, 0.9, -5.0]], dtype=np.float32)
    args = (np.array([0.0], dtype=np.float32), np.zeros((1, 3), np.float32), np.ones(1, np.float32),
            np.array([1.0]), 0.0, np.array([3]))
    free, home = choose_portfolios(utility, *args, 0.0)
    np.testing.assert_allclose(free[0], [0.55, 0.45, 0.0], atol=1e-6)
    assert home[0] == pytest.approx(0.0, abs=1e-6)
    limited, home = choose_portfolios(utility, *args, 0.5)
    np.testing.assert_allclose(limited[0], [0.55, 0.0, 0.0], atol=1e-6)
    assert home[0] == pytest.approx(0.45, abs=1e-6)


def test_without_penalties_the_choice_is_the_single_best_option():
    rng = np.random.default_rng(3)
    utility = rng.normal(size=(200, 10)).astype(np.float32)
    home = rng.normal(size=200).astype(np.float32)
    weights, domestic = choose_portfolios(
        utility, home, np.zeros_like(utility), np.ones(200, np.float32), np.full(200, 1e-6), 0.0,
        np.full(200, 3), 0.0,
    )
    best_is_home = home > utility.max(axis=1)
    assert np.all(domestic[best_is_home] == pytest.approx(1.0))
    chosen = weights[~best_is_home].argmax(axis=1)
    assert np.array_equal(chosen, utility[~best_is_home].argmax(axis=1))
    assert np.allclose(weights[~best_is_home].max(axis=1), 1.0)
