"""Fault injection: kill runs and experiments at several points on every backend, resume, compare.

Each case starts ``qgeo`` as a child process, watches its output directory (polling with a
deadline, never a fixed sleep) and signals it after the first part appears, mid-way and near
the end: SIGKILL, then SIGTERM (exit 143, manifest "interrupted") or Ctrl-C (SIGINT to the whole
process group, as a terminal sends it: exit 130), then SIGKILL again, each session a
``--resume`` of the one before. The last ``--resume`` must leave exactly the data of an
uninterrupted run (frames compared exactly), and no process may outlive a signalled one. Ctrl-C
while a local Dask cluster starts exits 130 at once, without a traceback from any process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim.cli import main
from sim.engine.ledger import Ledger
from sim.engine.store import TABLES, ResultStore, read_table

QGEO = [sys.executable, "-m", "sim.cli"]
DEADLINE = 180.0
"""Seconds any one wait may take (generous: the machine may be busy)."""

RUN = ["run", "baseline", "--seed", "7", "--steps", "60", "--replications", "40", "--no-plots"]

EXPERIMENT = """\
name = "kill"
scenario = "baseline"
seed = 5
replications = 20
steps = 60

[design]
type = "grid"

[[inputs]]
name = "params.dependence_weight"
values = [0.5, 3.0]

[[outcomes]]
name = "capability"
metric = "capability_second_wave"

[[outcomes]]
name = "capability_series"
metric = "capability_second_wave"
stat = "series"
"""

TOTAL = 40
"""Runs of both the run (replications) and the experiment (2 points x 20 replications), each some
20-60 ms: long enough that the last ones are still to do when the output shows the others."""


@dataclass(frozen=True)
class Target:
    """A command to interrupt: its arguments (``{file}`` is the experiment file), its parts, and how it
    is stopped mid-way (SIGTERM to the process, or SIGINT to its group: Ctrl-C)."""

    arguments: tuple[str, ...]
    parts: str
    middle: signal.Signals = signal.SIGTERM

    def command(self, file: Path, out: Path, resume: bool) -> list[str]:
        words = [word.replace("{file}", str(file)) for word in self.arguments]
        return [*words, "--out", str(out), *(["--resume"] if resume else [])]

    @property
    def is_run(self) -> bool:
        return self.arguments[0] == "run"


EXPERIMENT_ARGUMENTS = ("experiment", "{file}", "--no-analyze", "--chunk-size", "1")
TARGETS = {
    "run --workers 2": Target((*RUN, "--workers", "2"), "model/replication=*.parquet"),
    "experiment serial": Target(EXPERIMENT_ARGUMENTS, "runs/part-*.parquet"),
    "experiment --workers 2": Target((*EXPERIMENT_ARGUMENTS, "--workers", "2"), "runs/part-*.parquet",
                                     middle=signal.SIGINT),
    "experiment --scheduler local": Target((*EXPERIMENT_ARGUMENTS, "--scheduler", "local", "--workers", "2"),
                                           "runs/part-*.parquet"),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, Path]:
    """Uninterrupted, serial results of the run and the experiment."""
    directory = tmp_path_factory.mktemp("reference")
    file = directory / "kill.toml"
    file.write_text(EXPERIMENT, encoding="utf-8")
    assert main([*RUN, "--out", str(directory / "run")]) == 0
    assert main(["experiment", str(file), "--no-analyze", "--out", str(directory / "experiment")]) == 0
    return {"file": file, "run": directory / "run", "experiment": directory / "experiment"}


def poll(condition: Callable[[], bool], process: subprocess.Popen, what: str) -> None:
    """Wait until ``condition()`` while ``process`` runs, checking every few milliseconds, with a deadline."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the process ended ({process.returncode}) before {what}: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no {what} within {DEADLINE:.0f} s")
        time.sleep(0.005)


