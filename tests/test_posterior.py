"""Scenarios over a posterior: qgeo run / experiment / hindcast --posterior DIR [--draws N]."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.engine.runner import simulate, simulate_model
from sim.inputs.posterior import load_posterior, with_values
from sim.inputs.scenario import SCENARIO_DIR, load_scenario

HISTORY = SCENARIO_DIR / "history.toml"


def write_posterior(directory: Path, rows: list[dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame([{"particle": k, "seed": 100 + k, "distance": 1.0, "sim_x": 0.0, **row}
                          for k, row in enumerate(rows)])
    frame.to_parquet(directory / "posterior.parquet", index=False)
    return directory


def test_draws_follow_the_weights(tmp_path):
    rows = [{"weight": 8.0, "talks_rate": 0.2}, {"weight": 2.0, "talks_rate": 0.9}]
    posterior = load_posterior(write_posterior(tmp_path, rows))
    for seed in (1, 2, 3):
        draws = posterior.particles(2000, seed)
        assert stats.binomtest(draws.count(0), 2000, 0.8).pvalue > 0.001
        assert posterior.particles(2000, seed) == draws  # seeded
        values = posterior.draw(2000, seed)
        assert [v["talks_rate"] for v in values] == [[0.2, 0.9][k] for k in draws]
    assert posterior.particles(50, 1) != posterior.particles(50, 2)


def test_run_replication_k_uses_draw_k(tmp_path):
    directory = write_posterior(tmp_path / "cal", [
        {"weight": 0.5, "talks_rate": 0.1, "signing_rate": 0.2},
        {"weight": 0.5, "talks_rate": 0.9, "signing_rate": 0.8},
    ])
    out = tmp_path / "run"
    assert main(["run", str(HISTORY), "--posterior", str(directory), "--draws", "4", "--out", str(out),
                 "--no-plots"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    draws = manifest["posterior"]["draws"]
    assert [d["replication"] for d in draws] == [0, 1, 2, 3]
    assert len(manifest["replications"]) == 4
    posterior = load_posterior(directory)
    scenario = load_scenario(HISTORY, overrides={"replications": 4})
    assert [d["particle"] for d in draws] == posterior.particles(4, scenario.seed)
    model = pd.read_parquet(out / "model" / "replication=1.parquet")
    draw = {"talks_rate": draws[1]["talks_rate"], "signing_rate": draws[1]["signing_rate"]}
    expected = simulate(with_values(scenario, draw), manifest["replications"][1]["seed"], replication=1).model
    pd.testing.assert_frame_equal(model, expected)
    plain = simulate(scenario, manifest["replications"][1]["seed"], replication=1).model
    assert not plain["n_signed_commercial"].equals(model["n_signed_commercial"])
    # resuming needs the same posterior
    assert main(["run", str(HISTORY), "--replications", "4", "--out", str(out), "--resume",
                 "--no-plots"]) == 2


@pytest.mark.parametrize(("argv", "message"), [
    (["--draws", "3"], "--draws: expected --posterior DIR too"),
    (["--posterior", "{missing}"], "expected a calibration output directory with posterior.parquet"),
    (["--posterior", "{bad}"], "expected particles with a weight column and model parameters"),
    (["--posterior", "{good}", "--draws", "3", "--replications", "5"], "expected --replications 3 or none"),
    (["--posterior", "{good}", "--draws", "0"], "--draws: expected a whole number >= 1"),
])
@pytest.mark.parametrize("command", ["run", "hindcast"])
def test_bad_posterior_options_exit_2(tmp_path, capsys, argv, message, command):
    good = write_posterior(tmp_path / "good", [{"weight": 1.0, "talks_rate": 0.5}])
    bad = write_posterior(tmp_path / "bad", [{"weight": 1.0, "talks_rat": 0.5}])
    paths = {"missing": tmp_path / "missing", "bad": bad, "good": good}
    argv = [part.format(**paths) for part in argv]
    assert main([command, str(HISTORY), *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_hindcast_over_a_one_particle_posterior_equals_the_scenario_with_those_values(tmp_path):
    directory = write_posterior(tmp_path / "cal", [{"weight": 1.0, "talks_rate": 0.3, "lapse_rate": 0.9}])
    over = tmp_path / "over"
    assert main(["hindcast", "--posterior", str(directory), "--replications", "3", "--boot", "100",
                 "--out", str(over)]) == 0
    fixed = tmp_path / "fixed"
    assert main(["hindcast", "--set", "params.talks_rate=0.3", "--set", "params.lapse_rate=0.9",
                 "--replications", "3", "--boot", "100", "--out", str(fixed)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(over / "pairs.csv"), pd.read_csv(fixed / "pairs.csv"))
    default = tmp_path / "default"
    assert main(["hindcast", "--replications", "3", "--boot", "100", "--out", str(default)]) == 0
    assert not pd.read_csv(default / "pairs.csv")["probability"].equals(
        pd.read_csv(over / "pairs.csv")["probability"])
    manifest = json.loads((over / "manifest.json").read_text())
    assert [d["particle"] for d in manifest["posterior"]["draws"]] == [0, 0, 0]


EXPERIMENT = """\
name = "over_posterior"
scenario = "{scenario}"
seed = 3
replications = 3

[design]
type = "grid"

[[inputs]]
name = "params.dependence_weight"
values = [0.5, 2.0]

[[outcomes]]
name = "signed_commercial"
metric = "n_signed_commercial"

[[outcomes]]
name = "talks_commercial"
metric = "n_talks_commercial"
"""


def test_experiment_replication_r_uses_draw_r_and_inputs_win(tmp_path):
    directory = write_posterior(tmp_path / "cal", [
        {"weight": 0.5, "talks_rate": 0.1, "dependence_weight": 9.0},
        {"weight": 0.5, "talks_rate": 0.9, "dependence_weight": 9.0},
    ])
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.format(scenario=HISTORY))
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--posterior", str(directory), "--out", str(out),
                 "--no-analyze"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    draws = manifest["posterior"]["draws"]
    assert len(draws) == 3
    outcomes = pd.concat(pd.read_parquet(p) for p in sorted((out / "runs").glob("part-*.parquet")))
    scenario = load_scenario(HISTORY)
    assert len(outcomes) == 6
    for row in outcomes.to_dict("records"):
        values = {"talks_rate": draws[row["replication"]]["talks_rate"],
                  "dependence_weight": row["params.dependence_weight"]}  # the input overrides the drawn 9.0
        columns = simulate_model(with_values(scenario, values), row["seed"])
        assert row["signed_commercial"] == columns["n_signed_commercial"][-1]
        assert row["talks_commercial"] == columns["n_talks_commercial"][-1]
    assert outcomes.groupby("replication")["talks_commercial"].nunique().max() <= 2
    assert main(["experiment", str(path), "--out", str(out), "--resume", "--no-analyze"]) == 2
