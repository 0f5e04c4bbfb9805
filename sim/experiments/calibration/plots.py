"""Figures of a calibration: marginals and pairwise densities, epsilon, posterior predictive checks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.calibration.spec import Calibration
from sim.output.palette import OTHER_COLOUR, PALETTE
from sim.output.plots import save_figure, styled


@styled
def figure_marginals(calibration: Calibration, posterior: pd.DataFrame) -> Figure:
    """Posterior marginals (diagonal, with the prior's support) and pairwise densities (below it).

    Args:
        calibration: The calibration.
        posterior: The last generation (with weights).

    Returns:
        The figure.
    """
    names = [prior.name for prior in calibration.priors]
    size = len(names)
    figure = Figure(figsize=(2.2 * size + 1, 2.2 * size + 1), layout="constrained")
    axes = figure.subplots(size, size, squeeze=False)
    weights = posterior["weight"].to_numpy()
    bounds = {prior.name: (prior.low, prior.high) for prior in calibration.priors}
    for row, y in enumerate(names):
        for column, x in enumerate(names):
            ax = axes[row][column]
            if column > row:
                ax.set_axis_off()
                continue
            if row == column:
                ax.hist(posterior[x], bins=20, range=bounds[x], weights=weights, color=PALETTE[0], alpha=0.8)
                ax.set_yticks([])
            else:
                ax.hist2d(posterior[x], posterior[y], bins=15, range=[bounds[x], bounds[y]], weights=weights,
                          cmap="Blues")
            ax.set_xlim(bounds[x])
            if row == size - 1:
                ax.set_xlabel(x, fontsize=8)
            if column == 0 and row > 0:
                ax.set_ylabel(y, fontsize=8)
    figure.suptitle(f"Calibration '{calibration.name}': posterior (diagonal: marginals over the prior's "
                    "support; below: pairs)", fontsize=10)
    return figure


@styled
def figure_epsilon(generations: pd.DataFrame, name: str) -> Figure:
    """Epsilon and acceptance rate by generation.

    Args:
        generations: The generation table.
        name: Calibration name.

    Returns:
        The figure.
    """
    figure = Figure(figsize=(7, 3.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.plot(generations["t"] + 1, generations["epsilon"], marker="o", color=PALETTE[0])
    left.set_yscale("log")
    left.set_xlabel("generation")
    left.set_ylabel("epsilon (standardised distance)")
    right.plot(generations["t"] + 1, generations["acceptance_rate"], marker="o", color=PALETTE[1])
    right.set_xlabel("generation")
    right.set_ylabel("acceptance rate")
    right.set_ylim(0, 1)
    figure.suptitle(f"Calibration '{name}': threshold and acceptance by generation", fontsize=10)
    return figure


@styled
def figure_predictive(calibration: Calibration, first: pd.DataFrame, posterior: pd.DataFrame) -> Figure:
    """Posterior predictive check of every target: simulated values against the observation.

    Args:
        calibration: The calibration.
        first: The first generation (close to the prior predictive).
        posterior: The last generation.

    Returns:
        The figure.
    """
    targets = calibration.targets
    columns = min(4, len(targets))
    rows = math.ceil(len(targets) / columns)
    figure = Figure(figsize=(3.2 * columns, 2.6 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for ax, target in zip(axes, targets, strict=False):
        column = f"sim_{target.name}"
        values = np.concatenate([first[column], posterior[column], [target.observed]])
        low, high = float(values.min()), float(values.max())
        span = (low - 0.5, high + 0.5) if high - low < 1 else (low, high)
        ax.hist(first[column], bins=20, range=span, weights=first["weight"], color=OTHER_COLOUR, alpha=0.6,
                label="generation 1")
        ax.hist(posterior[column], bins=20, range=span, weights=posterior["weight"], color=PALETTE[0],
                alpha=0.7, label="posterior")
        ax.axvline(target.observed, color=PALETTE[1], lw=2, label="observed")
        ax.axvspan(target.observed - target.sigma, target.observed + target.sigma, color=PALETTE[1],
                   alpha=0.15)
        ax.set_title(f"{target.name} ({target.year})", fontsize=8)
        ax.set_yticks([])
    for ax in axes[len(targets):]:
        ax.set_axis_off()
    axes[0].legend(fontsize=7)
    figure.suptitle(f"Calibration '{calibration.name}': posterior predictive checks (observed ± sigma)",
                    fontsize=10)
    return figure


@styled
def draw_calibration_plots(calibration: Calibration, generations: pd.DataFrame, first: pd.DataFrame,
                           posterior: pd.DataFrame, out: Path) -> list[Path]:
    """Draw and save every calibration figure (PNG and SVG).

    Args:
        calibration: The calibration.
        generations: The generation table.
        first: The first generation.
        posterior: The last generation.
        out: Directory of the plots.

    Returns:
        The written files.
    """
    written = save_figure(figure_marginals(calibration, posterior), out, "posterior")
    written += save_figure(figure_epsilon(generations, calibration.name), out, "epsilon")
    written += save_figure(figure_predictive(calibration, first, posterior), out, "predictive")
    return written
