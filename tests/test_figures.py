"""Figures for a paper: fixed country styles, bounded bands, too-few-replication warnings, formats, labels."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import stats

from sim.cli import main
from sim.engine import store
from sim.engine.batch import run_scenario
from sim.experiments.analysis import input_label, outcome_label
from sim.explorer import charts
from sim.explorer.session import Explorer
from sim.inputs.experiment import OutcomeSpec
from sim.inputs.scenario import SCENARIO_DIR, load_scenario
from sim.output.palette import COUNTRY_COLOURS, LEADERS_COLOUR, country_style
from sim.output.plots import (
    LEADERS_LABEL,
    figure_provider_shares,
    figure_reliance,
    promotions,
    provider_ranking,
    reliance_table,
)
from sim.world.data import DEFAULT_DATA_DIR

OKABE_ITO_AND_TOL = {c.lower() for c in COUNTRY_COLOURS}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """The shipped baseline, as shipped (10 replications to 2050), without plots."""
    out = tmp_path_factory.mktemp("baseline") / "run"
    run_scenario(load_scenario("baseline"), out, plots=False)
    return out


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("small")
    paths = {}
    for name in ("baseline", "export_controls"):
        paths[name] = root / name
        run_scenario(load_scenario(name, [], {"steps": 6, "replications": 3}), paths[name], plots=False)
    return paths


def test_every_shipped_country_has_its_own_colour_blind_safe_style():
    codes = set()
    for directory in (DEFAULT_DATA_DIR, SCENARIO_DIR / "data_2019"):
        with (directory / "countries.csv").open(encoding="utf-8") as handle:
            codes |= {row["iso3"] for row in csv.DictReader(handle)}
    styles = {code: country_style(code) for code in codes}
    assert len({(s.colour, s.dashes) for s in styles.values()}) == len(codes)  # no two countries alike
    assert {s.colour.lower() for s in styles.values()} <= OKABE_ITO_AND_TOL
    assert LEADERS_COLOUR not in {s.colour for s in styles.values()}
    assert country_style("ZZZ") == country_style("ZZZ")  # codes outside the data: stable too


def test_country_colours_are_the_same_across_runs_with_different_rankings(small_runs):
    first = store.read_table(small_runs["baseline"], "model")
    second = store.read_table(small_runs["export_controls"], "model")
    ranking = provider_ranking(first)
    swapped = second.copy()  # make the second ranking differ for sure: swap the top two providers' shares
    a, b = f"share_{ranking[0]}", f"share_{ranking[1]}"
    swapped[[a, b]] = second[[b, a]].to_numpy()
    assert provider_ranking(swapped)[:2] != ranking[:2]
    one = figure_provider_shares(first, "baseline").axes[0]
    two = figure_provider_shares(swapped, "swapped").axes[0]
    lines_one = {line.get_label(): line for line in one.get_lines()}
    lines_two = {line.get_label(): line for line in two.get_lines()}
    common = [code for code in ranking if code in lines_one and code in lines_two]
    assert len(common) >= 4
    for code in common:
        assert lines_one[code].get_color() == lines_two[code].get_color() == country_style(code).colour
        assert lines_one[code].get_linestyle() == lines_two[code].get_linestyle()
    assert lines_one[LEADERS_LABEL].get_color() == LEADERS_COLOUR  # share_USA_CHN, the fixed group
    legend = [text.get_text() for text in one.get_legend().get_texts()]
    assert set(common) <= set(legend)


def test_the_explorer_uses_the_same_country_colours():
    explorer = Explorer("baseline")
    for _ in range(3):
        explorer.step()
    series = charts.shares_option(explorer.snapshot())["series"]
    countries = [s for s in series if s["name"] in explorer.snapshot().actors]
    assert len(countries) >= 3
    for entry in countries:
        style = country_style(entry["name"])
        assert entry["lineStyle"]["color"] == style.colour
        assert entry["lineStyle"]["type"] == style.echarts_type()
    drawn = {(s["lineStyle"]["color"], str(s["lineStyle"].get("type", "solid"))) for s in series}
    assert len(drawn) == len(series)  # no two lines alike


def test_the_usa_has_its_own_segment_in_the_reliance_chart(small_runs):
    agents = store.read_table(small_runs["baseline"], "agents")
    edges = store.read_table(small_runs["baseline"], "edges")
    model = store.read_table(small_runs["baseline"], "model")
    # Whether the USA is a buyer's partner in a short run depends on the draws: make it one in the
    # final year of every replication (a small weight on Vietnam, below the 2% of any other segment).
    final = edges[edges["step"] == edges["step"].max()]
    usa = final.drop_duplicates("replication").assign(provider="USA", receiver="VNM", kind="commercial",
                                                       status="signed", weight=0.01)
    edges = pd.concat([edges, usa], ignore_index=True)
    table = reliance_table(agents, edges)
    assert table["USA"].max() > 0  # the USA is a partner of some second-wave country
    figure = figure_reliance(agents, edges, model, "baseline")
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert "USA" in legend and "CHN" in legend


def test_promotion_to_leader_is_found_per_country():
    agents = pd.DataFrame({
        "replication": [0, 0, 0, 0, 1, 1, 1, 1],
        "step": [0, 0, 3, 3, 0, 0, 3, 3],
        "year": [2025, 2025, 2028, 2028, 2025, 2025, 2028, 2028],
        "iso3": ["USA", "KOR", "USA", "KOR"] * 2,
        "role": ["leader", "provider", "leader", "provider", "leader", "provider", "leader", "leader"],
    })
    assert promotions(agents) == {"KOR": (2028, 1)}


def test_share_intervals_stay_inside_0_and_1_on_the_baseline(baseline):
    summary = pd.read_csv(baseline / "summary.csv")
    shares = summary[summary["outcome"].str.startswith("share_")]
    assert (shares["n"] == 10).all() and len(shares) > 500
    assert (shares["ci_low"] >= 0).all() and (shares["ci_high"] <= 1).all()
    # the plain symmetric t interval would have left [0, 1] on many rows
    half = stats.t.ppf(0.975, shares["n"] - 1) * shares["sd"] / np.sqrt(shares["n"])
    assert ((shares["mean"] - half) < 0).sum() > 20
    inside = shares[(shares["mean"] - half) > 0]
    assert np.allclose(inside["ci_low"], inside["mean"] - half[inside.index])  # untouched where inside


def test_figures_warn_when_replications_are_too_few(small_runs, baseline):
    few = figure_provider_shares(store.read_table(small_runs["baseline"], "model"), "baseline")
    enough = figure_provider_shares(store.read_table(baseline, "model"), "baseline")
    assert "Warning: only 3 replications" in few.axes[0].get_title()
    assert "Warning" not in enough.axes[0].get_title()


def test_format_dpi_and_size_produce_valid_files(small_runs, tmp_path, capsys):
    out = tmp_path / "figures"
    code = main(["plot", str(small_runs["baseline"]), "--out", str(out), "--format", "png,svg,pdf",
                 "--dpi", "200", "--size", "6x4"])
    assert code == 0, capsys.readouterr().err
    for name in ("provider_shares", "capability", "dependence_hhi", "network", "reliance"):
        with Image.open(out / f"{name}.png") as image:
            assert image.size == (1200, 800)
            assert image.info["dpi"] == pytest.approx((200, 200), abs=0.1)
        root = ET.parse(out / f"{name}.svg").getroot()
        assert root.tag.endswith("svg") and root.get("width") == "432pt" and root.get("height") == "288pt"
        pdf = (out / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert b"/MediaBox [ 0 0 432 288 ]" in pdf


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--format", "png,tiff", "--format: expected a comma-separated list of png, svg, pdf"),
    ("--size", "6by4", "--size: expected WIDTHxHEIGHT in inches"),
    ("--dpi", "5", "--dpi: expected a resolution from 30 to 1200"),
])
def test_bad_figure_options_exit_2(small_runs, tmp_path, capsys, option, value, message):
    code = main(["plot", str(small_runs["baseline"]), "--out", str(tmp_path / "f"), option, value])
    assert code == 2 and message in capsys.readouterr().err


def test_analysis_labels_come_from_the_parameter_registry():
    assert input_label("params.dependence_weight") == "Dependence weight (log points per unit risk)"
    assert input_label("params.build_threshold_usd") == "Build threshold (USD per year)"
    assert input_label("steps") == "Horizon (years)"
    assert input_label("params.leader_stringency", unit=False) == "Leader stringency"
    assert outcome_label(OutcomeSpec(name="share_RUS", metric="share_RUS")) == "final share_RUS (%)"
    assert outcome_label(OutcomeSpec(name="hhi", metric="hhi_second_wave", stat="mean")) == \
        "hhi (mean hhi_second_wave)"
