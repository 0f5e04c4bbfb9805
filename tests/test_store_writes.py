"""The store's fast paths write and read exactly what the slow ones did (issue 11, the engine's overhead).

Parts are written by Arrow with a reused schema, run tables read back as one Arrow table, the
versions of a manifest read from the packages' headers: each is compared here with the pandas or
importlib call it replaces, on real model output.
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.engine.batch import run_scenario
from sim.engine.provenance import PACKAGES, package_version, versions
from sim.engine.runner import simulate
from sim.engine.store import TABLES, DamagedFile, ResultStore, read_part, read_table, table_path, write_table
from sim.inputs.scenario import load_scenario


def awkward(seed: int) -> pd.DataFrame:
    """A frame of every dtype the schema cache takes, with missing values, and a non-default index."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "i": rng.integers(-5, 5, 4), "f": [rng.random(), np.nan, -0.0, np.inf],
        "b": [True, False, bool(seed % 2), True], "u": np.arange(4, dtype="uint8"),
        "f32": np.array([1.5, np.nan, 3.0, seed], dtype="float32"),
        "s": pd.array(["a", None, "ccc", str(seed)], dtype="str"),
    }, index=[7, 3, 9, 1])


def test_parts_are_the_bytes_pandas_writes_also_for_the_schema_reused(tmp_path):
    scenario = load_scenario("baseline", overrides={"steps": 3})
    frames = [simulate(scenario, seed, replication=k) for k, seed in enumerate((11, 12))]
    cases = [(table, getattr(data, table)) for data in frames for table in TABLES]
    cases += [("awkward", awkward(seed)) for seed in range(3)]  # the second and third reuse the schema
    cases.append(("object", pd.DataFrame({"o": ["x", None], "d": [{"a": 1}, {"a": 2}]}, dtype=object)))
    for number, (name, frame) in enumerate(cases):
        mine, theirs = tmp_path / f"{number}-{name}.parquet", tmp_path / f"{number}-{name}-pandas.parquet"
        write_table(mine, frame)
        frame.to_parquet(theirs, index=False)
        assert mine.read_bytes() == theirs.read_bytes(), name
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_run_directory_reads_back_as_the_concatenation_of_its_files(tmp_path):
    scenario = load_scenario("baseline", overrides={"steps": 3, "replications": 3})
    run_dir = run_scenario(scenario, tmp_path / "run", plots=False, progress=False)
    for table in TABLES:
        paths = [table_path(run_dir, table, k) for k in range(3)]
        expected = pd.concat([pq.read_table(path).to_pandas() for path in paths], ignore_index=True)
        frame = read_table(run_dir, table)
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
        assert list(frame.dtypes) == list(expected.dtypes) and isinstance(frame.index, pd.RangeIndex)
    first = read_part(table_path(run_dir, "model", 0), "", ["step", "year"])
    assert list(first.columns) == ["step", "year"] and len(first) == 4


def test_a_missing_column_or_a_truncated_file_is_named(tmp_path):
    path = tmp_path / "part.parquet"
    write_table(path, awkward(0))
    with pytest.raises(DamagedFile, match=r"part\.parquet: damaged \(not a readable Parquet file: no column "
                                          r"'run'\); rebuild it"):
        read_part(path, "rebuild it", ["i", "run"])
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DamagedFile, match=r"truncated\.parquet: damaged"):
        read_part(truncated, "rebuild it")


def test_an_experiment_store_counts_the_parts_it_wrote_and_those_set_aside(tmp_path):
    store = ResultStore(tmp_path)
    store.runs_dir.mkdir(parents=True)
    for number, runs in enumerate(([0, 1], [2])):
        write_table(store.runs_dir / f"part-{number:06d}.parquet", pd.DataFrame({"run": np.array(runs)}))
    assert store.done_runs().tolist() == [0, 1, 2]
    (store.runs_dir / "part-000001.parquet").unlink()  # gone (e.g. set aside): no longer counted
    assert store.done_runs().tolist() == [0, 1]


def test_manifest_versions_are_those_of_importlib():
    for name in ("qgeo", *PACKAGES):
        assert package_version(name) == version(name), name
    assert versions()["pandas"] == pd.__version__


def test_a_package_that_is_not_installed_is_said_so(monkeypatch):
    monkeypatch.setattr("sim.engine.provenance.PACKAGES", ("surely-not-a-package-qgeo",))
    assert versions()["surely-not-a-package-qgeo"] == "not installed"
