"""Mutation fuzzing of the input files: a broken scenario or experiment file is a clean error, never a crash.

Each case takes one shipped file (``scenarios/*.toml`` or ``experiments/*.toml``), applies one
to three mutations (a value replaced by one of another TOML type, a key deleted, a key renamed
to a near-typo, an array element or a key duplicated, a value nested deep in arrays or tables),
writes it with tomli_w and runs the real ``qgeo validate`` on it in-process. The outcome must be
exit 0 (still valid) or exit 2 with one ``error:`` line naming the file; any other exception
fails the case. The cases are derandomized (the same ones every run); ``QGEO_FUZZ_EXAMPLES``
sets how many per kind of file (default 150), e.g. ``QGEO_FUZZ_EXAMPLES=5000``. Run with
``--hypothesis-show-statistics`` to see how many were tried and how they ended.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.cli.qgeo import main
from sim.inputs.experiment import EXPERIMENT_DIR
from sim.inputs.scenario import SCENARIO_DIR

EXAMPLES = int(os.environ.get("QGEO_FUZZ_EXAMPLES", "150"))
"""Cases per kind of file (scenarios, experiments)."""

Path_ = tuple[str | int, ...]
"""Where a value is in a parsed file: its keys and indices from the top."""

Mutant = tuple[str, dict[str, Any], list[str]]
"""A mutated file: the shipped file's name, its mutated table and what was done to it."""


def _shipped(directory: Path) -> dict[str, dict[str, Any]]:
    """The shipped files of a directory, parsed, with relative paths made absolute (they move to tmp)."""
    files = {}
    for path in sorted(directory.glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        for key in ("extends", "data"):
            if isinstance(table.get(key), str):
                table[key] = str((path.parent / table[key]).resolve())
        files[path.name] = table
    return files


SCENARIOS = _shipped(SCENARIO_DIR)
EXPERIMENTS = _shipped(EXPERIMENT_DIR)

STRINGS = st.one_of(
    st.sampled_from(["", "RUS", "USA", "XXX", "breakthrough", "export_controls", "baseline", "grid", "sobol",
                     "final", "share_RUS", "params.dependence_weight", "events[0].year", "../x", "/", "nan"]),
    st.text(max_size=12),
)
SCALARS = st.one_of(
    STRINGS,
    st.sampled_from([-2**63, -1, 0, 1, 2, 3, 16, 2019, 2030, 1000, 2**31, 2**63 - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)),
    st.dates(),
    st.times(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(["a", "kind", "year", "name", "RUS"]), inner,
                                            max_size=2)),
    max_leaves=6,
)
"""A value of any TOML type: string, integer, float, boolean, datetime, date, time, array, inline table."""


def _paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every place below ``value`` (table keys and array indices), depth first."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        yield (*prefix, key)
        yield from _paths(item, (*prefix, key))


def _parent(table: dict[str, Any], where: Path_) -> Any:
    for key in where[:-1]:
        table = table[key]
    return table


def _typo(draw: st.DrawFn, key: str) -> str:
    """A near-typo of a key: a letter dropped, doubled or swapped, the case changed or an 's' added."""
    if not key:
        return "x"
    at = draw(st.integers(0, len(key) - 1))
    typos = [key[:at] + key[at + 1:], key[:at] + key[at] + key[at:], key.upper(), key + "s",
             key[:at] + key[at + 1:at + 2] + key[at:at + 1] + key[at + 2:]]
    return draw(st.sampled_from([typo for typo in typos if typo and typo != key] or [key + "_"]))


def _nested(draw: st.DrawFn, value: Any) -> Any:
    """``value`` wrapped in 2 to 60 arrays or single-key tables."""
    for _ in range(draw(st.integers(2, 60))):
        value = [value] if draw(st.booleans()) else {"a": value}
    return value


@st.composite
def mutants(draw: st.DrawFn, files: dict[str, dict[str, Any]]) -> Mutant:
    """A shipped file after one to three mutations: its name, its table and what was done to it."""
    name = draw(st.sampled_from(sorted(files)))
    table = copy.deepcopy(files[name])
    done = []
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(table))
        if not places:
            break
        where = draw(st.sampled_from(places))
        parent, key = _parent(table, where), where[-1]
        operation = draw(st.sampled_from(["replace", "replace", "delete", "rename", "duplicate", "nest"]))
        if operation == "rename" and not isinstance(key, str):
            operation = "duplicate"
        if operation == "replace":
            parent[key] = draw(VALUES)
        elif operation == "delete":
            del parent[key]
        elif operation == "rename":
            new = _typo(draw, key)
            parent[new] = parent.pop(key)
        elif operation == "duplicate":
            if isinstance(parent, list):
                parent.insert(key, copy.deepcopy(parent[key]))
            else:
                parent[_typo(draw, key)] = copy.deepcopy(parent[key])
        else:
            parent[key] = _nested(draw, parent[key])
        done.append(f"{operation} {'.'.join(map(str, where))}")
    return name, table, done


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _validate_cleanly(directory: Path, mutant: Mutant) -> None:
    """Write the mutant, validate it in-process; exit 0, or exit 2 with one error line naming the file."""
    name, table, done = mutant
    path = directory / name
    path.write_text(tomli_w.dumps(table), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    event(f"exit {code}")
    message = err.getvalue()
    assert code in (0, 2), (done, message)
    if code == 0:
        assert out.getvalue().startswith("ok: ") and not message, (done, message)
    else:
        assert message.startswith("qgeo validate: error: ") and message.count("\n") == 1, (done, message)
        assert "Traceback" not in message and name in message, (done, message)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(mutant=mutants(SCENARIOS))
def test_mutated_scenarios_are_valid_or_clean_errors(workdir: Path, mutant: Mutant):
    _validate_cleanly(workdir, mutant)


@FUZZ
@given(mutant=mutants(EXPERIMENTS))
def test_mutated_experiments_are_valid_or_clean_errors(workdir: Path, mutant: Mutant):
    _validate_cleanly(workdir, mutant)
