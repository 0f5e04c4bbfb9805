"""Inputs that used to crash the command line are clean errors: exit 2, file and key named, no traceback.

Each case runs the real ``qgeo`` in-process (:func:`sim.cli.qgeo.main`) on a file written to
tmp_path: events with a table or an array where a name or a list of names is expected, TOML
nested deeper than tomllib can parse, ``extends`` chains (long and cyclic), an ``--out`` that
is a file, and a ``--scheduler`` of the wrong form. A full, read-only or unwritable disk while
results are written is exit 2 with the path and plain words, in-process and on a real tmpfs (as root).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.base.paths import PROJECT_ROOT
from sim.cli.qgeo import main
from sim.engine import store

EVENT = 'extends = "baseline"\n\n[[events]]\nyear = 2027\n'


def error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run qgeo; assert exit 2 with one ``error:`` line and no traceback; return that line."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith(f"qgeo {argv[0]}: error: "), err
    return err


@pytest.mark.parametrize(("body", "fragments"), [
    ('kind = "breakthrough"\ncapability_gain = 1.0\nactors = [{a = 1}]\n',
     ["events[0] (breakthrough)", "'actors'", "expected a list of ISO3 codes", "found [{'a': 1}]"]),
    ('kind = ["breakthrough"]\ncapability_gain = 1.0\nactors = ["RUS"]\n',
     ["events[0]", "'kind'", "expected one of export_controls, sanctions", "found ['breakthrough']"]),
    ('kind = "sanctions"\nseverity = 0.5\nactors = ["USA"]\ntargets = [["RUS"]]\n',
     ["events[0] (sanctions)", "'targets'", "expected a list of ISO3 codes", "found [['RUS']]"]),
    ('kind = {name = "breakthrough"}\ncapability_gain = 1.0\nactors = ["RUS"]\n',
     ["events[0]", "'kind'", "found {'name': 'breakthrough'}"]),
])
def test_table_or_array_instead_of_a_name_in_an_event(body, fragments, tmp_path, capsys):
    path = tmp_path / "nested_event.toml"
    path.write_text(EVENT + body, encoding="utf-8")
    err = error_of(["validate", str(path)], capsys)
    for fragment in [str(path), *fragments]:
        assert fragment in err, err


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, "{a = " * 5000 + "1" + "}" * 5000])
@pytest.mark.parametrize("command", ["validate", "run", "experiment", "calibrate"])
def test_toml_nested_too_deep_for_tomllib(command, value, tmp_path, capsys):
    path = tmp_path / f"deep_{command}.toml"
    path.write_text(f'name = "deep"\nx = {value}\n', encoding="utf-8")
    options = [] if command == "validate" else ["--out", str(tmp_path / "out")]
    err = error_of([command, str(path), *options], capsys)
    assert f"{path}: not valid TOML: arrays or inline tables nested too deep to read" in err, err


def test_an_extends_chain_of_a_thousand_files_is_read(tmp_path, capsys):
    for number in range(1000):
        parent = f"link{number + 1}.toml" if number < 999 else "baseline"
        (tmp_path / f"link{number}.toml").write_text(f'extends = "{parent}"\n', encoding="utf-8")
    (tmp_path / "link0.toml").write_text('extends = "link1.toml"\nname = "chained"\nsteps = 3\n',
                                         encoding="utf-8")
    assert main(["validate", str(tmp_path / "link0.toml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: {tmp_path / 'link0.toml'} (scenario 'chained': 3 steps, 10 replications"), out


def test_a_cyclic_extends_names_the_cycle(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nsteps = 3\n', encoding="utf-8")
    err = error_of(["validate", str(tmp_path / "a.toml")], capsys)
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert f"{a}: 'extends' forms a cycle: {a} -> {b} -> {a}" in err, err


@pytest.mark.parametrize("argv", [
    ["run", "baseline", "--steps", "2", "--replications", "1", "--no-plots"],
    ["experiment", "openness_vs_dependence", "--no-progress"],
])
def test_out_that_is_an_existing_file(argv, tmp_path, capsys):
    expected = "expected a directory, found a file"
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    err = error_of([*argv, "--out", str(blocker)], capsys)
    assert str(blocker) in err and expected in err, err
    assert blocker.read_text(encoding="utf-8") == "not a directory\n"


@pytest.mark.parametrize("scheduler", ["garbage://x", "tcp://head-node", "tcp://head-node:8786/x", "lokal"])
@pytest.mark.parametrize("command", [["experiment", "openness_vs_dependence"], ["calibrate", "history"]])
def test_scheduler_of_the_wrong_form(command, scheduler, tmp_path, capsys):
    err = error_of([*command, "--scheduler", scheduler, "--out", str(tmp_path / "out")], capsys)
    assert ("--scheduler: expected 'local' or a Dask scheduler address tcp://host:port "
            f"(e.g. tcp://head-node:8786), found {scheduler!r}") in err, err


@pytest.mark.parametrize(("number", "words"), [(errno.ENOSPC, "no space left on the device"),
                                               (errno.EROFS, "read-only file system"),
                                               (errno.EACCES, "permission denied")])
def test_a_disk_error_while_writing_results_is_exit_2_with_the_path(number, words, tmp_path, capsys,
                                                                   monkeypatch):
    def failing_write(root: Path, path: Path, frame: object) -> None:
        raise OSError(number, os.strerror(number), str(path))

    monkeypatch.setattr(store, "write_part", failing_write)
    out = tmp_path / "run"
    err = error_of(["run", "baseline", "--steps", "2", "--replications", "2", "--no-plots",
                    "--out", str(out)], capsys)
    assert f"{out / 'agents' / 'replication=0.parquet'}: cannot write: {words}" in err, err
    assert (out / "manifest.json").is_file()


def test_other_os_errors_stay_failures_of_a_run(tmp_path, capsys, monkeypatch):
    def failing_write(root: Path, path: Path, frame: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))

    monkeypatch.setattr(store, "write_part", failing_write)
    out = tmp_path / "run"
    err = error_of(["run", "baseline", "--steps", "2", "--replications", "1", "--no-plots",
                    "--out", str(out)], capsys)
    assert "1 replication failed, the first (replication 0) with OSError: [Errno 5]" in err, err
    assert "cannot write" not in err and (out / "failures.csv").is_file(), err


@pytest.mark.parametrize(("options", "words"), [("size=200k", "no space left on the device"),
                                                ("ro", "read-only file system")])
def test_a_real_full_or_read_only_disk_is_exit_2_without_a_traceback(options, words, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        out = mount / "x"
        done = subprocess.run([sys.executable, "-m", "sim.cli", "run",
                               str(PROJECT_ROOT / "scenarios" / "baseline.toml"), "--out", str(out),
                               "--replications", "3"],
                              capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT, check=False,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    finally:
        subprocess.run(["umount", str(mount)], check=True)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith("qgeo run: error: "), done.stderr
    assert str(out) in done.stderr and words in done.stderr.lower(), done.stderr


def test_a_fifo_among_the_data_files_is_never_read(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "scenarios" / "data", data)
    os.mkfifo(data / "extra.csv")  # reading it would block until a writer opens it: never
    scenario = tmp_path / "fifo.toml"
    scenario.write_text(f'extends = "baseline"\ndata = "{data}"\n', encoding="utf-8")
    for command in (["validate", str(scenario)], ["show", str(scenario)]):
        done = subprocess.run([sys.executable, "-m", "sim.cli", *command], capture_output=True, text=True,
                              timeout=60, cwd=PROJECT_ROOT, check=False,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
        assert done.returncode == 0, done.stderr
