"""Write a comparison of runs: ``comparison.csv`` and one overlay figure per outcome.

The table is :func:`sim.experiments.compare.compare`'s; each figure overlays every run's
mean of one outcome over time with its 95% band (shares in percent; bands of
shares and indices inside [0, 1]), one Okabe-Ito colour per run in the order given.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.base.paths import display_path
from sim.experiments.compare import Run, compare, unique_names
from sim.output.palette import PALETTE
from sim.output.plots import FigureOptionError, FigureStyle, new_figure, plot_band, save_figure, styled
from sim.output.summary import is_share, too_few_replications

TABLE = "comparison.csv"


@styled
def figure_overlay(runs: Sequence[Run], outcome: str) -> Figure:
    """One outcome of every run over time, mean and 95% band.

    Args:
        runs: The runs (the reference first).
        outcome: A column every run has.

    Returns:
        The figure.
    """
    figure, ax = new_figure()
    percent = is_share(outcome)
    for index, (run, name) in enumerate(zip(runs, unique_names(runs), strict=True)):
        plot_band(ax, run.model, "year", outcome, label=f"{name} ({run.model['replication'].nunique()} reps)",
                  color=PALETTE[index % len(PALETTE)], scale=100.0 if percent else 1.0)
    ax.set_xlabel("Year")
    ax.set_ylabel(f"{outcome} (%)" if percent else outcome)
    if percent:
        ax.set_ylim(bottom=0)
    ax.legend(title="Run (mean and 95% CI)", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.suptitle(f"{outcome}: {' vs '.join(unique_names(runs))}", fontsize=12, fontweight="bold")
    return figure


@styled
def write_comparison(
    runs: Sequence[Run], out: Path, window: tuple[int, int], style: FigureStyle | None = None,
    plots: bool = True,
) -> tuple[pd.DataFrame, list[Path]]:
    """Compare runs and write the table and the figures.

    Args:
        runs: The runs, the reference first.
        out: Output directory (created if needed): ``comparison.csv`` and ``plots/<outcome>.<format>``.
        window: Years of the mean statistic.
        style: Figure formats, resolution and size.
        plots: Whether to draw the overlays.

    Returns:
        The table and the written files.

    Raises:
        FigureOptionError: If ``out`` cannot be created.
    """
    table = compare(runs, window)
    for run in runs:
        warning = too_few_replications(run.model["replication"].nunique())
        if warning:
            print(f"warning: {display_path(run.path)}: {warning}", file=sys.stderr)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FigureOptionError(f"--out {display_path(out)}: cannot create the directory "
                                f"({error.strerror})") from None
    written = [out / TABLE]
    table.to_csv(written[0], index=False)
    if plots:
        for outcome in dict.fromkeys(table["outcome"]):
            written += save_figure(figure_overlay(runs, outcome), out / "plots", outcome, style)
    return table, written
