"""`qgeo compare` and `qgeo run --compare-to`: paired and Welch intervals, seed detection, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.engine.batch import run_scenario
from sim.experiments.compare import (
    compare,
    load_run,
    paired_interval,
    parse_window,
    shared_seeds,
    welch_interval,
)
from sim.inputs.scenario import load_scenario

SMALL = {"steps": 4, "replications": 4}

# Known data: 8 replications of two runs whose values move together (shared noise).
REFERENCE = np.array([0.31, 0.27, 0.35, 0.22, 0.40, 0.29, 0.33, 0.25])
RUN = np.array([0.34, 0.28, 0.39, 0.26, 0.41, 0.33, 0.35, 0.30])


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Small real runs: the baseline, export controls (same seeds), the baseline with another seed
    and a longer baseline."""
    root = tmp_path_factory.mktemp("runs")
    specs = {"baseline": ("baseline", SMALL), "controls": ("export_controls", SMALL),
             "other_seed": ("baseline", {**SMALL, "seed": 99}), "longer": ("baseline", {**SMALL, "steps": 5})}
    paths = {}
    for key, (name, overrides) in specs.items():
        paths[key] = root / key
        run_scenario(load_scenario(name, [], overrides), paths[key], plots=False)
    return paths


def test_paired_interval_matches_scipy_ttest_rel():
    result = paired_interval(RUN, REFERENCE)
    test = stats.ttest_rel(RUN, REFERENCE)
    interval = test.confidence_interval(0.95)
    assert result["difference"] == pytest.approx(np.mean(RUN - REFERENCE))
    assert result["ci_low"] == pytest.approx(interval.low, rel=1e-12)
    assert result["ci_high"] == pytest.approx(interval.high, rel=1e-12)
    assert result["p_value"] == pytest.approx(test.pvalue, rel=1e-10)
    ninety = stats.ttest_rel(RUN, REFERENCE).confidence_interval(0.90)
    assert paired_interval(RUN, REFERENCE, level=0.90)["ci_low"] == pytest.approx(ninety.low, rel=1e-12)


def test_welch_interval_matches_scipy_ttest_ind_unequal_variances():
    run = np.array([1.2, 0.7, 1.9, 1.4, 0.3, 1.1, 2.4])  # unequal sizes and spreads
    result = welch_interval(run, REFERENCE)
    test = stats.ttest_ind(run, REFERENCE, equal_var=False)
    interval = test.confidence_interval(0.95)
    assert result["ci_low"] == pytest.approx(interval.low, rel=1e-12)
    assert result["ci_high"] == pytest.approx(interval.high, rel=1e-12)
    assert result["p_value"] == pytest.approx(test.pvalue, rel=1e-10)


def test_pairing_narrows_the_interval_when_noise_is_shared():
    paired = paired_interval(RUN, REFERENCE)
    welch = welch_interval(RUN, REFERENCE)
    assert paired["ci_low"] > 0  # the paired interval excludes 0 ...
    assert welch["ci_low"] < 0  # ... while the independent-samples one does not
    assert paired["difference"] == pytest.approx(welch["difference"])


def test_shipped_scenarios_share_seeds_and_are_compared_paired(runs):
    manifests = {k: json.loads((runs[k] / "manifest.json").read_text()) for k in ("baseline", "controls")}
    seeds = [[r["seed"] for r in m["replications"]] for m in manifests.values()]
    assert seeds[0] == seeds[1]
    baseline, controls, other = (load_run(runs[k]) for k in ("baseline", "controls", "other_seed"))
    assert shared_seeds(baseline, controls) and not shared_seeds(baseline, other)
    table = compare([baseline, controls, other], parse_window(None, baseline.years))
    methods = table.drop_duplicates("run").set_index("run")["method"]
    assert methods.to_dict() == {"export_controls": "paired", "baseline (other_seed)": "welch"}
    rows = table[(table["run"] == "export_controls") & (table["outcome"] == "share_USA_CHN")]
    assert list(rows["statistic"]) == ["final_2029", "mean_2026-2029"]
    # the paired row is the paired t interval of the replication-wise differences
    model_a, model_b = baseline.model, controls.model
    final_a = model_a[model_a["year"] == 2029].sort_values("replication")["share_USA_CHN"].to_numpy()
    final_b = model_b[model_b["year"] == 2029].sort_values("replication")["share_USA_CHN"].to_numpy()
    interval = stats.ttest_rel(final_b, final_a).confidence_interval(0.95)
    row = rows.iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((interval.low, interval.high), abs=1e-12)


def test_compare_command_writes_table_and_overlays(runs, tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(runs["baseline"]), str(runs["controls"]), "--out", str(out),
                 "--window", "2027-2029", "--format", "png"])
    printed = capsys.readouterr().out
    assert code == 0
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["statistic"]) == {"final_2029", "mean_2027-2029"}
    assert (table["method"] == "paired").all() and "paired" in printed
    outcomes = set(table["outcome"])
    assert {"share_USA_CHN", "hhi_second_wave", "capability_gap"} <= outcomes
    assert {p.stem for p in (out / "plots").glob("*.png")} == outcomes
    assert (table["ci_low"] <= table["difference"] + 1e-12).all()
    assert (table["difference"] <= table["ci_high"] + 1e-12).all()


def test_run_compare_to_compares_at_the_end(runs, tmp_path, capsys):
    out = tmp_path / "controls"
    code = main(["run", "export_controls", "--steps", "4", "--replications", "4", "--no-plots",
                 "--out", str(out), "--compare-to", str(runs["baseline"]), "--no-compare-plots"])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "compare" / "comparison.csv")
    assert (table["method"] == "paired").all() and (table["reference"] == "baseline").all()
    again = compare([load_run(runs["baseline"]), load_run(out)], (2026, 2029))
    pd.testing.assert_frame_equal(table, again, check_dtype=False)


@pytest.mark.parametrize(("make", "message"), [
    (lambda runs, tmp: [str(tmp)], "expected a run directory with manifest.json"),
    (lambda runs, tmp: [str(runs["baseline"])], "expected at least two run directories"),
    (lambda runs, tmp: [str(runs["baseline"]), str(runs["longer"])], "expected the same years"),
    (lambda runs, tmp: [str(runs["baseline"]), str(tmp / "missing")], "found nothing"),
    (lambda runs, tmp: [str(runs["baseline"]), str(runs["controls"]), "--window", "2020-2029"],
     "--window: expected years within"),
    (lambda runs, tmp: [str(runs["baseline"]), str(runs["controls"]), "--format", "jpg"],
     "--format: expected"),
])
def test_bad_comparisons_exit_2_with_a_message(runs, tmp_path, capsys, make, message):
    code = main(["compare", *make(runs, tmp_path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_compare_to_a_bad_reference_fails_before_running(tmp_path, capsys):
    code = main(["run", "baseline", "--steps", "2", "--replications", "2", "--out", str(tmp_path / "new"),
                 "--compare-to", str(tmp_path)])
    assert code == 2 and "manifest.json" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
