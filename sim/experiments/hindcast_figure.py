"""The hindcast's figure: ROC curves of the model and the baselines, and every target's AUC.

``qgeo hindcast`` draws it next to its score tables (:mod:`sim.experiments.hindcast_score`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.hindcast_score import roc_curve
from sim.output.palette import PALETTE
from sim.output.plots import styled

HINDCAST_COLOURS: dict[str, str] = {"model": PALETTE[0], "popularity": PALETTE[1], "alignment": PALETTE[2]}
"""One colour per hindcast predictor."""
HINDCAST_LABELS: dict[str, str] = {
    "model": "qgeo model", "popularity": "Baseline: partner popularity (to 2021)",
    "alignment": "Baseline: alignment distance",
}


@styled
def figure_hindcast(scores: pd.DataFrame, pairs: pd.DataFrame, scenario: str, replications: int) -> Figure:
    """ROC curves of the model and the baselines, and the AUC of every target with 95% intervals.

    Args:
        scores: The hindcast's score table (:func:`sim.experiments.hindcast.score`).
        pairs: Its pair table.
        scenario: Scenario name.
        replications: Replications behind the model's probabilities.

    Returns:
        The figure: left, ROC curves for ties of any kind by the last window year; right, AUC by
        target (last window year) with bootstrap intervals.
    """
    year = int(scores["year"].max())
    figure = Figure(figsize=(11.0, 4.8), layout="constrained")
    roc, bars = figure.subplots(1, 2, width_ratios=(1.0, 1.3))
    chosen = pairs[(pairs["target"] == "any") & (pairs["year"] == year)]
    for predictor, column in (("model", "probability"), ("popularity", "popularity"),
                              ("alignment", "alignment")):
        fpr, tpr = roc_curve(chosen[column].to_numpy(), chosen["observed"].to_numpy())
        auc = scores.loc[(scores["target"] == "any") & (scores["year"] == year)
                         & (scores["predictor"] == predictor), "auc"].iloc[0]
        roc.plot(fpr, tpr, color=HINDCAST_COLOURS[predictor], linewidth=2,
                 label=f"{HINDCAST_LABELS[predictor]} (AUC {auc:.2f})")
    roc.plot([0, 1], [0, 1], color="#999999", linestyle=":", linewidth=1, label="Chance (AUC 0.50)")
    roc.set_xlabel("False positive rate (pairs without an agreement)")
    roc.set_ylabel("True positive rate (pairs with an agreement)")
    roc.set_title(f"Any partnership, 2022-{year}", fontsize=10)
    roc.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.9, edgecolor="none")
    roc.set_xlim(0, 1)
    roc.set_ylim(0, 1)
    last = scores[scores["year"] == year]
    targets = list(dict.fromkeys(last["target"]))
    offsets = {"model": -0.22, "popularity": 0.0, "alignment": 0.22}
    for predictor, offset in offsets.items():
        rows = last[last["predictor"] == predictor].set_index("target").reindex(targets)
        y = np.arange(len(targets)) + offset
        bars.errorbar(rows["auc"], y, xerr=[rows["auc"] - rows["auc_low"], rows["auc_high"] - rows["auc"]],
                      fmt="o", color=HINDCAST_COLOURS[predictor], capsize=3, markersize=5,
                      label=HINDCAST_LABELS[predictor])
    positives = last.drop_duplicates("target").set_index("target")["n_positive"].reindex(targets)
    bars.set_yticks(np.arange(len(targets)),
                    [f"{target} ({int(n)} pairs)" for target, n in positives.items()])
    bars.invert_yaxis()
    bars.axvline(0.5, color="#999999", linestyle=":", linewidth=1)
    bars.set_xlim(0, 1)
    bars.set_xlabel("ROC AUC with 95% bootstrap interval")
    bars.set_title(f"Every target, 2022-{year} (pairs with an agreement in brackets)", fontsize=10)
    bars.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8, frameon=False)
    figure.suptitle("How well does the model meet the agreements of 2022-2025?", fontsize=13,
                    fontweight="bold")
    figure.supxlabel(f"Scenario '{scenario}', {replications} replications; a pair counts as tied by {year} "
                     "if it held the partnership at the end of some year from 2022 on.", fontsize=8.5,
                     color="#444444")
    return figure