def start(command: list[str]) -> subprocess.Popen:
    """Start ``qgeo`` in its own process group (so a Ctrl-C can go to the group, as from a terminal)."""
    return subprocess.Popen([*QGEO, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def signal_and_wait(process: subprocess.Popen, out: Path, how: signal.Signals, group: bool = False) -> str:
    """Send ``how`` to the process (or its group), wait for it, and check no process is left behind.

    Returns:
        Its standard error.
    """
    descendants = psutil.Process(process.pid).children(recursive=True)
    if group:
        os.killpg(process.pid, how)
    else:
        process.send_signal(how)
    _, err = process.communicate(timeout=DEADLINE)
    _, alive = psutil.wait_procs(descendants, timeout=60)
    assert alive == [], f"{alive} outlived the process signalled with {how.name}"
    mentioning = [p for p in psutil.process_iter(["cmdline"])
                  if str(out) in " ".join(p.info["cmdline"] or [])]
    assert mentioning == [], f"{mentioning} still work on {out}"
    return err


def parts(out: Path, target: Target) -> list[Path]:
    return sorted(out.glob(target.parts))


def assert_same_data(out: Path, reference: dict[str, Path], target: Target) -> None:
    """The resumed directory holds exactly the uninterrupted data (exact frame equality)."""
    if target.is_run:
        for table in TABLES:
            pd.testing.assert_frame_equal(read_table(out, table), read_table(reference["run"], table),
                                          check_exact=True)
        assert (out / "summary.csv").read_bytes() == (reference["run"] / "summary.csv").read_bytes()
        return
    mine, theirs = ResultStore(out), ResultStore(reference["experiment"])
    assert len(mine.outcomes()) == TOTAL
    pd.testing.assert_frame_equal(mine.outcomes(), theirs.outcomes(), check_exact=True)
    pd.testing.assert_frame_equal(mine.series(), theirs.series(), check_exact=True)
    pd.testing.assert_frame_equal(mine.plan(), theirs.plan(), check_exact=True)


EXIT = {signal.SIGKILL: -signal.SIGKILL, signal.SIGTERM: 143, signal.SIGINT: 130}
"""Exit status of the process for each signal (a negative one: killed by it)."""


@pytest.mark.parametrize("name", list(TARGETS))
def test_killed_at_several_points_and_resumed_gives_the_uninterrupted_data(name, reference, tmp_path):
    target, out = TARGETS[name], tmp_path / "out"
    steps = ((signal.SIGKILL, 1), (target.middle, TOTAL // 2), (signal.SIGKILL, TOTAL - 8))
    before = 0  # parts before the step
    for index, (how, count) in enumerate(steps):
        process = start(target.command(reference["file"], out, resume=index > 0))
        wanted = max(count, before + 1)
        poll(lambda wanted=wanted: len(parts(out, target)) >= wanted, process, f"{wanted} parts")
        err = signal_and_wait(process, out, how, group=how == signal.SIGINT)
        assert process.returncode == EXIT[how], err
        done = parts(out, target)
        for path in done:
            pd.read_parquet(path)  # never a half-written file under a final name
        assert before < len(done) < TOTAL
        before = len(done)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        if how == signal.SIGKILL:
            assert manifest["status"] == "running"  # killed: nothing could record the end
        else:
            assert ("terminated" if how == signal.SIGTERM else "interrupted") in err and "--resume" in err
            assert "Traceback" not in err and "KeyboardInterrupt" not in err
            assert manifest["status"] == "interrupted" and manifest["sessions"][-1]["status"] == "interrupted"
    # a part renamed into place but not yet recorded in parts.jsonl when killed is run again
    recorded, _ = Ledger(out).read()
    before = sum(recorded.has(path) for path in parts(out, target))
    assert main(target.command(reference["file"], out, resume=True)) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["counts"]["done"] == TOTAL
    assert len(manifest["sessions"]) == len(steps) + 1
    assert manifest["sessions"][-1]["to_run"] == TOTAL - before
    assert not list(out.rglob(".*.tmp"))
    assert_same_data(out, reference, target)


def test_ctrl_c_while_a_local_dask_cluster_starts_exits_130_at_once(reference, tmp_path):
    target, out = TARGETS["experiment --scheduler local"], tmp_path / "out"
    process = start(target.command(reference["file"], out, resume=False))
    parent = psutil.Process(process.pid)
    poll(lambda: bool(parent.children()), process, "a child process")  # the cluster is starting
    clock = time.monotonic()
    err = signal_and_wait(process, out, signal.SIGINT, group=True)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not (out / "manifest.json").exists()  # stopped before the experiment started
    assert time.monotonic() - clock < 60


def helpers(process: subprocess.Popen) -> list[psutil.Process]:
    """The worker processes of a ``qgeo`` child (not multiprocessing's resource tracker)."""
    return [child for child in psutil.Process(process.pid).children()
            if "resource_tracker" not in " ".join(child.cmdline())]


@pytest.mark.parametrize(("who", "how", "code", "says"), [
    ("group", signal.SIGTERM, 143, "terminated (SIGTERM)"),
    ("helper", signal.SIGTERM, 143, "terminated (SIGTERM)"),
    ("helper", signal.SIGKILL, 1, "a worker process died"),
])
def test_a_signalled_worker_ends_the_run_cleanly_and_resume_completes_it(who, how, code, says, reference,
                                                                         tmp_path):
    """SIGTERM to the process group (a batch scheduler, a closing terminal) or to a worker alone ends the
    command as terminated, whichever process it reaches first; a worker killed outright is a lost worker
    (exit 1). Neither prints a traceback, and ``--resume`` then completes the uninterrupted data."""
    target, out = TARGETS["run --workers 2"], tmp_path / "out"
    process = start(target.command(reference["file"], out, resume=False))
    poll(lambda: len(parts(out, target)) >= 2 and bool(helpers(process)), process, "2 parts and a helper")
    if who == "group":
        err = signal_and_wait(process, out, how, group=True)
    else:
        helpers(process)[0].send_signal(how)
        _, err = process.communicate(timeout=DEADLINE)
    assert process.returncode == code, err
    assert says in err and "--resume" in err and "Traceback" not in err, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == ("interrupted" if code == 143 else "aborted")
    assert main(target.command(reference["file"], out, resume=True)) == 0
    assert_same_data(out, reference, target)
