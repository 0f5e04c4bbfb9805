"""Hindcast scores: AUC and its bootstrap interval, Brier, precision at k, the table and the baselines."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from sim.experiments.hindcast_score import (
    baseline_alignment,
    baseline_popularity,
    bootstrap_auc,
    brier,
    precision_at_k,
    roc_auc,
    score_table,
)


def noisy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores with some signal and many ties (scores rounded to one decimal)."""
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.3
    scores = np.round(rng.normal(size=n) + labels, 1)
    return scores, labels


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_auc_is_mann_whitney_u_with_ties(seed: int) -> None:
    scores, labels = noisy(300, seed)
    assert len(np.unique(scores)) < 100  # there are ties
    u = mannwhitneyu(scores[labels], scores[~labels]).statistic
    assert roc_auc(scores, labels) == pytest.approx(u / (labels.sum() * (~labels).sum()), abs=1e-12)


def test_auc_hand_computed() -> None:
    # Positives 0.9, 0.3; negatives 0.8, 0.1: of the 4 (pos, neg) pairs, 3 are ordered right.
    assert roc_auc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]) == pytest.approx(0.75)
    # A tie between a positive and a negative counts half: 1 + 0.5 out of 2.
    assert roc_auc([0.5, 0.5, 0.1], [True, False, False]) == pytest.approx(0.75)


