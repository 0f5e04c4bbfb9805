"""One engine for runs and experiments: identical data, backends from a registry, no orphan processes."""

from __future__ import annotations

import itertools
import json
import operator
import os
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from threadpoolctl import threadpool_info

from sim.cli import main
from sim.engine.backends import (
    BACKENDS,
    WORKERS_PER_CORE,
    DaskBackend,
    ProcessBackend,
    SerialBackend,
    WorkerLost,
    backend_for,
    usable_cores,
    worker_count,
)
from sim.engine.batch import run_scenario
from sim.engine.execute import rerun, run_experiment
from sim.engine.plan import chunked, experiment_plan, plan_runs
from sim.engine.runner import one_blas_thread
from sim.engine.store import TABLES, ResultStore, read_table, table_path
from sim.inputs.design import build_design
from sim.inputs.experiment import load_experiment
from sim.inputs.scenario import load_scenario
from sim.model import kernels

QGEO = str(Path(sys.executable).parent / "qgeo")

ONE_POINT = """\
name = "one_point"
scenario = "baseline"
seed = {seed}
replications = {replications}
steps = {steps}

[design]
type = "grid"

[[inputs]]
name = "params.dependence_weight"
values = [2.5]

[[outcomes]]
name = "capability"
metric = "capability_second_wave"

[[outcomes]]
name = "capability_series"
metric = "capability_second_wave"
stat = "series"

[[outcomes]]
name = "hhi_series"
metric = "hhi_second_wave"
stat = "series"
"""


def test_a_run_and_a_one_point_experiment_give_identical_data(tmp_path, capsys):
    seed, replications, steps = 11, 4, 5
    run_dir = tmp_path / "run"
    assert main(["run", "--seed", str(seed), "--replications", str(replications), "--steps", str(steps),
                 "--set", "params.dependence_weight=2.5", "--no-plots", "--out", str(run_dir)]) == 0
    path = tmp_path / "one_point.toml"
    path.write_text(ONE_POINT.format(seed=seed, replications=replications, steps=steps), encoding="utf-8")
    experiment = load_experiment(path)
    run_experiment(experiment, tmp_path / "experiment", workers=2, chunk_size=1)
    store = ResultStore(tmp_path / "experiment")
    outcomes, series = store.outcomes(), store.series()
    model = read_table(run_dir, "model")
    agents = read_table(run_dir, "agents")
    assert list(outcomes["run"]) == list(outcomes["replication"]) == list(range(replications))
    for k in range(replications):
        rows = model[model["replication"] == k].reset_index(drop=True)
        assert set(rows["seed"]) == {outcomes.loc[k, "seed"]}
        assert rows["capability_second_wave"].iloc[-1] == outcomes.loc[k, "capability"]
        stored = series[series["run"] == k].reset_index(drop=True)
        assert stored["year"].tolist() == rows["year"].tolist()
        assert stored["capability_series"].tolist() == rows["capability_second_wave"].tolist()
        assert stored["hhi_series"].tolist() == rows["hhi_second_wave"].tolist()
        again_model, again_agents, _ = rerun(experiment, k)
        pd.testing.assert_frame_equal(again_model, rows)
        pd.testing.assert_frame_equal(again_agents, agents[agents["replication"] == k].reset_index(drop=True))
    capsys.readouterr()


