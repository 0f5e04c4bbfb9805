"""qgeo calibrate: file validation, statistics, identical backends, resume after a kill, recovery."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
import pytest

from sim.cli import main
from sim.experiments.calibration.driver import run_calibration
from sim.experiments.calibration.spec import load_calibration
from sim.experiments.calibration.targets import SEED_KEY, SimulationContext, Snapshot, Target, TargetContext
from sim.inputs.scenario import SCENARIO_DIR
from sim.model.formation import KINDS, NONE, SIGNED, TALKS
from sim.world.agreements import calibration_rows, load_agreements
from sim.world.data import agreements_path, initial_partnerships, load_world

HISTORY = SCENARIO_DIR / "history.toml"

TINY = """\
name = "tiny"
scenario = "{scenario}"
seed = {seed}
population = {population}
generations = {generations}

[[parameters]]
name = "talks_rate"
prior = "uniform"
low = 0.05
high = 1.0

[[parameters]]
name = "signing_rate"
prior = "uniform"
low = 0.05
high = 1.0
"""

TARGET = """
[[targets]]
name = "{name}"
statistic = "{statistic}"
year = {year}
observed = {observed}
sigma = {sigma}
{extra}
"""


def write_tiny(tmp_path: Path, targets: list[dict], *, population: int = 16, generations: int = 2,
               seed: int = 7, name: str = "tiny.toml") -> Path:
    text = TINY.format(scenario=HISTORY, seed=seed, population=population, generations=generations)
    for target in targets:
        text += TARGET.format(**{"extra": "", **target})
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SCIENCE = {"name": "science", "statistic": "signed_pairs", "year": 2021, "observed": 10, "sigma": 3.2,
           "extra": 'kind = "science"'}
TALKS_COMMERCIAL = {"name": "talks_commercial", "statistic": "talks_pairs", "year": 2021, "observed": 1,
                    "sigma": 1.0, "extra": 'kind = "commercial"'}


def posterior(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "posterior.parquet")


# --------------------------------------------------------------------------- bad files
BAD_FILES = {
    "unknown parameter": (
        ("signing_rate", "signing_rat"),
        ["parameters[1].name", "'signing_rat'", "did you mean 'signing_rate'"]),
    "prior outside the range": (
        ("low = 0.05\nhigh = 1.0\n\n[[parameters]]\nname = \"signing_rate\"",
         "low = 0.05\nhigh = 1.5\n\n[[parameters]]\nname = \"signing_rate\""),
        ["parameters[0].high", "[0, 1]", "found 1.5"]),
    "target on a 2022+ agreement": (
        ("year = 2021", "year = 2023"),
        ["targets[0].year", "calibration window", "2021 or earlier", "found 2023"]),
    "unknown statistic": (
        ('statistic = "signed_pairs"', 'statistic = "signed_pair"'),
        ["targets[0].statistic", "'signed_pair'", "did you mean 'signed_pairs'"]),
    "unknown argument value": (
        ('kind = "science"', 'kind = "sciense"'),
        ["targets[0].kind", "did you mean 'science'"]),
    "unknown key": (
        ("population = 16", "population = 16\ndistanse = \"manhattan\""),
        ["distanse", "did you mean 'distance'"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_calibration_files_exit_2_with_a_clear_message(tmp_path, capsys, case):
    (old, new), parts = BAD_FILES[case]
    path = write_tiny(tmp_path, [SCIENCE])
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    code = main(["calibrate", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert str(path) in err
    for part in parts:
        assert part in err, (part, err)
    assert not (tmp_path / "out").exists()


def test_a_target_reading_agreements_of_2022_is_an_error_but_2025_spending_is_not(tmp_path):
    spending = {"name": "spending", "statistic": "log_spending_total", "year": 2025, "observed": 22.3,
                "sigma": 0.1}
    assert load_calibration(write_tiny(tmp_path, [spending])).targets[0].year == 2025
    recorded = {"name": "recorded", "statistic": "recorded_pairs_held", "year": 2022, "observed": 20,
                "sigma": 4}
    code = main(["calibrate", str(write_tiny(tmp_path, [recorded], name="bad.toml"))])
    assert code == 2


# --------------------------------------------------------------------------- statistics
def _snapshot() -> Snapshot:
    science, programme, commercial = (KINDS.index(k) for k in ("science", "programme", "commercial"))
    return Snapshot(
        iso3=np.array(["USA", "CHN", "GBR", "VNM"]),
        role=np.array(["leader", "leader", "provider", "second_wave"]),
        bloc=np.array(["west", "east", "west", "nonaligned"]),
        a=np.array([0, 0, 1, 2, 0]), b=np.array([2, 1, 2, 3, 3]),
        kind=np.array([science, programme, science, commercial, commercial]),
        stage=np.array([SIGNED, TALKS, SIGNED, SIGNED, TALKS]),
        metrics={"spending_total_usd": math.e ** 3, "top3_budget_share": 0.7},
    )


@pytest.mark.parametrize(("statistic", "arguments", "expected"), [
    ("signed_pairs", {"kind": "science"}, 2),
    ("signed_pairs", {"kind": "actors", "camps": ["west", "west"]}, 1),
    ("signed_pairs", {"kind": "any", "camps": ["west", "east"]}, 1),
    ("signed_pairs", {"kind": "commercial"}, 1),
    ("talks_pairs", {"kind": "any"}, 2),
    ("talks_pairs", {"kind": "programme", "camps": ["east", "west"]}, 1),
    ("signed_partners", {"country": "GBR"}, 3),
    ("signed_partners", {"country": "USA"}, 1),
    ("signed_partners", {"country": "VNM", "kind": "commercial"}, 1),
    ("log_spending_total", {}, 3.0),
    ("top3_budget_share", {}, 0.7),
])
def test_statistics_on_a_known_snapshot(statistic, arguments, expected):
    target = Target("t", statistic, 2021, arguments, 0.0, 1.0, TargetContext())
    assert target.value(_snapshot()) == pytest.approx(expected)


def test_recorded_pairs_held_counts_only_recorded_pairs():
    target = Target("t", "recorded_pairs_held", 2021, {}, 0.0, 1.0,
                    TargetContext(frozenset({"GBR-USA", "CHN-USA", "USA-VNM", "DEU-FRA"})))
    assert target.value(_snapshot()) == 3


def test_shipped_calibration_observations_are_the_agreements_to_2021_and_the_2025_spending():
    calibration = load_calibration("history")
    world = load_world(calibration.scenario.data)
    rows = calibration_rows(load_agreements(agreements_path(calibration.scenario.data), world.iso3))
    assert rows["year"].max() <= 2021
    stage, kind = initial_partnerships(rows, {c: i for i, c in enumerate(world.iso3)}, list(world.role))
    i, j = np.triu_indices(len(world.iso3), 1)
    held = stage[i, j] != NONE
    names = np.asarray(KINDS)[kind[i, j]]
    signed = stage[i, j] == SIGNED
    bloc, iso3 = np.asarray(world.bloc), np.asarray(world.iso3)
    west = (bloc[i] == "west") & (bloc[j] == "west")
    across = ((bloc[i] == "west") & (bloc[j] == "east")) | ((bloc[i] == "east") & (bloc[j] == "west"))
    expected = {
        "signed_science_2021": (signed & (names == "science")).sum(),
        "signed_programme_2021": (signed & (names == "programme")).sum(),
        "signed_commercial_2021": (signed & (names == "commercial")).sum(),
        "talks_actors_2021": (held & ~signed & (names != "commercial")).sum(),
        "talks_commercial_2021": (held & ~signed & (names == "commercial")).sum(),
        "signed_actors_west_2021": (signed & west & (names != "commercial")).sum(),
        "signed_west_east_2021": (signed & across).sum(),
        "recorded_pairs_2021": held.sum(),
    }
    for code in ("USA", "CHN", "RUS"):
        expected[f"partners_{code}_2021"] = (signed & ((iso3[i] == code) | (iso3[j] == code))).sum()
    spending = load_world(None)
    expected["log_spending_2025"] = math.log(float(np.sum(np.asarray(spending.budget_usd)
                                                          * np.asarray(spending.disbursed_share))))
    observed = calibration.observed
    assert set(observed) == set(expected)
    for name, value in expected.items():
        assert observed[name] == pytest.approx(float(value), abs=1e-4), name
    for target in calibration.targets:
        if target.statistic != "log_spending_total":
            assert target.year <= 2021
            assert target.sigma == pytest.approx(math.sqrt(max(target.observed, 1)), abs=0.01)


# --------------------------------------------------------------------------- running
def test_serial_processes_and_dask_give_identical_posteriors(tmp_path):
    calibration = load_calibration(write_tiny(tmp_path, [SCIENCE, TALKS_COMMERCIAL]))
    runs = {}
    for label, options in {"serial": {}, "processes": {"workers": 2},
                           "dask": {"workers": 2, "scheduler": "local"}}.items():
        out = run_calibration(calibration, tmp_path / label, progress=False, plots=False, **options)
        runs[label] = out
    first = posterior(runs["serial"])
    assert len(first) == 16 and first["weight"].sum() == pytest.approx(1.0)
    assert first["seed"].nunique() == 16
    for label in ("processes", "dask"):
        pd.testing.assert_frame_equal(posterior(runs[label]), first)
        generations = pd.read_csv(runs[label] / "generations.csv").drop(columns="seconds")
        pd.testing.assert_frame_equal(generations, pd.read_csv(runs["serial"] / "generations.csv")
                                      .drop(columns="seconds"))


def test_each_particle_reproduces_from_its_recorded_seed(tmp_path):
    calibration = load_calibration(write_tiny(tmp_path, [SCIENCE, TALKS_COMMERCIAL], population=8,
                                              generations=1))
    out = run_calibration(calibration, tmp_path / "out", progress=False, plots=False)
    context = SimulationContext(calibration.scenario, calibration.targets)
    for row in posterior(out).head(3).itertuples():
        again = context.simulate({"talks_rate": row.talks_rate, "signing_rate": row.signing_rate}, row.seed)
        assert again[SEED_KEY] == row.seed
        assert again["science"] == row.sim_science
        assert again["talks_commercial"] == row.sim_talks_commercial


def test_outputs_and_manifest(tmp_path, capsys):
    path = write_tiny(tmp_path, [SCIENCE, TALKS_COMMERCIAL], population=10, generations=2)
    assert main(["calibrate", str(path), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "generation 1/2: epsilon" in captured.err and "generation 2/2" in captured.err
    assert "s left" in captured.err
    out = tmp_path / "out"
    for name in ("history.db", "manifest.json", "generations.csv", "posterior.parquet", "summary.csv",
                 "plots/posterior.png", "plots/epsilon.svg", "plots/predictive.png"):
        assert (out / name).is_file(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 7 and manifest["status"] == "complete"
    assert manifest["versions"]["pyabc"].startswith("0.13")
    assert len(manifest["calibration"]["sha256"]) == 64 and len(manifest["generations"]) == 2
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["parameter"]) == ["talks_rate", "signing_rate"]
    assert (summary["low90"] <= summary["median"]).all() and (summary["median"] <= summary["high90"]).all()
    assert summary["prior_width90"].tolist() == pytest.approx([0.95 * 0.9] * 2)
    # a second run into the same directory needs --resume; --resume of a finished one runs nothing
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    before = posterior(out)
    assert main(["calibrate", str(path), "--out", str(out), "--resume"]) == 0
    pd.testing.assert_frame_equal(posterior(out), before)
    path.write_text(path.read_text().replace("seed = 7", "seed = 8"))
    assert main(["calibrate", str(path), "--out", str(out), "--resume"]) == 2
    assert "cannot resume" in capsys.readouterr().err


def test_a_killed_calibration_resumes_to_the_same_posterior(tmp_path):
    targets = [SCIENCE, TALKS_COMMERCIAL]
    path = write_tiny(tmp_path, targets, population=24, generations=3)
    whole = run_calibration(load_calibration(path), tmp_path / "whole", progress=False, plots=False)
    out = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "sim.cli", "calibrate", str(path), "--out", str(out),
                                "--no-plots"],
                               stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("generation 1/3"):
            process.send_signal(signal.SIGKILL)  # mid-generation 2: it has just started
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert pyabc.History(f"sqlite:///{out / 'history.db'}").max_t == 0  # only generation 1 is stored
    assert not (out / "posterior.parquet").exists()
    assert main(["calibrate", str(path), "--out", str(out), "--resume", "--no-plots"]) == 0
    pd.testing.assert_frame_equal(posterior(out), posterior(whole))


def test_calibration_recovers_known_parameters(tmp_path):
    truth = {"talks_rate": 0.35, "signing_rate": 0.5}
    statistics = [("science", "signed_pairs", "science"), ("commercial", "signed_pairs", "commercial"),
                  ("talks_actors", "talks_pairs", "actors"),
                  ("talks_commercial", "talks_pairs", "commercial")]
    draft = [{"name": n, "statistic": s, "year": 2021, "observed": 0, "sigma": 1, "extra": f'kind = "{k}"'}
             for n, s, k in statistics]
    scenario = load_calibration(write_tiny(tmp_path, draft, name="draft.toml"))
    context = SimulationContext(scenario.scenario, scenario.targets)
    runs = pd.DataFrame([context.simulate(truth, seed) for seed in range(1000, 1005)])
    targets = [{**t, "observed": float(runs[t["name"]].mean()),
                "sigma": math.sqrt(max(float(runs[t["name"]].mean()), 1.0))} for t in draft]
    calibration = load_calibration(write_tiny(tmp_path, targets, population=50, generations=4, seed=11))
    out = run_calibration(calibration, tmp_path / "out", progress=False, plots=False)
    summary = pd.read_csv(out / "summary.csv").set_index("parameter")
    for name, value in truth.items():
        assert summary.loc[name, "low90"] <= value <= summary.loc[name, "high90"], (name, summary)
        assert summary.loc[name, "width90"] < summary.loc[name, "prior_width90"]


def test_min_acceptance_stops_a_calibration_and_resume_keeps_it_stopped(tmp_path, capsys):
    path = write_tiny(tmp_path, [SCIENCE, TALKS_COMMERCIAL], population=10, generations=6)
    free = tmp_path / "free"  # the same calibration without the rule: its acceptance rates pick a limit
    assert main(["calibrate", str(path), "--out", str(free), "--no-plots"]) == 0
    rates = pd.read_csv(free / "generations.csv")["acceptance_rate"].tolist()
    assert rates[0] > min(rates)  # acceptance falls as epsilon shrinks
    limit = math.floor(100 * (rates[0] + min(rates)) / 2) / 100  # generation 1 passes, a later one not
    kept = next(t for t, rate in enumerate(rates) if rate < limit)
    path.write_text(path.read_text().replace("generations = 6", f"generations = 6\nmin_acceptance = {limit}"))
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["calibrate", str(path), "--out", str(out), "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert f"generation {kept + 1}/6: stopped, acceptance rate below min_acceptance = {limit} (" in err
    generations = pd.read_csv(out / "generations.csv")
    assert len(generations) == kept and (generations["acceptance_rate"] >= limit).all()
    same = pd.read_csv(free / "generations.csv").head(kept)  # the rule only stops: same generations
    pd.testing.assert_frame_equal(generations.drop(columns="seconds"), same.drop(columns="seconds"))
    stopped = json.loads((out / "manifest.json").read_text())["stopped"]
    assert stopped["generation"] == len(generations)
    before = posterior(out)
    assert main(["calibrate", str(path), "--out", str(out), "--resume", "--no-plots"]) == 0
    pd.testing.assert_frame_equal(posterior(out), before)
    spending = {"name": "spending", "statistic": "log_spending_total", "year": 2021, "observed": 22.0,
                "sigma": 0.1}  # continuous distances: about half the first proposals are accepted
    strict = write_tiny(tmp_path, [spending], population=10, name="strict.toml")
    strict.write_text(strict.read_text().replace("generations = 2", "generations = 2\nmin_acceptance = 0.99"))
    assert main(["calibrate", str(strict), "--out", str(tmp_path / "none"), "--no-plots"]) == 2
    assert "the first generation already fell below it" in capsys.readouterr().err
