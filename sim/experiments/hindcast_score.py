"""Scores of a hindcast: how well predictors rank the country pairs that did sign agreements.

Pure functions over plain arrays: data in, data out. A hindcast gives every candidate pair a score (or a
probability) and a label (1 if the pair signed an agreement in the validation window, 0 if not);
:func:`score_table` compares predictors on ROC AUC with a bootstrap interval, Brier score and
precision at k. :func:`baseline_popularity` and :func:`baseline_alignment` are the naive predictors a
model must beat.

Pairs are ``'AAA-BBB'`` strings with the two ISO3 codes sorted, like the ``pair`` column of
:func:`sim.world.agreements.load_agreements`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import rankdata

from sim.world.agreements import CALIBRATION_END

__all__ = [
    "baseline_alignment",
    "baseline_popularity",
    "bootstrap_auc",
    "brier",
    "precision_at_k",
    "roc_auc",
    "score_table",
]


def _labels(labels: ArrayLike) -> np.ndarray:
    """Labels as a boolean vector.

    Raises:
        ValueError: Not one-dimensional, or a value other than 0, 1, False, True.
    """
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {array.shape}")
    if not np.isin(array, (0, 1)).all():
        raise ValueError("labels must be 0 or 1 (or False or True)")
    return array.astype(bool)


def _scores(scores: ArrayLike, n: int, what: str = "scores") -> np.ndarray:
    """Scores as a finite float vector of length ``n``.

    Raises:
        ValueError: Wrong shape, or a value that is not finite.
    """
    array = np.asarray(scores, dtype=float)
    if array.shape != (n,):
        raise ValueError(f"{what} must have shape ({n},) like the labels, got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} must be finite numbers")
    return array


def _auc_rows(scores: np.ndarray, n_pos: int) -> np.ndarray:
    """ROC AUC of each row of ``scores``, whose first ``n_pos`` columns are the positives.

    Mann-Whitney form: the positives' average-rank sum, less its minimum, over ``n_pos * n_neg``.
    """
    n_neg = scores.shape[1] - n_pos
    ranks = rankdata(scores, axis=1)
    return (ranks[:, :n_pos].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Area under the ROC curve.

    The probability that a random positive scores above a random negative, ties counting half: the
    Mann-Whitney U of the positives over ``n_pos * n_neg``.

    Args:
        scores: Higher means more likely positive.
        labels: 1 (or True) for positives, 0 for negatives, same length.

    Returns:
        The AUC in [0, 1], or NaN if either class is empty.

    Raises:
        ValueError: Mismatched lengths, labels other than 0/1, or scores that are not finite.
    """
    y = _labels(labels)
    x = _scores(scores, y.size)
    n_pos = int(y.sum())
    if n_pos in (0, y.size):
        return float("nan")
    return float(_auc_rows(np.concatenate([x[y], x[~y]])[None, :], n_pos)[0])


