"""The qgeo command line end to end: run, resume after a kill, validate, list, show, plot, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli import main
from sim.engine.store import TABLES, table_path
from sim.inputs.scenario import load_scenario, shipped_scenarios

QGEO = str(Path(sys.executable).parent / "qgeo")
COMMANDS = ("run", "validate", "list", "show", "plot")
SMALL = ["--steps", "4", "--replications", "3"]
EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


def read_run(run_dir: Path, replications: int) -> dict[str, pd.DataFrame]:
    return {table: pd.concat([pd.read_parquet(table_path(run_dir, table, k)) for k in range(replications)],
                             ignore_index=True) for table in TABLES}


def assert_same_data(a: Path, b: Path, replications: int) -> None:
    first, second = read_run(a, replications), read_run(b, replications)
    for table in TABLES:
        pd.testing.assert_frame_equal(first[table], second[table])


def run_ok(argv: list[str], capsys) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    # no progress bar or chatter when stderr is not a terminal; only the warning about too few replications
    assert [line for line in captured.err.splitlines() if not line.startswith("warning: only ")] == []
    return captured.out


def run_error(argv: list[str], capsys) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    return captured.err


# ----------------------------------------------------------------------------- help and version
@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command_has_an_example(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"qgeo {command}" in out and "example" in out


def test_version_through_the_console_script():
    result = subprocess.run([QGEO, "--version"], capture_output=True, text=True, check=True)
    assert result.stdout.startswith("qgeo ") and result.stdout.split()[1][0].isdigit()


# ----------------------------------------------------------------------------- run
def test_run_writes_a_complete_run_directory(tmp_path, capsys):
    out = tmp_path / "run"
    printed = run_ok(["run", "baseline", *SMALL, "--set", "params.dependence_weight=2.5", "--out", str(out)],
                     capsys)
    assert "3 replications" in printed

    manifest = json.loads((out / "manifest.json").read_text())
    scenario = load_scenario("baseline", ["params.dependence_weight=2.5", "steps=4", "replications=3"])
    assert manifest["digest"] == scenario.digest()
    assert [r["seed"] for r in manifest["replications"]] == scenario.replication_seeds()
    assert manifest["scenario"]["params"] == {"dependence_weight": 2.5}
    assert manifest["parameters"]["dependence_weight"] == 2.5 and manifest["parameters"]["steps"] == 4
    assert {"qgeo", "mesa", "numpy", "pandas", "pyarrow"} <= set(manifest["versions"])
    assert manifest["started"] <= manifest["finished"]
    assert manifest["command"][:3] == ["qgeo", "run", "baseline"]
    assert "params.dependence_weight=2.5" in manifest["command"]

    data = read_run(out, 3)
    model, agents = data["model"], data["agents"]
    assert len(model) == 3 * 5 and not model.duplicated(["replication", "step"]).any()
    assert not agents.duplicated(["replication", "step", "iso3"]).any()
    for k, seed in enumerate(scenario.replication_seeds()):
        assert set(model.loc[model["replication"] == k, "seed"]) == {seed}

    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["step", "year", "outcome", "n", "mean", "sd", "ci_low", "ci_high"]
    row = summary[(summary["step"] == 4) & (summary["outcome"] == "capability_second_wave")].iloc[0]
    values = model.loc[model["step"] == 4, "capability_second_wave"].to_numpy()
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_low"] == pytest.approx(values.mean() - half)
    assert row["ci_high"] == pytest.approx(values.mean() + half)

    for name in ("provider_shares", "capability", "dependence_hhi", "network", "reliance"):
        for fmt in ("png", "svg"):
            path = out / "plots" / f"{name}.{fmt}"
            assert path.stat().st_size > 1000, path
    assert not list(out.rglob(".*.tmp"))


def test_same_seed_writes_identical_data_and_other_seed_does_not(tmp_path, capsys):
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        run_ok(["run", *SMALL, "--seed", seed, "--no-plots", "--out", str(tmp_path / name)], capsys)
    assert_same_data(tmp_path / "a", tmp_path / "b", 3)
    with pytest.raises(AssertionError):
        assert_same_data(tmp_path / "a", tmp_path / "c", 3)


def test_two_workers_write_the_same_data_as_serial(tmp_path, capsys):
    run_ok(["run", *SMALL, "--no-plots", "--out", str(tmp_path / "serial")], capsys)
    run_ok(["run", *SMALL, "--no-plots", "--workers", "2", "--out", str(tmp_path / "parallel")], capsys)
    assert_same_data(tmp_path / "serial", tmp_path / "parallel", 3)
    summaries = [(tmp_path / name / "summary.csv").read_bytes() for name in ("serial", "parallel")]
    assert summaries[0] == summaries[1]


def test_resume_after_a_killed_run_gives_the_same_data(tmp_path, capsys):
    replications = 20
    options = ["--steps", "20", "--replications", str(replications), "--no-plots"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([QGEO, "run", "baseline", *options, "--out", str(killed)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = table_path(killed, "model", 0)
    deadline = time.monotonic() + 120
    while not first.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    done = [k for k in range(replications) if table_path(killed, "model", k).exists()]
    assert 1 <= len(done) < replications
    for path in killed.rglob("replication=*.parquet"):
        pd.read_parquet(path)  # never a half-written file under a final name

    printed = run_ok(["run", "baseline", *options, "--out", str(killed), "--resume"], capsys)
    assert f"({replications - len(done)} run now)" in printed
    manifest = json.loads((killed / "manifest.json").read_text())
    assert len(manifest["resumed"]) == 1 and manifest["finished"]

    whole = tmp_path / "whole"
    run_ok(["run", "baseline", *options, "--out", str(whole)], capsys)
    assert_same_data(killed, whole, replications)
    assert (killed / "summary.csv").read_bytes() == (whole / "summary.csv").read_bytes()


def test_existing_directory_needs_resume_and_the_same_scenario(tmp_path, capsys):
    out = tmp_path / "run"
    run_ok(["run", *SMALL, "--no-plots", "--out", str(out)], capsys)
    err = run_error(["run", *SMALL, "--no-plots", "--out", str(out)], capsys)
    assert "--resume" in err and "another --out" in err
    err = run_error(["run", *SMALL, "--seed", "99", "--no-plots", "--out", str(out), "--resume"], capsys)
    assert "cannot resume" in err and "different scenario" in err
    printed = run_ok(["run", *SMALL, "--no-plots", "--out", str(out), "--resume"], capsys)
    assert "(0 run now)" in printed
    assert "--resume: expected --out DIR" in run_error(["run", *SMALL, "--resume"], capsys)


# ----------------------------------------------------------------------------- validate, list, show, plot
def test_validate_good_and_bad_files(tmp_path, write_scenario, capsys):
    out = run_ok(["validate", *map(str, shipped_scenarios())], capsys)
    assert out.count("ok: ") == len(shipped_scenarios())
    bad = write_scenario("[params]\nalignmnt_weight = 2.0\n", name="bad.toml")
    code = main(["validate", str(shipped_scenarios()[0]), str(bad)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out.count("ok: ") == 1
    assert "bad.toml" in captured.err and "did you mean 'alignment_weight'" in captured.err
    assert "Traceback" not in captured.err


def test_list_shows_every_shipped_scenario_with_its_question(capsys):
    out = run_ok(["list"], capsys)
    for path in shipped_scenarios():
        assert any(line.startswith(path.stem + " ") and "?" in out for line in out.splitlines())


def test_show_prints_the_resolved_scenario_as_loadable_toml(tmp_path, capsys):
    out = run_ok(["show", "export_controls", "--set", "params.dependence_weight=3.5", "--set",
                  "events[1].stringency=0.6", "--replications", "4"], capsys)
    content = tomllib.loads(out)
    assert content["name"] == "export_controls" and content["replications"] == 4
    assert content["params"]["dependence_weight"] == 3.5 and content["events"][1]["stringency"] == 0.6
    path = tmp_path / "shown.toml"
    path.write_text(out)
    expected = load_scenario("export_controls", ["params.dependence_weight=3.5", "events[1].stringency=0.6"],
                             {"replications": 4})
    assert load_scenario(path).digest() == expected.digest()
    assert expected.digest() in out


def test_plot_redraws_identical_figures_from_saved_data(tmp_path, capsys):
    out = tmp_path / "run"
    run_ok(["run", *SMALL, "--out", str(out)], capsys)
    original = {p.name: p.read_bytes() for p in (out / "plots").iterdir()}
    redrawn = tmp_path / "redrawn"
    run_ok(["plot", str(out), "--out", str(redrawn)], capsys)
    assert {p.name: p.read_bytes() for p in redrawn.iterdir()} == original
    for path in (out / "plots").iterdir():
        path.unlink()
    run_ok(["plot", str(out)], capsys)
    assert {p.name for p in (out / "plots").iterdir()} == set(original)


# ----------------------------------------------------------------------------- errors: exit 2, no traceback
@pytest.mark.parametrize(("argv", "fragments"), [
    (["run", "baselin"], ["'baselin'", "did you mean 'baseline'"]),
    (["run", "--set", "params.dependence_wieght=2"],
     ["params.dependence_wieght", "did you mean 'dependence_weight'"]),
    (["run", "--replications", "0"], ["replications", "expected a value >= 1", "found 0"]),
    (["run", "--workers", "0", *SMALL], ["--workers", "found 0"]),
    (["show", "baseline", "--set", "events[0].year=2030"], ["events[0]", "expected an index below 0"]),
    (["show", "baseline", "--set", "countries.VNN.budget_usd=1e7"], ["countries.VNN", "did you mean 'VNM'"]),
    (["plot", "/nonexistent/run"], ["manifest.json", "found none"]),
])
def test_user_errors_exit_2_without_traceback(argv, fragments, tmp_path, capsys):
    if argv[0] == "run":
        argv = [*argv, "--out", str(tmp_path / "run")]
    err = run_error(argv, capsys)
    assert not (tmp_path / "run").exists()
    for fragment in fragments:
        assert fragment in err


def test_errors_through_the_console_script(tmp_path, write_scenario):
    bad = write_scenario('[[events]]\nyear = 2027\nkind = "santions"\nactors = ["USA"]\n')
    result = subprocess.run([QGEO, "run", str(bad), "--out", str(tmp_path / "run")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "test.toml" in result.stderr and "events[0]" in result.stderr
    assert "did you mean 'sanctions'" in result.stderr
    assert not (tmp_path / "run").exists()
    usage = subprocess.run([QGEO, "run", "--seed", "abc"], capture_output=True, text=True)
    assert usage.returncode == 2 and "invalid int value" in usage.stderr and "Traceback" not in usage.stderr


def test_progress_bar_only_on_a_terminal(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen([QGEO, "run", *SMALL, "--no-plots", "--out", str(tmp_path / "run")],
                               stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    shown = b""
    while chunk := _read(controller):
        shown += chunk
    os.close(controller)
    assert process.wait() == 0
    assert "3/3" in shown.decode() and "replication" in shown.decode()


def _read(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 4096)
    except OSError:  # the terminal closes when the process exits
        return b""


def test_a_reader_that_stops_early_gets_a_clean_message_not_a_traceback():
    process = subprocess.Popen([QGEO, "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like `qgeo list | head -0`: nobody reads the output
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 2
    assert "broken pipe" in err and "Traceback" not in err


# ----------------------------------------------------------------------------- issue 13: first tries
def test_validate_tells_experiments_from_scenarios(tmp_path, capsys):
    grid = EXPERIMENTS / "openness_vs_dependence.toml"
    lines = run_ok(["validate", "baseline", str(grid), "morris_screening"], capsys).splitlines()
    assert "scenario 'baseline'" in lines[0] and "10 replications" in lines[0]
    assert "experiment 'openness_vs_dependence'" in lines[1]
    assert "36 points x 20 replications = 720 runs" in lines[1]
    assert "experiment 'morris_screening'" in lines[2] and "morris design" in lines[2]


def test_validate_reports_a_bad_experiment_with_the_experiment_checks(tmp_path, capsys):
    text = (EXPERIMENTS / "openness_vs_dependence.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('name = "params.dependence_weight"', 'name = "params.dependence_wieght"'))
    no_name = tmp_path / "no_name.toml"  # an experiment by its keys, so the experiment checks report it
    no_name.write_text('scenario = "baseline"\nseed = 1\n[design]\ntype = "grid"\n')
    err = run_error(["validate", str(bad), str(no_name), "baseline"], capsys)
    assert "bad.toml" in err and "did you mean 'dependence_weight'" in err
    assert "no_name.toml: name: missing required key" in err


def test_a_new_kind_of_file_is_one_entry_and_mixed_keys_are_an_error(tmp_path, monkeypatch, capsys):
    from sim.inputs import filekinds

    calibration = filekinds.FileKind("calibration", frozenset({"calibration"}), find=Path,
                                     check=lambda path: f"calibration {path.name}")
    monkeypatch.setattr(filekinds, "KINDS", (calibration, *filekinds.KINDS))
    good = tmp_path / "fit.toml"
    good.write_text('[calibration]\nscenario = "history"\n')
    assert "(calibration fit.toml)" in run_ok(["validate", str(good)], capsys)
    mixed = tmp_path / "mixed.toml"
    mixed.write_text('[calibration]\n[design]\ntype = "grid"\n')
    err = run_error(["validate", str(mixed)], capsys)
    assert "mixed.toml" in err and "calibration: calibration" in err and "experiment: design" in err


def test_validate_one_replication_reads_in_the_singular(write_scenario, capsys):
    path = write_scenario("replications = 1\n")
    assert "1 replication," in run_ok(["validate", str(path)], capsys)


def test_run_of_one_replication_reads_in_the_singular(tmp_path, capsys):
    out = run_ok(["run", "--steps", "2", "--replications", "1", "--no-plots", "--out", str(tmp_path / "r")],
                 capsys)
    assert "1 replication of 'baseline'" in out


@pytest.mark.parametrize("command", ["run", "show", "hindcast"])
def test_set_with_a_space_instead_of_equals_gets_the_usage_and_a_hint(command, tmp_path, capsys):
    argv = [command, "baseline", "--set", "params.cost_weight", "3"]
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.startswith(f"usage: qgeo {command}")
    assert "--set params.cost_weight=VALUE" in err and "no spaces around '='" in err
    assert "Traceback" not in err


def test_plot_on_an_experiment_directory_and_analyze_on_a_run_directory(tmp_path, capsys):
    run_dir = tmp_path / "run"
    run_ok(["run", "--steps", "2", "--replications", "2", "--no-plots", "--out", str(run_dir)], capsys)
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(
        'name = "tiny"\nscenario = "baseline"\nseed = 1\nsteps = 2\n[design]\ntype = "grid"\n'
        '[[inputs]]\nname = "params.dependence_weight"\nvalues = [1.0, 2.0]\n'
        '[[outcomes]]\nname = "share_RUS"\nmetric = "share_RUS"\n')
    experiment_dir = tmp_path / "experiment"
    run_ok(["experiment", str(experiment), "--out", str(experiment_dir), "--no-analyze", "--no-progress"],
           capsys)
    err = run_error(["plot", str(experiment_dir)], capsys)
    assert "expected a run directory written by `qgeo run`" in err and "qgeo analyze" in err
    err = run_error(["plot", str(experiment_dir), "--out", str(tmp_path / "figures")], capsys)
    assert "qgeo analyze" in err and not (tmp_path / "figures").exists()
    err = run_error(["analyze", str(run_dir)], capsys)
    assert "expected an experiment output directory" in err and "qgeo plot" in err
    err = run_error(["experiment", str(experiment), "--out", str(run_dir), "--resume", "--no-progress"],
                    capsys)
    assert "qgeo plot" in err


@pytest.mark.parametrize("argv", [
    ["run", "--steps", "2", "--replications", "1", "--no-plots"],
    ["plot", "RUN"],
    ["hindcast", "--replications", "1", "--boot", "100"],
])
def test_out_that_cannot_be_created_is_a_clean_error(argv, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    if argv[0] == "plot":
        run_dir = tmp_path / "run"
        run_ok(["run", "--steps", "2", "--replications", "1", "--no-plots", "--out", str(run_dir)], capsys)
        argv = ["plot", str(run_dir)]
    err = run_error([*argv, "--out", str(blocker / "out")], capsys)
    assert "--out" in err and "a_file/out" in err and "cannot create the directory" in err


@pytest.mark.parametrize("argv", [["list"], ["show", "baseline"], ["validate", "baseline"]])
def test_every_printing_command_survives_a_closed_pipe(argv):
    process = subprocess.Popen([QGEO, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 2
    assert "broken pipe" in err and "Traceback" not in err and "Exception ignored" not in err


def test_head_two_reads_the_first_lines_without_an_error():
    for argv in (["list"], ["show", "baseline"]):
        result = subprocess.run(f"{QGEO} {' '.join(argv)} | head -2", shell=True, capture_output=True,
                                text=True, timeout=120)
        assert len(result.stdout.splitlines()) == 2
        assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
