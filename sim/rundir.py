"""The run directory: provenance manifest, per-replication Parquet files, summary, resume.

Layout::

    <run>/manifest.json                      versions, resolved scenario, digest, seeds, times, command
    <run>/model/replication=<k>.parquet      model-level data, one row per step
    <run>/agents/replication=<k>.parquet     per-country data, one row per step and country
    <run>/edges/replication=<k>.parquet      partnerships, one row per step, provider and receiver
    <run>/summary.csv                        mean, sd, n and 95% CI per step and outcome
    <run>/plots/                             PNG and SVG figures

Each replication's files are written to a temporary name and renamed into place
when complete, agents and edges before model data, so a replication counts as
finished exactly when its model file exists, and a killed run never leaves a
half-written file.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UserError
from sim.runner import ReplicationData
from sim.scenario import Scenario, display_path

MANIFEST = "manifest.json"
RUN_MARKER = "qgeo_run"
"""Key that marks a run directory's manifest (an experiment's has ``experiment`` instead)."""
SUMMARY = "summary.csv"
TABLES: tuple[str, ...] = ("agents", "edges", "model")
"""Per-replication tables, in the order they are written (``model`` last marks completion)."""
DEPENDENCIES: tuple[str, ...] = (
    "mesa", "numpy", "pandas", "pyarrow", "networkx", "scipy", "pydantic", "matplotlib",
)
"""Packages whose versions the manifest records."""


class RunDirError(UserError):
    """A run directory that cannot be written or resumed."""


def now() -> str:
    """The current time in UTC as ISO 8601 text."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    """Versions of Python, qgeo and the dependencies that determine results.

    Returns:
        Package name -> version (``"not installed"`` if missing).
    """
    found = {"python": platform.python_version()}
    for name in ("qgeo", *DEPENDENCIES):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def table_path(run_dir: Path, table: str, replication: int) -> Path:
    """Where one replication's table is stored.

    Args:
        run_dir: The run directory.
        table: One of :data:`TABLES`.
        replication: The replication index.

    Returns:
        ``<run_dir>/<table>/replication=<k>.parquet``.
    """
    return Path(run_dir) / table / f"replication={replication}.parquet"


def write_json(path: Path, content: dict[str, Any]) -> None:
    """Write JSON atomically (temporary file, then rename).

    Args:
        path: Destination.
        content: JSON-serialisable data.
    """
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(content, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def read_manifest_file(directory: Path) -> dict[str, Any]:
    """Read the manifest of any qgeo output directory (run, calibration), whatever wrote it.

    Args:
        directory: The output directory.

    Returns:
        The manifest.

    Raises:
        RunDirError: If it is missing or not valid JSON.
    """
    path = Path(directory) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunDirError(
            f"{display_path(directory)}: expected a run directory with {MANIFEST}, found none"
        ) from None
    except json.JSONDecodeError as error:
        raise RunDirError(f"{display_path(path)}: not valid JSON: {error}") from None


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """Read a run directory's manifest.

    Args:
        run_dir: The run directory.

    Returns:
        The manifest.

    Raises:
        RunDirError: If it is missing, not valid JSON or not written by `qgeo run`.
    """
    manifest = read_manifest_file(run_dir)
    if not isinstance(manifest, dict) or RUN_MARKER not in manifest:
        found = ("an experiment's output directory (see `qgeo analyze`)"
                 if isinstance(manifest, dict) and "experiment" in manifest else f"another {MANIFEST}")
        raise RunDirError(f"{display_path(run_dir)}: expected a run directory written by `qgeo run`, "
                          f"found {found}")
    return manifest


def make_directory(path: Path, option: str = "--out") -> None:
    """Create an output directory and its parents, or say why it cannot be created.

    Args:
        path: The directory.
        option: The option that named it, for the message.

    Raises:
        RunDirError: If it cannot be created (a file in the way, no permission, read-only disk).
    """
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunDirError(f"{option} {display_path(path)}: cannot create the directory "
                          f"({error.strerror or error})") from None


def prepare(run_dir: Path, scenario: Scenario, resume: bool, command: Sequence[str],
            posterior: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create or reopen a run directory and write its manifest.

    Args:
        run_dir: The directory.
        scenario: The resolved scenario to run.
        resume: Whether an existing run of the same scenario may be continued.
        command: The command line, recorded in the manifest.
        posterior: The posterior draws the replications run with (:meth:`sim.posterior.Posterior.record`).

    Returns:
        The manifest as written.

    Raises:
        RunDirError: If the directory is not empty and ``resume`` is False, or if it holds a
            run of a different scenario or posterior.
    """
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise RunDirError(f"{display_path(run_dir)}: expected a directory for the run, found a file")
    occupied = run_dir.is_dir() and any(run_dir.iterdir())
    digest = scenario.digest()
    seeds = scenario.replication_seeds()
    manifest: dict[str, Any] = {
        RUN_MARKER: 1,
        "versions": versions(),
        "platform": platform.platform(),
        "scenario": scenario.to_toml_dict(),
        "scenario_source": str(scenario.source) if scenario.source else None,
        "parameters": scenario.effective_params(),
        "digest": digest,
        "replications": [{"replication": k, "seed": seed} for k, seed in enumerate(seeds)],
        "started": now(),
        "finished": None,
        "command": list(command),
        "resumed": [],
    }
    if posterior is not None:
        manifest["posterior"] = posterior
    if occupied and not resume:
        raise RunDirError(
            f"{display_path(run_dir)}: expected an empty or new directory, found an existing one with "
            "files; use --resume to continue the run in it, or choose another --out"
        )
    if occupied:
        previous = read_manifest(run_dir)
        if previous.get("digest") != digest:
            raise RunDirError(
                f"{display_path(run_dir)}: cannot resume: the run there is of a different scenario "
                f"(digest {str(previous.get('digest'))[:12]}..., expected {digest[:12]}...; "
                f"scenario {previous.get('scenario', {}).get('name')!r}); give the same scenario, "
                "options and --set values, or choose another --out"
            )
        if previous.get("posterior") != manifest.get("posterior"):
            before = previous.get("posterior")
            there = "no posterior" if before is None else f"draws from the posterior in {before['directory']}"
            here = "none" if posterior is None else f"draws from --posterior {posterior['directory']}"
            raise RunDirError(f"{display_path(run_dir)}: cannot resume: the run there used {there}, this "
                              f"one {here}; give the same --posterior and --draws, or choose another --out")
        manifest["started"] = previous.get("started")
        manifest["resumed"] = [*previous.get("resumed", []), {"at": now(), "command": list(command)}]
    make_directory(run_dir)
    for table in TABLES:
        (run_dir / table).mkdir(exist_ok=True)
    write_json(run_dir / MANIFEST, manifest)
    return manifest


