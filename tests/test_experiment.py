"""Experiment files (validation), designs, seeds and sensitivity analysis (SALib)."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.base.seeds import derive_seed
from sim.cli import main
from sim.engine.plan import apply_inputs, base_scenario, plan_runs
from sim.experiments.analysis import explained_table, stability_warnings
from sim.inputs.design import MAX_RUNS, build_design, check_size, design_size, morris_indices, sobol_indices
from sim.inputs.experiment import EXPERIMENT_DIR, load_experiment
from sim.inputs.scenario import load_scenario
from sim.model.parameters import PARAMETERS

BASE = """\
name = "small"
scenario = "baseline"
seed = 11
replications = 2
steps = 4

[design]
type = "grid"

[[inputs]]
name = "params.dependence_weight"
values = [0.5, 2.0]

[[inputs]]
name = "params.leader_stringency"
values = [0.1, 0.5, 0.9]

[[outcomes]]
name = "rus"
metric = "share_RUS"
"""

SAMPLED = """\
name = "sampled"
scenario = "export_controls"
seed = 5
replications = 1
steps = 6

[design]
type = "{kind}"
samples = {samples}

[[inputs]]
name = "events[0].year"
low = 2026
high = 2029

[[inputs]]
name = "events[0].stringency"
low = 0.2
high = 1.0

[[inputs]]
name = "params.transfer_gain"
low = 0.0
high = 1.0