def test_auc_perfect_inverted_and_degenerate() -> None:
    labels = np.array([0, 0, 1, 1, 0, 1])
    perfect = labels + np.linspace(0, 0.1, 6)
    assert roc_auc(perfect, labels) == 1.0
    assert roc_auc(-perfect, labels) == 0.0
    assert roc_auc(np.ones(6), labels) == 0.5
    assert math.isnan(roc_auc([0.1, 0.2], [1, 1]))
    assert math.isnan(roc_auc([0.1, 0.2], [0, 0]))


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="0 or 1"):
        roc_auc([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="shape"):
        roc_auc([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(ValueError, match="finite"):
        roc_auc([0.1, np.nan], [0, 1])


def test_bootstrap_contains_estimate_and_narrows_with_data() -> None:
    small_scores, small_labels = noisy(60, 4)
    large_scores, large_labels = noisy(3000, 5)
    small = bootstrap_auc(small_scores, small_labels, n_boot=300, seed=0)
    large = bootstrap_auc(large_scores, large_labels, n_boot=300, seed=0)
    assert small[0] <= roc_auc(small_scores, small_labels) <= small[1]
    assert large[0] <= roc_auc(large_scores, large_labels) <= large[1]
    assert large[1] - large[0] < 0.5 * (small[1] - small[0])


def test_bootstrap_is_seeded_and_level_widens() -> None:
    scores, labels = noisy(200, 6)
    assert bootstrap_auc(scores, labels, n_boot=200, seed=3) == bootstrap_auc(
        scores, labels, n_boot=200, seed=3
    )
    narrow = bootstrap_auc(scores, labels, n_boot=400, seed=3, level=0.5)
    wide = bootstrap_auc(scores, labels, n_boot=400, seed=3, level=0.99)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def test_bootstrap_is_stratified() -> None:
    # One positive among 30: an unstratified resample would often have no positive (about 36% of the
    # time) and so an undefined AUC; stratified resamples always keep it, so the interval is finite.
    scores = np.arange(30.0)
    labels = np.zeros(30, dtype=bool)
    labels[20] = True
    low, high = bootstrap_auc(scores, labels, n_boot=200, seed=0)
    assert 0.0 <= low <= high <= 1.0
    assert all(math.isnan(v) for v in bootstrap_auc(scores, np.zeros(30), n_boot=10))


def test_brier_hand_computed() -> None:
    # (0.9-1)^2 + (0.2-0)^2 + (0.6-1)^2 + (0-0)^2 = 0.01 + 0.04 + 0.16 + 0 = 0.21, over 4.
    assert brier([0.9, 0.2, 0.6, 0.0], [1, 0, 1, 0]) == pytest.approx(0.0525)
    assert brier([1.0, 0.0], [1, 0]) == 0.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        brier([1.2, 0.0], [1, 0])


def test_precision_at_k_hand_computed_and_ties_by_order() -> None:
    scores = [0.9, 0.1, 0.8, 0.7, 0.3]
    labels = [1, 1, 0, 1, 0]
    assert precision_at_k(scores, labels, 1) == 1.0
    assert precision_at_k(scores, labels, 2) == 0.5  # 0.9 (pos), 0.8 (neg)
    assert precision_at_k(scores, labels, 3) == pytest.approx(2 / 3)
    assert precision_at_k(scores, labels, 5) == 0.6
    # Three pairs tie at the top; k = 2 keeps the first two given.
    assert precision_at_k([0.5, 0.5, 0.5, 0.1], [0, 1, 1, 1], 2) == 0.5
    assert precision_at_k([0.5, 0.5, 0.5, 0.1], [1, 1, 0, 1], 2) == 1.0
    with pytest.raises(ValueError, match="between 1 and"):
        precision_at_k(scores, labels, 6)


def test_score_table() -> None:
    scores, labels = noisy(100, 7)
    probability = 1.0 / (1.0 + np.exp(-scores))
    table = score_table(
        {"model": probability, "raw": scores, "inverted": -scores},
        labels,
        k_values=(5, 20),
        n_boot=100,
        seed=0,
        probabilistic={"model"},
    )
    assert list(table.columns) == [
        "predictor",
        "n_pairs",
        "n_positive",
        "auc",
        "auc_low",
        "auc_high",
        "brier",
        "precision_at_5",
        "precision_at_20",
    ]
    assert table["predictor"].tolist() == ["model", "raw", "inverted"]
    assert (table["n_pairs"] == 100).all()
    assert (table["n_positive"] == labels.sum()).all()
    model, raw, inverted = (table.iloc[i] for i in range(3))
    assert model["auc"] == pytest.approx(raw["auc"])  # a monotone transform keeps the ranking
    assert (model["auc_low"], model["auc_high"]) == pytest.approx((raw["auc_low"], raw["auc_high"]))
    assert inverted["auc"] == pytest.approx(1.0 - raw["auc"])
    assert model["brier"] == pytest.approx(brier(probability, labels))
    assert math.isnan(raw["brier"]) and math.isnan(inverted["brier"])
    assert raw["precision_at_20"] == precision_at_k(scores, labels, 20)
    with pytest.raises(ValueError, match="probabilistic"):
        score_table({"raw": scores}, labels, n_boot=10, probabilistic={"rwa"})


def test_baseline_popularity() -> None:
    calibration = pd.DataFrame(
        {
            "a_iso3": ["RUS", "RUS", "USA", "CHN"],
            "b_iso3": ["CHN", "VNM", "JPN", "RUS"],
            "year": [2019, 2020, 2021, 2021],
        }
    )
    # Counts: RUS 3, CHN 2, VNM 1, USA 1, JPN 1, EGY 0.
    scores = baseline_popularity(["CHN-RUS", "EGY-RUS", "JPN-USA", "EGY-VNM"], calibration)
    np.testing.assert_array_equal(scores, [5.0, 3.0, 2.0, 1.0])
    leaked = calibration.assign(year=[2019, 2020, 2021, 2023])
    with pytest.raises(ValueError, match="after 2021"):
        baseline_popularity(["CHN-RUS"], leaked)


def test_baseline_alignment() -> None:
    alignment = {"USA": -1.0, "JPN": -0.8, "CHN": 0.9, "RUS": 1.0}
    scores = baseline_alignment(["JPN-USA", "CHN-RUS", "CHN-USA"], alignment)
    np.testing.assert_allclose(scores, [-0.2, -0.1, -1.9])
    with pytest.raises(ValueError, match="EGY"):
        baseline_alignment(["EGY-RUS"], alignment)


@pytest.mark.parametrize("pair", ["RUS-CHN", "CHN", "CHN-CHN", "CHN-RUS-USA", "-RUS"])
def test_malformed_pairs_are_rejected(pair: str) -> None:
    with pytest.raises(ValueError, match="sorted"):
        baseline_alignment([pair], {"CHN": 0.0, "RUS": 1.0, "USA": -1.0})


def test_roc_curve_area_equals_the_auc_and_runs_from_0_to_1():
    from sim.experiments.hindcast_score import roc_curve

    rng = np.random.default_rng(11)
    scores = np.round(rng.normal(size=300), 1)  # many ties
    labels = (rng.random(300) < 0.3).astype(int)
    fpr, tpr = roc_curve(scores, labels)
    assert fpr[0] == tpr[0] == 0.0 and fpr[-1] == tpr[-1] == 1.0
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc(scores, labels), abs=1e-12)
