"""A finished calibration's outputs: generations, posterior, summary table, plots, manifest."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from pyabc.weighted_statistics import weighted_quantile

from sim.engine.store import read_manifest_file, write_json
from sim.experiments.calibration.priors import interval
from sim.experiments.calibration.spec import Calibration

POSTERIOR = "posterior.parquet"
SUMMARY = "summary.csv"
GENERATIONS = "generations.csv"
LEVEL = 0.9
"""Probability inside the intervals of the summary table."""


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    frame.to_csv(temporary, index=False, float_format="%.6g")
    os.replace(temporary, path)


def summary_table(calibration: Calibration, posterior: pd.DataFrame) -> pd.DataFrame:
    """Prior and posterior of every parameter.

    Args:
        calibration: The calibration.
        posterior: From :func:`sim.experiments.calibration.driver.posterior_frame`.

    Returns:
        One row per parameter: the prior and its 90% interval; the posterior's weighted mean,
        median and 90% interval; both interval widths and their ratio (posterior / prior).
    """
    weights = posterior["weight"].to_numpy()
    tail = (1 - LEVEL) / 2
    rows = []
    for prior in calibration.priors:
        values = posterior[prior.name].to_numpy()
        prior_low, prior_high = interval(prior, LEVEL)
        low = weighted_quantile(values, weights, alpha=tail)
        high = weighted_quantile(values, weights, alpha=1 - tail)
        rows.append({
            "parameter": prior.name, "prior": prior.kind, "prior_low": prior.low, "prior_high": prior.high,
            "prior_low90": prior_low, "prior_high90": prior_high, "prior_width90": prior_high - prior_low,
            "mean": float(np.average(values, weights=weights)),
            "median": weighted_quantile(values, weights, alpha=0.5),
            "low90": low, "high90": high, "width90": high - low,
            "width_ratio": (high - low) / (prior_high - prior_low),
        })
    return pd.DataFrame(rows)


def write_outputs(calibration: Calibration, out: Path, history: pyabc.History, *,
                  plots: bool = True) -> list[Path]:
    """Write generations.csv, posterior.parquet, summary.csv, the plots and the manifest's summary.

    Args:
        calibration: The calibration.
        out: Its output directory.
        history: Its pyabc history.
        plots: Draw the plots.

    Returns:
        The files written.
    """
    from sim.experiments.calibration.driver import generation_table, posterior_frame
    from sim.experiments.calibration.plots import draw_calibration_plots

    generations = pd.DataFrame(generation_table(history))
    posterior = posterior_frame(history)
    summary = summary_table(calibration, posterior)
    _write_csv(generations, out / GENERATIONS)
    temporary = out / f".{POSTERIOR}.tmp"
    posterior.to_parquet(temporary, index=False)
    os.replace(temporary, out / POSTERIOR)
    _write_csv(summary, out / SUMMARY)
    drawn = (draw_calibration_plots(calibration, generations, posterior_frame(history, 0), posterior,
                                    out / "plots") if plots else [])
    manifest = read_manifest_file(out)
    manifest["posterior"] = {"file": POSTERIOR, "generation": int(history.max_t),
                             "particles": len(posterior),
                             "summary": summary[["parameter", "mean", "median", "low90", "high90",
                                                 "width_ratio"]].to_dict("records")}
    write_json(out / "manifest.json", manifest)
    return [out / GENERATIONS, out / POSTERIOR, out / SUMMARY, *drawn]