[[outcomes]]
name = "capability"
metric = "capability_second_wave"
"""

LHS = SAMPLED.format(kind="lhs", samples=8)


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- shipped experiments
@pytest.mark.parametrize("path", sorted(EXPERIMENT_DIR.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_experiments_validate_and_have_a_question(path):
    experiment = load_experiment(path)
    assert experiment.name == path.stem
    assert experiment.spec.description.endswith("?")
    design = build_design(experiment)
    assert design.n_points * experiment.spec.replications <= 12_000  # a few minutes on 2 cores


def test_the_three_required_experiments_are_shipped():
    kinds = {p.stem: load_experiment(p).spec.design.type for p in EXPERIMENT_DIR.glob("*.toml")}
    assert kinds["openness_vs_dependence"] == "grid"
    assert kinds["sobol_second_wave"] == "sobol"
    assert kinds["export_control_timing"] == "lhs"


# ----------------------------------------------------------------------------- bad input
BAD_CASES = {
    "toml_syntax": (BASE.replace('seed = 11', 'seed = = 11'), ["not valid TOML"]),
    "unknown_top_key": (BASE.replace("replications = 2", "replication = 2"),
                        ["unknown key 'replication'", "did you mean 'replications'"]),
    "missing_scenario": (BASE.replace('scenario = "baseline"\n', ""), ["scenario", "missing"]),
    "bad_design_type": (BASE.replace('type = "grid"', 'type = "sobl"'),
                        ["design.type", "'grid', 'lhs', 'sobol' or 'morris'", "'sobl'"]),
    "seed_negative": (BASE.replace("seed = 11", "seed = -3"), ["seed", "-3"]),
    "unknown_scenario": (BASE.replace('"baseline"', '"baselin"'), ["baselin", "did you mean 'baseline'"]),
    "param_typo": (BASE.replace("params.dependence_weight", "params.dependance_weight"),
                   ["inputs[0].name", "dependance_weight", "did you mean 'dependence_weight'"]),
    "bad_key_path": (BASE.replace("params.dependence_weight", "dependence_weight"),
                     ["inputs[0].name", "expected a scenario key path",
                      "did you mean 'params.dependence_weight'"]),
    "country_typo": (BASE.replace("params.dependence_weight", "countries.VNN.dependence_aversion"),
                     ["inputs[0].name", "'VNN'", "did you mean 'VNM'"]),
    "attribute_typo": (BASE.replace("params.dependence_weight", "countries.VNM.dependence_aversio"),
                       ["inputs[0].name", "dependence_aversio", "did you mean 'dependence_aversion'"]),
    "event_index": (BASE.replace("params.dependence_weight", "events[3].year"),
                    ["inputs[0].name", "0 event(s)", "events[3]"]),
    "value_out_of_range": (BASE.replace("[0.5, 2.0]", "[0.5, 25.0]"),
                           ["inputs[0].values", "[0, 20]", "25.0"]),
    "grid_needs_values": (BASE.replace("values = [0.5, 2.0]", "low = 0.5\nhigh = 2.0"),
                          ["inputs[0]", "grid design expects 'values"]),
    "duplicate_values": (BASE.replace("[0.5, 2.0]", "[0.5, 0.5]"), ["inputs[0].values", "distinct"]),
    "seed_as_input": (BASE.replace("params.dependence_weight", "seed"), ["inputs[0].name", "root seed"]),
    "metric_typo": (BASE.replace('metric = "share_RUS"', 'metric = "share_RSU"'),
                    ["outcomes[0].metric", "share_RSU", "did you mean 'share_RUS'"]),
    "bad_stat": (BASE + 'stat = "last"\n', ["outcomes[0].stat", "'final', 'mean' or 'series'", "'last'"]),
    "window_outside": (BASE + 'stat = "mean"\nwindow = [2020, 2028]\n',
                       ["outcomes[0].window", "2025-2029", "[2020, 2028]"]),
    "window_on_final": (BASE + "window = [2026, 2028]\n", ["outcomes[0].window", "stat = 'mean' only"]),
    "outcome_name_reserved": (BASE.replace('name = "rus"', 'name = "seed"'),
                              ["outcomes[0].name", "identifier"]),
    "plot_unknown_input": (BASE + '[[plots]]\nkind = "heatmap"\noutcome = "rus"\n'
                                  'x = "params.leader_stringency"\ny = "params.dependence_weigth"\n',
                           ["plots[0].y", "did you mean 'params.dependence_weight'"]),
    "plot_unknown_outcome": (BASE + '[[plots]]\nkind = "line"\noutcome = "rsu"\n'
                                    'x = "params.leader_stringency"\n',
                             ["plots[0].outcome", "did you mean 'rus'"]),
    "inputs_duplicate": (BASE.replace("params.leader_stringency", "params.dependence_weight"),
                         ["inputs[1].name", "given twice"]),
    "sobol_not_power_of_two": (SAMPLED.format(kind="sobol", samples=12),
                               ["design.samples", "power of 2", "12", "8 or 16"]),
    "sampled_needs_range": (LHS.replace("low = 0.2\nhigh = 1.0", "values = [1]"),
                            ["inputs[1]", "lhs design expects 'low' and 'high'"]),
    "event_field_typo": (LHS.replace("events[0].stringency", "events[0].stringncy"),
                         ["inputs[1].name", "stringncy", "did you mean 'stringency'"]),
    "event_year_beyond_horizon": (LHS.replace("high = 2029", "high = 2031"),
                                  ["inputs[0]", "2025, 2030", "2031"]),
    "morris_odd_levels": (SAMPLED.format(kind="morris", samples="4\nlevels = 5"),
                          ["design.levels", "even", "5"]),
    "lhs_without_samples": (LHS.replace("samples = 8\n", ""),
                            ["design.samples", "expects samples = N"]),
    "unknown_input_key": (BASE.replace("values = [0.5, 2.0]", "values = [0.5, 2.0]\nhihg = 3"),
                          ["inputs[0]", "unknown key 'hihg'", "did you mean 'high'"]),
    "country_value_out_of_range": (BASE.replace("params.dependence_weight", "countries.VNM.openness")
                                   .replace("[0.5, 2.0]", "[0.5, 2.0]"),
                                   ["inputs[0].values", "[0, 1]", "2.0"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_each_bad_input_gives_its_message_and_exit_code_2(case, tmp_path, capsys):
    text, fragments = BAD_CASES[case]
    path = write(tmp_path, text)
    code = main(["experiment", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert str(path) in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not (tmp_path / "out").exists()


def test_analyze_a_directory_without_experiment_is_a_user_error(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and str(tmp_path) in err


def test_bad_worker_count_is_a_user_error(tmp_path, capsys):
    path = write(tmp_path, BASE)
    assert main(["experiment", str(path), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


# ----------------------------------------------------------------------------- designs and seeds
def test_grid_is_the_full_factorial_in_file_order(tmp_path):
    experiment = load_experiment(write(tmp_path, BASE))
    design = build_design(experiment)
    expected = list(itertools.product([0.5, 2.0], [0.1, 0.5, 0.9]))
    assert [tuple(row) for row in design.points] == expected


def test_plan_seeds_derive_from_the_root_seed_and_run_index(tmp_path):
    experiment = load_experiment(write(tmp_path, BASE))
    plan = plan_runs(experiment, build_design(experiment))
    assert len(plan) == 6 * 2
    assert list(plan["run"]) == list(range(12))
    assert list(plan["point"]) == [k // 2 for k in range(12)]
    assert list(plan["seed"]) == [derive_seed(11, k) for k in range(12)]
    assert plan["seed"].nunique() == 12


@pytest.mark.parametrize("kind,samples,rows", [("lhs", 20, 20), ("sobol", 8, 8 * (3 + 2)),
                                               ("morris", 4, 4 * 4)])
def test_sampled_designs_respect_bounds_and_integer_inputs(tmp_path, kind, samples, rows):
    experiment = load_experiment(write(tmp_path, SAMPLED.format(kind=kind, samples=samples)))
    design = build_design(experiment)
    assert design.points.shape == (rows, 3)
    years = design.points[:, 0]
    assert np.all(years == np.round(years)) and years.min() >= 2026 and years.max() <= 2029
    assert design.points[:, 1].min() >= 0.2 and design.points[:, 1].max() <= 1.0
    assert np.array_equal(build_design(experiment).points, design.points)  # deterministic
    plan = plan_runs(experiment, design)
    assert plan["events[0].year"].dtype == np.int64


@pytest.mark.parametrize("design", ['type = "lhs"\nsamples = 8', 'type = "sobol"\nsamples = 8',
                                    'type = "sobol"\nsamples = 8\ncalc_second_order = true',
                                    'type = "morris"\nsamples = 4'])
def test_the_size_of_a_design_is_known_before_it_is_sampled(tmp_path, design):
    text = SAMPLED.replace('type = "{kind}"\nsamples = {samples}', design)
    experiment = load_experiment(write(tmp_path, text))
    assert design_size(experiment) == build_design(experiment).n_points
    grid = load_experiment(write(tmp_path, BASE, "grid.toml"))
    assert design_size(grid) == build_design(grid).n_points == 6 and check_size(grid) == 12


def test_an_experiment_above_the_size_limit_is_refused_before_anything_is_built(tmp_path, capsys):
    levels = ", ".join(str(0.5 + k / 10_000) for k in range(20_000))
    stringency = ", ".join(str(k / 20_000) for k in range(20_000))
    text = (BASE.replace("[0.5, 2.0]", f"[{levels}]").replace("[0.1, 0.5, 0.9]", f"[{stringency}]")
            .replace('name = "small"', 'name = "huge"'))
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"expected at most {MAX_RUNS:,} runs, found 800,000,000" in err
    assert "400,000,000 points of the grid design x 2 replications" in err and "--allow-large" in err
    assert str(path) in err and "Traceback" not in err and not out.exists()
    assert main(["experiment", str(path), "--out", str(out), "--only-run", "3"]) == 2  # it builds the design
    assert "--allow-large" in capsys.readouterr().err
    assert check_size(load_experiment(path), allow_large=True) == 800_000_000


def test_lhs_puts_every_whole_year_in_play(tmp_path):
    experiment = load_experiment(write(tmp_path, SAMPLED.format(kind="lhs", samples=40)))
    years = build_design(experiment).points[:, 0]
    assert set(years) == {2026, 2027, 2028, 2029}
    counts = pd.Series(years).value_counts()
    assert counts.max() - counts.min() <= 1  # stratified: equal shares of the 40 samples


def test_apply_inputs_matches_the_scenario_loader(tmp_path):
    experiment = load_experiment(write(tmp_path, SAMPLED.format(kind="lhs", samples=8)))
    values = {"events[0].year": 2028, "events[0].stringency": 0.35, "params.transfer_gain": 0.7,
              "countries.VNM.dependence_aversion": 2.5}
    fast = apply_inputs(base_scenario(experiment), values)
    loaded = load_scenario(experiment.scenario_path, overrides={**experiment.base_overrides(), **values})
    assert fast.model_kwargs() == loaded.model_kwargs()
    assert fast.digest() == loaded.digest()


# ----------------------------------------------------------------------------- sensitivity analysis
def analytic_problem() -> dict:
    return {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}


def test_sobol_indices_rank_the_influential_input_first():
    problem = analytic_problem()
    x = sobol_sample.sample(problem, 1024, calc_second_order=False, seed=3)
    y = 4.0 * x[:, 0] + 1.0 * x[:, 1] + 0.0 * x[:, 2]  # variance shares 16/17, 1/17, 0
    table = sobol_indices(problem, y, calc_second_order=False, seed=3)
    assert list(table.columns) == ["input", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["input"]) == ["a", "b", "c"]
    assert table.sort_values("ST", ascending=False)["input"].iloc[0] == "a"
    assert abs(table.loc[0, "S1"] - 16 / 17) < 0.1 and abs(table.loc[1, "S1"] - 1 / 17) < 0.05
    assert abs(table.loc[2, "ST"]) < 0.02
    assert ((table[["S1", "ST"]] > -0.05) & (table[["S1", "ST"]] < 1.05)).all().all()
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert stability_warnings(table, "y", "sobol") == []


def test_sobol_on_a_tiny_sample_warns():
    problem = analytic_problem()
    x = sobol_sample.sample(problem, 4, calc_second_order=False, seed=1)
    y = np.sin(6 * x[:, 0]) + x[:, 1] * x[:, 2]
    warnings = stability_warnings(sobol_indices(problem, y, calc_second_order=False, seed=1), "y", "sobol")
    assert warnings and all("too small" in w for w in warnings)


def test_morris_indices_rank_the_influential_input_first():
    problem = analytic_problem()
    x = morris_sample.sample(problem, 20, num_levels=4, seed=2)
    y = 5.0 * x[:, 0] + x[:, 1] ** 2
    table = morris_indices(problem, x, y, levels=4, seed=2)
    assert list(table.columns) == ["input", "mu", "mu_star", "sigma", "mu_star_conf"]
    assert table.sort_values("mu_star", ascending=False)["input"].iloc[0] == "a"
    assert table.loc[0, "mu_star"] == pytest.approx(5.0)  # linear: every elementary effect is 5
    assert table.loc[0, "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[2, "mu_star"] == pytest.approx(0.0, abs=1e-12)


def test_explained_table_ranks_inputs_by_influence():
    rng = np.random.default_rng(0)
    runs = pd.DataFrame({"a": rng.uniform(size=400), "b": rng.uniform(size=400), "c": rng.uniform(size=400)})
    runs["y"] = 3 * runs["a"] - runs["b"] + rng.normal(0, 0.1, size=400)
    table = explained_table(runs, ["a", "b", "c"], ["y"], grid=False).set_index("input")
    assert table.loc["a", "rank"] == 1 and table.loc["b", "rank"] == 2
    assert table.loc["a", "src"] > 0 > table.loc["b", "src"]
    assert 0.9 < table.loc["a", "r2_linear"] <= 1.0
    assert table.loc["c", "spearman_p"] > 0.001 and table.loc["a", "spearman_p"] < 1e-10


def test_explained_table_main_effects_on_a_grid():
    grid = pd.DataFrame(list(itertools.product([0, 1, 2], [0, 1], range(5))), columns=["a", "b", "rep"])
    grid["y"] = grid["a"] ** 2 + 0.1 * grid["rep"]
    table = explained_table(grid, ["a", "b"], ["y"], grid=True).set_index("input")
    assert table.loc["a", "eta_squared"] > 0.9 and table.loc["b", "eta_squared"] == pytest.approx(0.0)
    assert table.loc["a", "rank"] == 1


def test_parameter_ranges_come_from_the_parameter_table(tmp_path):
    high = PARAMETERS["transfer_gain"].high
    text = LHS.replace("low = 0.0\nhigh = 1.0", f"low = 0.0\nhigh = {high + 1}")
    path = write(tmp_path, text)
    assert main(["experiment", str(path)]) == 2


def test_fixed_values_apply_to_every_run_and_are_validated(tmp_path, capsys):
    text = BASE.replace("steps = 4\n", 'steps = 4\nfixed = { "params.alignment_weight" = 3.0, '
                                       '"countries.VNM.dependence_aversion" = 2.5 }\n')
    experiment = load_experiment(write(tmp_path, text))
    scenario = base_scenario(experiment)
    assert scenario.params.alignment_weight == 3.0
    assert scenario.countries["VNM"]["dependence_aversion"] == 2.5
    assert scenario.steps == 4
    bad = write(tmp_path, text.replace('"params.alignment_weight"', '"params.alignment_wieght"'), "bad.toml")
    assert main(["experiment", str(bad)]) == 2
    assert "fixed.params.alignment_wieght" in capsys.readouterr().err
