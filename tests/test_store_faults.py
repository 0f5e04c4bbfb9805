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
from sim.engine.lock import LOCK_FILE, DirectoryLock
from sim.engine.store import TABLES, ResultStore, lock_directory

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


def test_analyze_plot_and_only_run_wait_for_the_writer_of_their_directory(tmp_path, experiment_file, capsys):
    """Every command that writes into a directory takes its lock: analyze (DIR/analysis), plot (the
    run's plots/) and ``experiment --only-run`` (DIR/run-N) are refused while a writer holds it."""
    out, run = tmp_path / "out", tmp_path / "run"
    assert main(["run", "baseline", "--steps", "3", "--replications", "2", "--no-plots",
                 "--out", str(run)]) == 0
    first = qgeo("experiment", str(experiment_file), "--out", str(out), "--no-analyze")
    try:
        wait_for(lambda: lock_pid(out) == first.pid, first, f"{LOCK_FILE} naming the first writer")
        with DirectoryLock(run, "qgeo run (a test holding the lock)"):  # this process writes the run
            os.kill(first.pid, signal.SIGSTOP)
            try:
                for argv in (["analyze", str(out)], ["experiment", str(experiment_file), "--out", str(out),
                                                     "--only-run", "3"]):
                    second = qgeo(*argv)
                    _, err = second.communicate(timeout=DEADLINE)
                    assert second.returncode == 2 and f"PID {first.pid}" in err, err
                    assert "Traceback" not in err
            finally:
                os.kill(first.pid, signal.SIGCONT)
            plot = qgeo("plot", str(run))
            _, err = plot.communicate(timeout=DEADLINE)
            assert plot.returncode == 2 and f"PID {os.getpid()}" in err and "Traceback" not in err, err
        finish(first)
    finally:
        first.kill()
    assert not (out / "analysis").exists() and not (out / "run-3").exists() and not (run / "plots").exists()
    assert main(["analyze", str(out)]) == 0 and main(["plot", str(run)]) == 0  # once the writers are gone
    assert (out / "analysis").is_dir() and (run / "plots").is_dir()


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
    from sim.engine.ledger import Ledger
    from sim.engine.store import part_entry
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
            copy = directory / f"part-{number:06d}.parquet"
            copy.write_bytes((directory / part.name).read_bytes())
            Ledger(out).append([part_entry(out, copy, "").record()])  # as that writer recorded it
    assert store.duplicate_runs() == 4  # two chunks of two runs
    assert store.outcomes().equals(outcomes) and store.series().equals(series)
    assert store.series(["run", "year", "series"]).equals(series[["run", "year", "series"]])
    after = analyze(out)
    assert after.warnings == ["4 stored runs are copies of runs stored before (two writers of the directory "
                              "at once?); each run is counted once"]
    assert {name: (out / "analysis" / name).read_bytes() for name in tables} == tables


# --------------------------------------------------------------------------- damaged files
RUN_OPTIONS = ("--steps", "3", "--replications", "3", "--workers", "1", "--no-plots")
SMALL = TWICE.replace('name = "twice"', 'name = "small"')


def run_main(capsys, *argv: str) -> tuple[int, str]:
    """Run ``qgeo ARGV`` in this process; return its exit code and stderr."""
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().err


