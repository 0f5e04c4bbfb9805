"""Faults around an output directory: a second writer while one is running, a writer killed mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.engine.lock import LOCK_FILE
from sim.engine.store import ResultStore, lock_directory

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 120.0
"""Seconds a subprocess may take to reach a state (generous: the machine may be loaded)."""

EXPERIMENT = """\
name = "locked"
scenario = "baseline"
seed = 7
replications = 150
design = {type = "grid"}
inputs = [{name = "params.dependence_weight", values = [1.0, 2.0]}]
outcomes = [{name = "share_RUS", metric = "share_RUS"}]
"""
RUNS = 300
TWICE = """\
name = "twice"
scenario = "baseline"
seed = 7
steps = 3
replications = 3
design = {type = "grid"}
inputs = [{name = "params.dependence_weight", values = [1.0, 2.0]}]

[[outcomes]]
name = "share_RUS"
metric = "share_RUS"

[[outcomes]]
name = "series"
metric = "share_RUS"
stat = "series"
"""


def qgeo(*argv: str) -> subprocess.Popen:
    """Start ``qgeo ARGV`` from this tree in a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *argv], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(condition, process: subprocess.Popen, what: str) -> None:
    """Poll until ``condition()`` holds, failing if the process ends first or the deadline passes."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the process ended before {what}: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within {DEADLINE} s")
        time.sleep(0.01)


def lock_pid(directory: Path) -> int | None:
    """The PID recorded in a directory's lock file, or None while there is none."""
    try:
        return int(json.loads((directory / LOCK_FILE).read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def finish(process: subprocess.Popen) -> tuple[str, str]:
    """Wait for a process; return its output after checking it ended with exit code 0."""
    out, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 0, err
    return out, err


@pytest.fixture
def experiment_file(tmp_path: Path) -> Path:
    path = tmp_path / "locked.toml"
    path.write_text(EXPERIMENT)
    return path


def assert_every_run_once(out: Path) -> None:
    runs = ResultStore(out).outcomes(["run"])["run"]
    assert len(runs) == RUNS and runs.is_unique


def test_a_second_experiment_writer_stops_with_the_holders_pid_and_runs_nothing(tmp_path, experiment_file):
    out = tmp_path / "out"
    first = qgeo("experiment", str(experiment_file), "--out", str(out), "--no-analyze")
    try:
        wait_for(lambda: lock_pid(out) == first.pid, first, f"{LOCK_FILE} naming the first writer")
        os.kill(first.pid, signal.SIGSTOP)  # it holds the lock, whatever the machine's load
        try:
            second = qgeo("experiment", str(experiment_file), "--out", str(out), "--resume", "--no-analyze")
            _, err = second.communicate(timeout=DEADLINE)
        finally:
            os.kill(first.pid, signal.SIGCONT)
        assert second.returncode == 2, err
        assert "Traceback" not in err
        assert str(out.name) in err and f"PID {first.pid}" in err and "qgeo experiment" in err
        assert "--resume" in err and "another --out" in err
        finish(first)
    finally:
        first.kill()
    assert_every_run_once(out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 1 and manifest["status"] == "complete"
    assert not (out / LOCK_FILE).exists()  # a clean end removes the lock file


def test_a_second_run_into_the_same_new_directory_does_not_start(tmp_path, capsys):
    out = tmp_path / "run"
    options = ["--steps", "20", "--replications", "20", "--no-plots", "--out", str(out)]
    first = qgeo("run", "baseline", *options)
    try:
        wait_for(lambda: lock_pid(out) == first.pid, first, f"{LOCK_FILE} naming the first run")
        os.kill(first.pid, signal.SIGSTOP)
        try:
            capsys.readouterr()
            code = main(["run", "baseline", *options])
        finally:
            os.kill(first.pid, signal.SIGCONT)
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"PID {first.pid}" in err and "qgeo run" in err and str(out.name) in err
        finish(first)
    finally:
        first.kill()
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 1 and not manifest.get("resumed") and manifest["finished"]


def test_a_killed_writer_leaves_a_lock_the_next_resume_takes(tmp_path, experiment_file, capsys):
    out = tmp_path / "out"
    first = qgeo("experiment", str(experiment_file), "--out", str(out), "--no-analyze")
    try:
        wait_for(lambda: lock_pid(out) == first.pid and any((out / "runs").glob("part-*.parquet")), first,
                 "a stored part while the first writer holds the lock")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=DEADLINE)
    finally:
        first.kill()
    assert lock_pid(out) == first.pid  # the dead writer's lock file is still there

    capsys.readouterr()
    code = main(["experiment", str(experiment_file), "--out", str(out), "--resume", "--no-analyze"])
    assert code == 0, capsys.readouterr().err
    assert_every_run_once(out)
    assert not (out / LOCK_FILE).exists()


def test_a_lock_is_reentrant_in_its_process_and_leaves_no_empty_new_directory(tmp_path):
    new = tmp_path / "new"
    with lock_directory(new, "qgeo test"):
        with lock_directory(new):  # the store inside a command takes it again
            assert lock_pid(new) == os.getpid()
        assert lock_pid(new) == os.getpid()  # still held by the outer holder
    assert not new.exists()  # created for the lock, nothing written: removed
    with lock_directory(new):
        (new / "manifest.json").write_text("{}")
    assert [path.name for path in new.iterdir()] == ["manifest.json"]


def test_a_run_stored_twice_is_read_and_analysed_once(tmp_path):
    from sim.engine.execute import run_experiment
    from sim.experiments.analysis import analyze
    from sim.inputs.experiment import load_experiment

    path = tmp_path / "twice.toml"
    path.write_text(TWICE)
    out = tmp_path / "out"
    run_experiment(load_experiment(path), out, chunk_size=2, progress=False)
    store = ResultStore(out)
    before = analyze(out)
    assert before.warnings == [] and store.duplicate_runs() == 0
    tables = {name: (out / "analysis" / name).read_bytes() for name in ("point_summary.csv", "explained.csv")}
    outcomes, series = store.outcomes(), store.series()
    # what a second writer did before directories were locked: the same chunks stored again as new parts
    parts = sorted(store.parts(store.runs_dir).values())
    for number, part in enumerate(parts[:2], start=len(parts)):
        for directory in (store.runs_dir, store.series_dir):
            (directory / f"part-{number:06d}.parquet").write_bytes((directory / part.name).read_bytes())
    assert store.duplicate_runs() == 4  # two chunks of two runs
    assert store.outcomes().equals(outcomes) and store.series().equals(series)
    assert store.series(["run", "year", "series"]).equals(series[["run", "year", "series"]])
    after = analyze(out)
    assert after.warnings == ["4 stored runs are copies of runs stored before (two writers of the directory "
                              "at once?); each run is counted once"]
    assert {name: (out / "analysis" / name).read_bytes() for name in tables} == tables