def test_ctrl_c_inside_a_compiled_kernel_interrupts_the_session_not_the_run(tmp_path, monkeypatch, capsys):
    # A SIGINT landing while a numba kernel runs comes out of the call as CPython's SystemError
    # "returned a result with an exception set", caused by the KeyboardInterrupt (seen under load
    # in CI). The third kernel call fails that way, as CPython makes it.
    calls = {"n": 0}
    compiled = kernels.peer_sums

    def interrupted_kernel(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt as cause:
                message = "CPUDispatcher(peer_sums) returned a result with an exception set"
                raise SystemError(message) from cause
        return compiled(*args)

    monkeypatch.setattr(kernels, "peer_sums", interrupted_kernel)
    out = tmp_path / "run"
    assert main(["run", "--replications", "3", "--steps", "4", "--no-plots", "--out", str(out)]) == 130
    assert "--resume" in capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["counts"]["failed"] == 0


def test_two_workers_write_every_table_as_serial_does(tmp_path):
    scenario = load_scenario("export_controls", overrides={"steps": 6, "replications": 9, "seed": 5})
    serial = run_scenario(scenario, tmp_path / "serial", workers=1, plots=False)
    parallel = run_scenario(scenario, tmp_path / "parallel", workers=2, plots=False)
    for table in TABLES:
        pd.testing.assert_frame_equal(read_table(serial, table), read_table(parallel, table))
    assert (serial / "summary.csv").read_bytes() == (parallel / "summary.csv").read_bytes()
    manifest = json.loads((parallel / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["done"] == 9
    assert manifest["sessions"][0]["backend"].startswith("processes")


def test_a_run_directory_written_before_sessions_were_recorded_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    options = ["--steps", "3", "--replications", "3", "--no-plots", "--out", str(out)]
    assert main(["run", *options]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("sessions", "status", "counts", "seed_rule"):  # what the old layout did not have
        del manifest[key]
    (out / "manifest.json").write_text(json.dumps(manifest))
    for table in TABLES:
        table_path(out, table, 2).unlink()
    assert main(["run", *options, "--resume"]) == 0
    assert "(1 run now)" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 1
    assert len(read_table(out, "model")) == 3 * 4


def test_backends_come_from_one_registry():
    assert {name: type(backend_for(*args)) for name, args in {
        "serial": (1, None), "processes": (2, None), "dask": (2, "local")}.items()} == {
        "serial": SerialBackend, "processes": ProcessBackend, "dask": DaskBackend}
    assert set(BACKENDS) == {"serial", "processes", "dask"}


# ----------------------------------------------------------------------------- Backend.map
def counted_items(drawn: list[int]) -> Iterator[int]:
    """0, 1, 2, ... without end, recording each item as it is drawn."""
    for item in itertools.count():
        drawn.append(item)
        yield item


@pytest.mark.parametrize("name, workers", [("serial", 1), ("processes", 2), ("dask", 2)])
def test_map_hands_back_every_result_and_draws_items_only_as_needed(name, workers):
    options = {"workers": workers, "scheduler": "local" if name == "dask" else None}
    with BACKENDS[name](**options) as backend:
        results: dict[int, int] = {}
        backend.map(operator.mul, 3, range(20), lambda item, result: results.__setitem__(item, result))
        assert results == {item: 3 * item for item in range(20)}
        # an endless generator: returning True stops the map; at most two items per worker are ahead
        drawn: list[int] = []
        stopped: dict[int, int] = {}

        def stop_at_five(item: int, result: int) -> bool:
            stopped[item] = result
            return len(stopped) == 5

        backend.map(operator.mul, 3, counted_items(drawn), stop_at_five)
        assert len(stopped) == 5 and all(result == 3 * item for item, result in stopped.items())
        assert len(drawn) <= 5 + 2 * workers + 1
        if name == "serial":
            assert drawn == sorted(stopped) == [0, 1, 2, 3, 4]
        # the backend serves another map after a stopped one
        again: dict[int, int] = {}
        backend.map(operator.mul, 2, range(6), lambda item, result: again.__setitem__(item, result))
        assert again == {item: 2 * item for item in range(6)}


def test_a_failed_dask_task_is_handed_to_on_failure_or_raised():
    with DaskBackend(workers=2) as backend:
        results: dict[int, object] = {}
        backend.map(operator.truediv, 6, [1, 0, 2], lambda item, result: results.__setitem__(item, result),
                    on_failure=lambda item, error: type(error).__name__)
        assert results == {1: 6.0, 0: "ZeroDivisionError", 2: 3.0}
        with pytest.raises(ZeroDivisionError):
            backend.map(operator.truediv, 6, [0], lambda item, result: None)


def exit_in_a_helper(shared: tuple[int, str], item: int) -> int:
    """In a helper: leave a mark and die. In the parent: wait for the mark (a helper took an item)."""
    parent, folder = shared
    mark = Path(folder) / "picked"
    if os.getpid() != parent:
        mark.touch()
        os._exit(1)
    deadline = time.monotonic() + 120
    while not mark.exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return item


def test_a_dead_helper_process_is_a_worker_lost(tmp_path):
    with ProcessBackend(workers=2) as backend, pytest.raises(WorkerLost, match="a worker process died"):
        backend.map(exit_in_a_helper, (os.getpid(), str(tmp_path)), range(10), lambda item, result: None)


def wait_then_interrupt(shared: tuple[int, str], item: int) -> int:
    """In a helper: say the item started, wait for the parent's go. In the parent: Ctrl-C once item 0 runs."""
    parent, folder = shared
    directory = Path(folder)
    deadline = time.monotonic() + 120
    if os.getpid() != parent:
        (directory / f"started-{item}").touch()
        while not (directory / "go").exists():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        return 10 * item
    while not (directory / "started-0").exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (directory / "go").touch()
    raise KeyboardInterrupt


def test_ctrl_c_in_a_process_map_hands_back_the_helpers_running_items(tmp_path):
    results: dict[int, int] = {}
    with ProcessBackend(workers=2) as backend:
        with pytest.raises(KeyboardInterrupt):
            backend.map(wait_then_interrupt, (os.getpid(), str(tmp_path)), range(10),
                        lambda item, result: results.__setitem__(item, result))
    assert 0 in results and set(results) <= {0, 1}  # the helper's items; the parent's item 2 was cut
    assert all(result == 10 * item for item, result in results.items())


def test_blas_runs_one_thread_while_a_model_steps():
    def blas_threads() -> set[int]:
        return {entry["num_threads"] for entry in threadpool_info() if entry["user_api"] == "blas"}

    with one_blas_thread():
        assert blas_threads() == {1}


# ----------------------------------------------------------------------------- bounded resources
def test_workers_are_capped_at_the_runs_and_a_multiple_of_the_cores(tmp_path, capsys):
    most = WORKERS_PER_CORE * usable_cores()
    assert worker_count(10_000, "local", runs=10**6) == most
    cores = f"{WORKERS_PER_CORE} per core on {usable_cores()} usable core"
    assert f"warning: --workers 10000: using {most} ({cores}" in capsys.readouterr().err
    assert worker_count(10_000, "tcp://head:8786", runs=3) == 10_000  # a remote cluster's workers are its own
    assert worker_count(2, runs=40) == 2 and capsys.readouterr().err == ""
    path = tmp_path / "one_point.toml"
    path.write_text(ONE_POINT.format(seed=1, replications=3, steps=2), encoding="utf-8")
    out = tmp_path / "experiment"
    assert main(["experiment", str(path), "--out", str(out), "--workers", "10000", "--no-analyze"]) == 0
    assert "warning: --workers 10000: using 3 (one per run of 3 runs)" in capsys.readouterr().err
    assert ResultStore(out).manifest()["sessions"][0]["workers"] == 3
    assert main(["run", "--replications", "2", "--steps", "1", "--workers", "5", "--no-plots",
                 "--out", str(tmp_path / "run")]) == 0
    assert "warning: --workers 5: using 2 (one per run of 2 runs)" in capsys.readouterr().err
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["sessions"][0]["workers"] == 2


def test_the_plan_is_written_and_read_a_block_at_a_time(tmp_path):
    # 50,000 runs: the whole plan as dicts takes some 16 MB; a block of 10,000 about 4 MB
    values = ", ".join(str(0.5 + k / 1000) for k in range(500))
    path = tmp_path / "large.toml"
    path.write_text(ONE_POINT.format(seed=3, replications=100, steps=2).replace("[2.5]", f"[{values}]"),
                    encoding="utf-8")
    experiment = load_experiment(path)
    design = build_design(experiment)
    store = ResultStore(tmp_path / "out")
    store.root.mkdir()
    tracemalloc.start()
    try:
        store.create(experiment, design, experiment_plan(experiment, design))
        plan = store.stored_plan()
        sizes, first, last = [], None, None
        for chunk in chunked(plan.rows(skip=np.arange(0, 50_000, 2)), 25_000, workers=2, size=5_000):
            sizes.append(len(chunk))
            first, last = first or chunk[0], chunk[-1]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert plan.size == 50_000 and sizes == [5_000] * 5
    assert peak < 8e6, f"{peak / 1e6:.1f} MB"
    whole = plan_runs(experiment, design)
    pd.testing.assert_frame_equal(store.plan(), whole, check_exact=True)
    assert (first, last) == (whole.iloc[1].to_dict(), whole.iloc[-1].to_dict())


# ----------------------------------------------------------------------------- no orphans
def kill_and_look_for_survivors(process: subprocess.Popen, ready) -> list[psutil.Process]:
    """SIGKILL ``process`` once ``ready()`` and it has children; return the children still alive."""
    deadline = time.monotonic() + 120
    parent = psutil.Process(process.pid)
    while not (ready() and parent.children(recursive=True)):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    children = parent.children(recursive=True)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    _, alive = psutil.wait_procs(children, timeout=20)
    return alive


def test_no_process_outlives_a_killed_ui():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([QGEO, "ui", "--port", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    assert kill_and_look_for_survivors(process, lambda: True) == []


def test_guided_chunks_shrink_to_the_backends_fewest_runs():
    rows = [{"run": k} for k in range(300)]
    for fewest in (1, 4):
        chunks = list(chunked(iter(rows), 300, workers=2, fewest=fewest))
        sizes = [len(chunk) for chunk in chunks]
        assert [row for chunk in chunks for row in chunk] == rows  # every run once, in order
        assert sizes == sorted(sizes, reverse=True) and max(sizes) <= 25
        assert min(sizes[:-1]) == fewest and sizes[-1] <= fewest
    assert DaskBackend.fewest_runs > SerialBackend.fewest_runs == ProcessBackend.fewest_runs == 1