def roc_curve(scores: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Points of the ROC curve, one per distinct score (tied scores move together).

    Args:
        scores: Higher means more likely positive.
        labels: 1 for positives, 0 for negatives, same length.

    Returns:
        ``(false_positive_rate, true_positive_rate)``, each starting at 0 and ending at 1;
        the trapezoid area under them equals :func:`roc_auc`.
    """
    y = _labels(labels)
    x = _scores(scores, y.size)
    order = np.argsort(-x, kind="stable")
    x, y = x[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(x)), x.size - 1]
    positives = np.cumsum(y)[last_of_tie]
    negatives = last_of_tie + 1 - positives
    n_pos, n_neg = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    return np.r_[0.0, negatives / n_neg], np.r_[0.0, positives / n_pos]


def bootstrap_auc(
    scores: ArrayLike,
    labels: ArrayLike,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the ROC AUC.

    Each resample draws, with replacement, as many positives from the positives and as many negatives
    from the negatives as the data hold (stratified, so every resample has both classes), from
    ``numpy.random.default_rng(seed)``. The draws depend only on the class sizes, ``n_boot`` and
    ``seed``, so predictors scored on the same labels with the same seed share their resamples.

    Args:
        scores: Higher means more likely positive.
        labels: 1 (or True) for positives, 0 for negatives, same length.
        n_boot: Number of resamples, at least 1.
        seed: Seed of the random generator.
        level: Coverage of the interval, in (0, 1).

    Returns:
        (low, high): the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled AUCs;
        (NaN, NaN) if either class is empty.

    Raises:
        ValueError: Bad inputs (see :func:`roc_auc`), ``n_boot < 1`` or ``level`` outside (0, 1).
    """
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    y = _labels(labels)
    x = _scores(scores, y.size)
    positives, negatives = x[y], x[~y]
    if positives.size == 0 or negatives.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    pos = positives[rng.integers(0, positives.size, size=(n_boot, positives.size))]
    neg = negatives[rng.integers(0, negatives.size, size=(n_boot, negatives.size))]
    aucs = _auc_rows(np.concatenate([pos, neg], axis=1), positives.size)
    low, high = np.quantile(aucs, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(low), float(high)


def brier(probabilities: ArrayLike, labels: ArrayLike) -> float:
    """Brier score: the mean squared difference between probability and outcome (lower is better).

    Args:
        probabilities: Predicted probabilities of a positive, in [0, 1].
        labels: 1 (or True) for positives, 0 for negatives, same length.

    Returns:
        The score in [0, 1], or NaN for no pairs.

    Raises:
        ValueError: Mismatched lengths, labels other than 0/1, or probabilities outside [0, 1].
    """
    y = _labels(labels)
    p = _scores(probabilities, y.size, "probabilities")
    if ((p < 0.0) | (p > 1.0)).any():
        raise ValueError("probabilities must be in [0, 1]")
    if y.size == 0:
        return float("nan")
    return float(np.mean((p - y) ** 2))


def precision_at_k(scores: ArrayLike, labels: ArrayLike, k: int) -> float:
    """Share of positives among the ``k`` highest-scoring pairs.

    Ties are broken by the order given: among pairs with equal scores, the earlier one ranks higher, so
    a tie at the k-th score keeps the pairs that come first.

    Args:
        scores: Higher means more likely positive.
        labels: 1 (or True) for positives, 0 for negatives, same length.
        k: Number of top pairs, 1 to the number of pairs.

    Returns:
        The precision in [0, 1].

    Raises:
        ValueError: Bad inputs (see :func:`roc_auc`), or ``k`` outside 1 to the number of pairs.
    """
    y = _labels(labels)
    x = _scores(scores, y.size)
    if not 1 <= k <= y.size:
        raise ValueError(f"k must be between 1 and the number of pairs ({y.size}), got {k}")
    top = np.argsort(-x, kind="stable")[:k]
    return float(y[top].mean())


def score_table(
    predictions: Mapping[str, ArrayLike],
    labels: ArrayLike,
    k_values: Sequence[int] = (10, 25),
    n_boot: int = 1000,
    seed: int = 0,
    probabilistic: Collection[str] = frozenset(),
    level: float = 0.95,
) -> pd.DataFrame:
    """Score several predictors of the same pairs.

    Every predictor's interval uses the same ``seed``, hence the same resamples (see
    :func:`bootstrap_auc`), so the intervals are comparable.

    Args:
        predictions: Predictor name to its scores, one per pair, in the order of ``labels``.
        labels: 1 (or True) for pairs that signed, 0 for those that did not.
        k_values: The k of each precision-at-k column.
        n_boot: Bootstrap resamples of the AUC interval.
        seed: Seed of the bootstrap.
        probabilistic: Names of the predictors whose scores are probabilities; only they get a Brier
            score.
        level: Coverage of the AUC interval.

    Returns:
        One row per predictor, in the order given, with columns ``predictor``, ``n_pairs``,
        ``n_positive``, ``auc``, ``auc_low``, ``auc_high``, ``brier`` (NaN unless the predictor is in
        ``probabilistic``) and ``precision_at_<k>`` for each k.

    Raises:
        ValueError: A name in ``probabilistic`` that is not a predictor, or bad inputs (see
            :func:`roc_auc`, :func:`bootstrap_auc`, :func:`brier`, :func:`precision_at_k`).
    """
    unknown = sorted(set(probabilistic) - set(predictions))
    if unknown:
        raise ValueError(f"probabilistic names predictors not in predictions: {', '.join(unknown)}")
    y = _labels(labels)
    records = []
    for name, scores in predictions.items():
        low, high = bootstrap_auc(scores, y, n_boot=n_boot, seed=seed, level=level)
        record = {
            "predictor": name,
            "n_pairs": y.size,
            "n_positive": int(y.sum()),
            "auc": roc_auc(scores, y),
            "auc_low": low,
            "auc_high": high,
            "brier": brier(scores, y) if name in probabilistic else float("nan"),
        }
        record.update({f"precision_at_{k}": precision_at_k(scores, y, k) for k in k_values})
        records.append(record)
    columns = ["predictor", "n_pairs", "n_positive", "auc", "auc_low", "auc_high", "brier"]
    return pd.DataFrame.from_records(records, columns=columns + [f"precision_at_{k}" for k in k_values])


def _split_pairs(pairs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The two codes of each ``'AAA-BBB'`` pair.

    Raises:
        ValueError: A pair that is not two different codes, sorted, joined by ``'-'``.
    """
    parts = [pair.split("-") for pair in pairs]
    for pair, codes in zip(pairs, parts, strict=True):
        if len(codes) != 2 or not codes[0] or not codes[0] < codes[1]:
            raise ValueError(
                f"pairs must be two different codes, sorted, joined by '-' (e.g. 'CHN-RUS'), got {pair!r}"
            )
    return np.array([c[0] for c in parts], dtype=str), np.array([c[1] for c in parts], dtype=str)


def baseline_popularity(pairs: Sequence[str], calibration_frame: pd.DataFrame) -> np.ndarray:
    """Partner popularity: the sum of the two countries' numbers of calibration agreements.

    Args:
        pairs: Candidate pairs, ``'AAA-BBB'`` with sorted codes.
        calibration_frame: Agreements dated :data:`sim.world.agreements.CALIBRATION_END` or earlier (see
            :func:`sim.world.agreements.calibration_rows`), with columns ``a_iso3``, ``b_iso3`` and ``year``.

    Returns:
        One score per pair: how many calibration rows name the first country, plus how many name the
        second (0 for a country in none).

    Raises:
        ValueError: A malformed pair, or a row dated after :data:`sim.world.agreements.CALIBRATION_END`
            (hindcast years must not feed a predictor).
    """
    if (calibration_frame["year"] > CALIBRATION_END).any():
        raise ValueError(
            f"calibration_frame holds agreements dated after {CALIBRATION_END}, the hindcast's test years; "
            "pass calibration_rows(frame)"
        )
    a, b = _split_pairs(pairs)
    counts = pd.concat([calibration_frame["a_iso3"], calibration_frame["b_iso3"]]).value_counts()
    return counts.reindex(a, fill_value=0).to_numpy(dtype=float) + counts.reindex(b, fill_value=0).to_numpy(
        dtype=float
    )


def baseline_alignment(pairs: Sequence[str], alignment: Mapping[str, float]) -> np.ndarray:
    """Geopolitical proximity: minus the distance between the two countries' alignments.

    Args:
        pairs: Candidate pairs, ``'AAA-BBB'`` with sorted codes.
        alignment: Each country's geopolitical position (e.g. -1 US camp to +1 China/Russia camp).

    Returns:
        One score per pair, ``-abs(alignment[a] - alignment[b])``: 0 for identical positions, lower for
        more distant ones.

    Raises:
        ValueError: A malformed pair, or a code with no alignment.
    """
    a, b = _split_pairs(pairs)
    missing = sorted(set(a).union(b) - set(alignment))
    if missing:
        raise ValueError(f"alignment has no value for {', '.join(missing)}")
    values = pd.Series(alignment, dtype=float)
    return -np.abs(values.reindex(a).to_numpy() - values.reindex(b).to_numpy())