def finished(run_dir: Path, replications: int) -> list[int]:
    """Replications whose data are complete.

    Args:
        run_dir: The run directory.
        replications: Number of replications of the run.

    Returns:
        Indices of finished replications, ascending.
    """
    return [k for k in range(replications) if all(table_path(run_dir, t, k).is_file() for t in TABLES)]


def write_replication(run_dir: Path, data: ReplicationData, replication: int) -> None:
    """Write one replication's tables atomically, the model table last.

    Args:
        run_dir: The run directory.
        data: The replication's data (with agent data).
        replication: Its index.

    Raises:
        ValueError: If the agent data is missing.
    """
    if data.agents is None:
        raise ValueError("a run directory needs agent data: simulate with collect_agents=True")
    for table in TABLES:
        path = table_path(run_dir, table, replication)
        temporary = path.with_name(f".{path.name}.tmp")
        getattr(data, table).to_parquet(temporary, index=False)
        os.replace(temporary, path)


def read_table(run_dir: Path, table: str, replications: Sequence[int] | None = None) -> pd.DataFrame:
    """Read one table of a run, all replications concatenated in replication order.

    Args:
        run_dir: The run directory.
        table: One of :data:`TABLES`.
        replications: Which replications (default: every finished one).

    Returns:
        The concatenated frame.

    Raises:
        RunDirError: If no replication has data.
    """
    run_dir = Path(run_dir)
    if replications is None:
        manifest = read_manifest(run_dir)
        replications = finished(run_dir, len(manifest["replications"]))
    paths = [table_path(run_dir, table, k) for k in replications]
    if not paths:
        raise RunDirError(f"{display_path(run_dir)}: expected finished replications, found none")
    return pd.concat([pd.read_parquet(path) for path in paths], ignore_index=True)


def complete(run_dir: Path, manifest: dict[str, Any]) -> None:
    """Record the end time in the manifest.

    Args:
        run_dir: The run directory.
        manifest: The manifest written by :func:`prepare`.
    """
    manifest["finished"] = now()
    write_json(Path(run_dir) / MANIFEST, manifest)

