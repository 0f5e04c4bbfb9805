"""Running experiments: backends give identical results, resume, failures, re-runs, analysis."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.engine.execute import rerun, run_experiment
from sim.engine.store import ResultStore
from sim.experiments.analysis import analyze
from sim.inputs.experiment import load_experiment

GRID = """\
name = "grid"
scenario = "baseline"
seed = 3
replications = {replications}
steps = {steps}

[design]
type = "grid"

[[inputs]]
name = "params.dependence_weight"
values = {weights}

[[inputs]]
name = "params.transfer_gain"
values = [0.0, 0.8]

[[outcomes]]
name = "capability"
metric = "capability_second_wave"

[[outcomes]]
name = "hhi_mean"
metric = "hhi_second_wave"
stat = "mean"
window = [2026, 2028]

[[outcomes]]
name = "capability_series"
metric = "capability_second_wave"
stat = "series"
"""


def grid_file(tmp_path: Path, replications: int = 2, steps: int = 4, weights: str = "[0.5, 3.0]") -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(GRID.format(replications=replications, steps=steps, weights=weights), encoding="utf-8")
    return path


def results(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = ResultStore(out)
    return store.outcomes(), store.series()


def assert_same_results(a: Path, b: Path) -> None:
    for first, second in zip(results(a), results(b), strict=True):
        assert len(first) > 0
        pd.testing.assert_frame_equal(first, second)


def test_serial_processes_and_dask_give_identical_results(tmp_path):
    experiment = load_experiment(grid_file(tmp_path))
    serial = run_experiment(experiment, tmp_path / "serial", workers=1, chunk_size=3)
    processes = run_experiment(experiment, tmp_path / "processes", workers=2, chunk_size=2)
    dask = run_experiment(experiment, tmp_path / "dask", workers=2, scheduler="local", chunk_size=1)
    for summary in (serial, processes, dask):
        assert (summary.total, summary.done, summary.failed) == (8, 8, 0)
    assert_same_results(tmp_path / "serial", tmp_path / "processes")
    assert_same_results(tmp_path / "serial", tmp_path / "dask")
    outcomes, series = results(tmp_path / "serial")
    assert list(outcomes["run"]) == list(range(8))
    assert outcomes["capability"].nunique() > 1  # the inputs and seeds do change the runs
    assert len(series) == 8 * 5 and list(series.columns) == ["run", "step", "year", "capability_series"]
    manifests = [ResultStore(tmp_path / name).manifest() for name in ("serial", "processes", "dask")]
    assert [m["sessions"][0]["backend"].split()[0] for m in manifests] == ["serial", "processes", "dask"]
    assert all(m["status"] == "complete" for m in manifests)


def test_a_run_can_be_repeated_alone_with_identical_data(tmp_path, capsys):
    path = grid_file(tmp_path)
    experiment = load_experiment(path)
    run_experiment(experiment, tmp_path / "out", workers=1)
    stored = ResultStore(tmp_path / "out").outcomes().set_index("run")
    series = ResultStore(tmp_path / "out").series()
    for run in (0, 5):
        model, agents, row = rerun(experiment, run)
        assert row["seed"] == stored.loc[run, "seed"]
        assert model["capability_second_wave"].iloc[-1] == stored.loc[run, "capability"]
        stored_series = series[series["run"] == run]["capability_series"]
        assert model["capability_second_wave"].tolist() == stored_series.tolist()
        assert agents is not None and len(agents) > 0
    assert main(["experiment", str(path), "--out", str(tmp_path / "out"), "--only-run", "5"]) == 0
    written = pd.read_csv(tmp_path / "out" / "run-5" / "model.csv")
    assert written["capability_second_wave"].iloc[-1] == pytest.approx(stored.loc[5, "capability"], rel=1e-12)
    assert "run 5" in capsys.readouterr().out


def test_existing_directory_needs_resume_and_an_unchanged_file(tmp_path, capsys):
    path = grid_file(tmp_path, replications=1)
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out), "--no-analyze"]) == 0
    assert main(["experiment", str(path), "--out", str(out)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["experiment", str(path), "--out", str(out), "--resume", "--no-analyze"]) == 0
    assert "0 run in" in capsys.readouterr().out  # nothing was missing
    path.write_text(path.read_text().replace("seed = 3", "seed = 4"))
    assert main(["experiment", str(path), "--out", str(out), "--resume"]) == 2
    assert "changed" in capsys.readouterr().err


def test_a_failing_run_is_recorded_and_the_rest_complete(tmp_path, capsys):
    # steps 3 ends the horizon in 2027: an export-control event in 2029 is rejected by the model at
    # run time, so the point (steps=3, year=2029) fails; each value alone is valid.
    path = tmp_path / "failing.toml"
    path.write_text(textwrap.dedent("""\
        name = "failing"
        scenario = "export_controls"
        seed = 9
        replications = 2

        [design]
        type = "grid"

        [[inputs]]
        name = "steps"
        values = [3, 6]

        [[inputs]]
        name = "events[0].year"
        values = [2026, 2029]

        [[outcomes]]
        name = "leaders"
        metric = "share_leaders"
        """), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "8 runs, 6 done, 2 failed" in printed
    failures = pd.read_csv(out / "failures.csv")
    assert list(failures["run"]) == [2, 3]
    assert set(failures["steps"]) == {3} and set(failures["events[0].year"]) == {2029}
    assert set(failures["error_type"]) == {"EventError"}
    assert failures["message"].str.contains("2029").all()
    plan = ResultStore(out).plan().set_index("run")
    assert list(failures["seed"]) == [plan.loc[2, "seed"], plan.loc[3, "seed"]]
    assert list(ResultStore(out).outcomes()["run"]) == [0, 1, 4, 5, 6, 7]
    assert ResultStore(out).manifest()["status"] == "complete_with_failures"
    assert "2 runs failed" in (out / "analysis" / "warnings.txt").read_text()
    # --resume retries the failed runs only; they fail again and are still counted once
    assert main(["experiment", str(path), "--out", str(out), "--resume", "--no-analyze"]) == 0
    assert "8 runs, 6 done, 2 failed (2 run in" in capsys.readouterr().out
    log = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [record["run"] for record in log] == [2, 3, 2, 3]


def test_grid_analysis_writes_tables_and_labelled_figures(tmp_path):
    experiment = load_experiment(grid_file(tmp_path, replications=3))
    run_experiment(experiment, tmp_path / "out")
    report = analyze(tmp_path / "out")
    names = {p.name for p in report.files}
    assert {"point_summary.csv", "explained.csv", "series_capability_series.png",
            "series_capability_series.svg"} <= names
    heatmaps = [n for n in names if n.startswith("heatmap_capability")]
    lines = [n for n in names if n.startswith("line_hhi_mean")]
    assert len(heatmaps) == 2 and len(lines) == 4  # PNG + SVG; one line plot per input
    summary = pd.read_csv(tmp_path / "out" / "analysis" / "point_summary.csv")
    assert len(summary) == 4 * 2 and (summary["n"] == 3).all()
    assert (summary["ci_low"] <= summary["mean"]).all() and (summary["mean"] <= summary["ci_high"]).all()
    svg = (tmp_path / "out" / "analysis" / heatmaps[0].replace(".png", ".svg")).read_text()
    # the registry's human label and unit, not the key path
    assert "Dependence weight (log points per unit risk)" in svg and "capability" in svg
    assert "params.dependence_weight" not in svg
    line = (tmp_path / "out" / "analysis" / next(n for n in lines if n.endswith(".svg"))).read_text()
    assert "hhi_mean (mean hhi_second_wave, 2026-2028)" in line and "(%)" not in line  # an index, not a share


def test_sobol_experiment_on_the_model_gives_indices_and_warns_when_small(tmp_path):
    path = tmp_path / "sobol.toml"
    path.write_text(textwrap.dedent("""\
        name = "sobol"
        scenario = "baseline"
        seed = 1
        replications = 2
        steps = 5

        [design]
        type = "sobol"
        samples = 8

        [[inputs]]
        name = "params.disbursement_rate"
        low = 0.05
        high = 1.0

        [[inputs]]
        name = "params.alignment_weight"
        low = 0.0
        high = 0.1

        [[outcomes]]
        name = "capability"
        metric = "capability_second_wave"
        """), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "2"]) == 0
    table = pd.read_csv(out / "analysis" / "sobol_indices.csv")
    assert list(table.columns) == ["outcome", "input", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["input"]) == ["params.disbursement_rate", "params.alignment_weight"]
    values = table[["S1", "S1_conf", "ST", "ST_conf"]]
    assert values.notna().all().all() and (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    warnings = (out / "analysis" / "warnings.txt").read_text()
    assert "too small" in warnings
    assert (out / "analysis" / "sobol_capability.png").is_file()


def test_progress_bar_shows_done_failed_and_time_left_on_a_terminal(tmp_path):
    import fcntl
    import os
    import pty
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    command = [sys.executable, "-m", "sim.cli", "experiment", str(grid_file(tmp_path)), "--out",
               str(tmp_path / "out"), "--no-analyze"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.wait() == 0
    text = shown.decode()
    assert "8/8" in text and "failed=0" in text and "<" in text  # done/total, failures, elapsed<left


@pytest.mark.parametrize("kind,figure", [("lhs", "scatter_capability"), ("morris", "morris_capability")])
def test_sampled_designs_run_and_analyse_end_to_end(tmp_path, kind, figure):
    path = tmp_path / f"{kind}.toml"
    path.write_text(textwrap.dedent(f"""\
        name = "{kind}"
        scenario = "export_controls"
        seed = 2
        replications = 2
        steps = 5

        [design]
        type = "{kind}"
        samples = 4

        [[inputs]]
        name = "events[0].year"
        low = 2026
        high = 2029

        [[inputs]]
        name = "params.transfer_gain"
        low = 0.0
        high = 1.0

        [[outcomes]]
        name = "capability"
        metric = "capability_second_wave"
        """), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["experiment", str(path), "--out", str(out)]) == 0
    outcomes = ResultStore(out).outcomes()
    points = 4 if kind == "lhs" else 4 * 3
    assert len(outcomes) == points * 2 and outcomes["events[0].year"].between(2026, 2029).all()
    assert all((out / "analysis" / f"{figure}.{suffix}").is_file() for suffix in ("png", "svg"))
    explained = pd.read_csv(out / "analysis" / "explained.csv")
    assert set(explained["input"]) == {"events[0].year", "params.transfer_gain"}
    if kind == "morris":
        table = pd.read_csv(out / "analysis" / "morris_indices.csv")
        assert list(table.columns) == ["outcome", "input", "mu", "mu_star", "sigma", "mu_star_conf"]
        assert (table["mu_star"] >= 0).all() and (table["sigma"] >= 0).all()


def test_a_directory_with_other_files_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["experiment", str(grid_file(tmp_path)), "--out", str(out)]) == 2
    assert "other files" in capsys.readouterr().err


def test_analyze_writes_figures_in_the_formats_asked_for(tmp_path, capsys):
    experiment = load_experiment(grid_file(tmp_path, replications=2, steps=3))
    run_experiment(experiment, tmp_path / "out")
    code = main(["analyze", str(tmp_path / "out"), "--format", "pdf", "--size", "5x3"])
    assert code == 0, capsys.readouterr().err
    figures = sorted((tmp_path / "out" / "analysis").glob("heatmap_*"))
    assert figures and {path.suffix for path in figures} == {".pdf"}
    assert all(path.read_bytes().startswith(b"%PDF-") and b"/MediaBox [ 0 0 360 216 ]" in path.read_bytes()
               for path in figures)