def truncate(path: Path) -> None:
    """Keep the first half of a file's bytes, as a disk that filled up or a copy cut short would."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def assert_names_damage(code: int, err: str, path: Path, repair: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert path.name in err and "damaged" in err and repair in err


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    assert main(["run", "baseline", *RUN_OPTIONS, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def reference_experiment(tmp_path_factory) -> tuple[Path, Path]:
    from sim.engine.execute import run_experiment
    from sim.inputs.experiment import load_experiment

    folder = tmp_path_factory.mktemp("experiment")
    path = folder / "small.toml"
    path.write_text(SMALL)
    out = folder / "out"
    run_experiment(load_experiment(path), out, chunk_size=2, progress=False)
    return path, out


def copy_of(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


@pytest.mark.parametrize("table", ["model", "agents", "edges"])
def test_a_truncated_replication_is_named_by_plot_and_run_again_by_resume(tmp_path, capsys, reference_run,
                                                                           table):
    from sim.engine.store import read_table, table_path

    out = copy_of(reference_run, tmp_path / "run")
    part = table_path(out, table, 1)
    truncate(part)
    code, err = run_main(capsys, "plot", str(out))
    assert_names_damage(code, err, part, f"--resume --out {out}")

    capsys.readouterr()
    code = main(["run", "baseline", *RUN_OPTIONS, "--out", str(out), "--resume"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "1 damaged replication(s) 1 moved to damaged/" in printed.err
    assert "(1 run now)" in printed.out  # the damaged replication, run again
    set_aside = out / "damaged" / table / "replication=1.parquet"  # the damaged bytes, kept
    original = reference_run / table / "replication=1.parquet"
    assert len(set_aside.read_bytes()) == len(original.read_bytes()) // 2
    for name in TABLES:
        assert read_table(out, name).equals(read_table(reference_run, name)), name


def test_a_model_table_without_a_row_per_step_is_run_again(tmp_path, capsys, reference_run):
    from sim.engine.store import read_table, table_path, write_table

    out = copy_of(reference_run, tmp_path / "run")
    model = table_path(out, "model", 0)
    write_table(model, read_table(out, "model", [0]).iloc[:-1])  # parses, one step short
    code, err = run_main(capsys, "run", "baseline", *RUN_OPTIONS, "--out", str(out), "--resume")
    assert code == 0, err
    assert "3 rows, expected 4" in err and (out / "damaged" / "model" / "replication=0.parquet").is_file()
    assert read_table(out, "model").equals(read_table(reference_run, "model"))


@pytest.mark.parametrize("kind", ["runs", "series"])
def test_a_truncated_result_part_is_named_by_analyze_and_run_again_by_resume(tmp_path, capsys,
                                                                             reference_experiment, kind):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    part = out / kind / "part-000000.parquet"
    truncate(part)
    code, err = run_main(capsys, "analyze", str(out))
    assert_names_damage(code, err, part, f"--resume --out {out}")

    code, err = run_main(capsys, "experiment", str(experiment), "--out", str(out), "--resume", "--no-analyze")
    assert code == 0, err
    assert "1 damaged part(s) moved to damaged/" in err and part.name in err
    for directory in ("runs", "series"):  # the pair goes together, nothing is deleted
        assert (out / "damaged" / directory / "part-000000.parquet").is_file()
    store, expected = ResultStore(out), ResultStore(reference)
    assert store.outcomes().equals(expected.outcomes())
    assert store.series().equals(expected.series())
    assert store.duplicate_runs() == 0


def test_a_series_part_of_other_runs_is_set_aside_with_its_outcome_part(tmp_path, capsys,
                                                                         reference_experiment):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    series = out / "series"
    (series / "part-000000.parquet").write_bytes((series / "part-000001.parquet").read_bytes())
    code, err = run_main(capsys, "experiment", str(experiment), "--out", str(out), "--resume", "--no-analyze")
    assert code == 0, err
    assert "expected the runs of part-000000.parquet" in err
    assert ResultStore(out).series().equals(ResultStore(reference).series())


GARBAGE = b"\xff\xfe not json, not parquet\n"


@pytest.mark.parametrize("name", ["manifest.json", "failures.jsonl", "plan.parquet"])
def test_a_garbage_experiment_file_is_named_by_analyze_and_resume(tmp_path, capsys, reference_experiment,
                                                                  name):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    (out / name).write_bytes(GARBAGE)
    repair = "delete failures.jsonl" if name == "failures.jsonl" else "new --out"
    code, err = run_main(capsys, "analyze", str(out))
    assert_names_damage(code, err, out / name, repair)
    if name != "failures.jsonl":  # read at the end of a session: analyze is where it matters
        code, err = run_main(capsys, "experiment", str(experiment), "--out", str(out), "--resume",
                             "--no-analyze")
        assert_names_damage(code, err, out / name, repair)


def test_a_garbage_run_manifest_is_named_by_plot_and_resume(tmp_path, capsys, reference_run):
    out = copy_of(reference_run, tmp_path / "run")
    (out / "manifest.json").write_bytes(GARBAGE)
    for argv in (("plot", str(out)), ("run", "baseline", *RUN_OPTIONS, "--out", str(out), "--resume")):
        code, err = run_main(capsys, *argv)
        assert_names_damage(code, err, out / "manifest.json", "new --out")


@pytest.mark.parametrize("argv", [
    ["hindcast", "--replications", "2"],
    ["calibrate", "history"],
    ["compare", "{run}", "{run}"],
], ids=["hindcast", "calibrate", "compare"])
def test_hindcast_calibrate_and_compare_refuse_a_directory_another_process_writes(tmp_path, argv):
    run, locked = tmp_path / "run", tmp_path / "locked"
    if "{run}" in argv:
        assert main(["run", "baseline", "--steps", "3", "--replications", "2", "--no-plots",
                     "--out", str(run)]) == 0
    locked.mkdir()
    with DirectoryLock(locked, "qgeo experiment (a test holding the lock)"):
        process = qgeo(*[word.replace("{run}", str(run)) for word in argv], "--out", str(locked))
        _, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == 2 and f"PID {os.getpid()}" in err and "Traceback" not in err, err
    assert [path.name for path in locked.iterdir()] == []  # nothing written


# --------------------------------------------------------------------------- the ledger of parts
def alter_values(path: Path) -> None:
    """Rewrite a part as a valid Parquet file of the same schema and rows but other values (a part of
    another run swapped in, or bits flipped inside a data page): it still reads."""
    import pandas as pd

    frame = pd.read_parquet(path)
    column = next(name for name in frame.columns if frame[name].dtype.kind == "f")
    frame[column] = frame[column] + 0.25
    frame.to_parquet(path, index=False)


def ledger_lines(out: Path) -> list[str]:
    return (out / "parts.jsonl").read_text().splitlines()


def resume_experiment(capsys, experiment: Path, out: Path) -> str:
    code, err = run_main(capsys, "experiment", str(experiment), "--out", str(out), "--resume", "--no-analyze")
    assert code == 0, err
    return err


def assert_same_results(out: Path, reference: Path) -> None:
    store, expected = ResultStore(out), ResultStore(reference)
    assert store.outcomes().equals(expected.outcomes())
    assert store.series().equals(expected.series())
    assert store.duplicate_runs() == 0


def test_every_committed_part_is_in_the_ledger_the_manifest_names(reference_run, reference_experiment):
    import hashlib

    import pyarrow.parquet as pq

    _, experiment = reference_experiment
    run_parts = [f"{table}/replication={k}.parquet" for k in range(3) for table in TABLES]
    experiment_parts = [f"{folder}/part-{n:06d}.parquet" for n in range(3) for folder in ("series", "runs")]
    for out, parts in ((reference_run, run_parts), (experiment, experiment_parts)):
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["parts_ledger"] == "parts.jsonl" and manifest["checksum"] == "sha256"
        records = [json.loads(line) for line in ledger_lines(out)]
        assert sorted(record["file"] for record in records) == sorted(parts)
        for record in records:
            path = out / record["file"]
            assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert record["rows"] == pq.read_metadata(path).num_rows > 0


@pytest.mark.parametrize("kind", ["runs", "series"])
def test_an_altered_result_part_that_still_reads_is_named_by_analyze_and_run_again(tmp_path, capsys,
                                                                                  reference_experiment, kind):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    part = out / kind / "part-000001.parquet"
    alter_values(part)
    code, err = run_main(capsys, "analyze", str(out))
    assert_names_damage(code, err, part, f"--resume --out {out}")
    assert "sha256 differs from the one recorded in parts.jsonl when it was written" in err

    err = resume_experiment(capsys, experiment, out)
    assert "1 damaged part(s) moved to damaged/" in err and "sha256 differs" in err
    for directory in ("runs", "series"):
        assert (out / "damaged" / directory / "part-000001.parquet").is_file()
    assert_same_results(out, reference)
    assert run_main(capsys, "analyze", str(out))[0] == 0  # the recomputed part is recorded


def test_an_altered_replication_that_still_reads_is_named_by_plot_and_run_again(tmp_path, capsys,
                                                                               reference_run):
    from sim.engine.store import read_table, table_path

    out = copy_of(reference_run, tmp_path / "run")
    part = table_path(out, "agents", 2)
    alter_values(part)
    code, err = run_main(capsys, "plot", str(out))
    assert_names_damage(code, err, part, f"--resume --out {out}")
    assert "sha256 differs" in err

    code, err = run_main(capsys, "run", "baseline", *RUN_OPTIONS, "--out", str(out), "--resume")
    assert code == 0, err
    assert "1 damaged replication(s) 2 moved to damaged/" in err and "sha256 differs" in err
    assert (out / "damaged" / "agents" / "replication=2.parquet").is_file()
    for name in TABLES:
        assert read_table(out, name).equals(read_table(reference_run, name)), name


def test_a_replication_missing_from_the_ledger_is_set_aside_on_resume(tmp_path, capsys, reference_run):
    from sim.engine.store import read_table, table_path

    out = copy_of(reference_run, tmp_path / "run")
    # killed between renaming replication 1's files and recording them
    kept = [line for line in ledger_lines(out) if "replication=1." not in line]
    (out / "parts.jsonl").write_text("".join(f"{line}\n" for line in kept))
    code, err = run_main(capsys, "plot", str(out))
    assert_names_damage(code, err, table_path(out, "agents", 1), "--resume")
    assert "not recorded in parts.jsonl" in err

    code, err = run_main(capsys, "run", "baseline", *RUN_OPTIONS, "--out", str(out), "--resume")
    assert code == 0, err
    assert "1 damaged replication(s) 1 moved to damaged/" in err and "not recorded" in err
    assert all((out / "damaged" / table / "replication=1.parquet").is_file() for table in TABLES)
    for name in TABLES:
        assert read_table(out, name).equals(read_table(reference_run, name)), name


def test_a_torn_last_ledger_line_is_ignored_with_a_warning_and_its_part_run_again(tmp_path, capsys,
                                                                                 reference_experiment):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    ledger = out / "parts.jsonl"
    text = ledger.read_text()
    ledger.write_text(text[: len(text) - 40])  # killed mid-append of the last commit's outcome part
    last = out / "runs" / "part-000002.parquet"
    code, err = run_main(capsys, "analyze", str(out))
    assert_names_damage(code, err, last, "--resume")
    assert "not recorded in parts.jsonl" in err

    err = resume_experiment(capsys, experiment, out)
    assert "parts.jsonl: warning: ignored its torn last line" in err
    assert "1 damaged part(s) moved to damaged/" in err and "part-000002.parquet: not recorded" in err
    assert all(json.loads(line) for line in ledger_lines(out))  # appended after a cut, not onto the torn line
    assert_same_results(out, reference)


def test_a_garbage_line_before_the_last_names_the_ledger(tmp_path, capsys, reference_experiment):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    lines = ledger_lines(out)
    (out / "parts.jsonl").write_text("\n".join([lines[0], "{not json", *lines[1:]]) + "\n")
    for argv in (("analyze", str(out)),
                 ("experiment", str(experiment), "--out", str(out), "--resume", "--no-analyze")):
        code, err = run_main(capsys, *argv)
        assert_names_damage(code, err, out / "parts.jsonl", "move it out of the directory")
        assert "line 2 is not valid JSON" in err


def test_a_recorded_part_that_is_gone_is_named_and_its_pair_set_aside(tmp_path, capsys, reference_experiment):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    part = out / "runs" / "part-000000.parquet"
    part.unlink()
    code, err = run_main(capsys, "analyze", str(out))
    assert_names_damage(code, err, part, "--resume")
    assert "recorded in parts.jsonl when it was written, missing" in err

    err = resume_experiment(capsys, experiment, out)
    assert "runs/part-000000.parquet: recorded in parts.jsonl, missing" in err
    assert (out / "damaged" / "series" / "part-000000.parquet").is_file()  # its series part, kept
    assert_same_results(out, reference)


def test_a_directory_written_before_the_ledger_analyzes_and_is_recorded_on_resume(tmp_path, capsys,
                                                                                  reference_experiment):
    experiment, reference = reference_experiment
    out = copy_of(reference, tmp_path / "out")
    (out / "parts.jsonl").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("parts_ledger", "checksum"):
        del manifest[key]
    (out / "manifest.json").write_text(json.dumps(manifest))
    code, err = run_main(capsys, "analyze", str(out))
    assert code == 0, err

    err = resume_experiment(capsys, experiment, out)
    assert "damaged" not in err and not (out / "damaged").exists()
    assert json.loads((out / "manifest.json").read_text())["parts_ledger"] == "parts.jsonl"
    assert sorted(ledger_lines(out)) == sorted(ledger_lines(reference))  # every part adopted as it was
    assert_same_results(out, reference)
