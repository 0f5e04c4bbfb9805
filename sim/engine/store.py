"""The one store: run and experiment directories (manifest, atomic Parquet parts, failures, resume).

Every file is written under a temporary name and renamed into place (:func:`atomic_write`),
so a killed process never leaves a half-written file under a final name, and every
directory records its sessions, status and counts in ``manifest.json`` the same way.

A run directory (``qgeo run``, :class:`RunStore`)::

    <run>/manifest.json                      versions, resolved scenario, digest, seeds, times, command,
                                             sessions
    <run>/model/replication=<k>.parquet      model-level data, one row per step
    <run>/agents/replication=<k>.parquet     per-country data, one row per step and country
    <run>/edges/replication=<k>.parquet      partnerships, one row per step, provider and receiver
    <run>/summary.csv                        mean, sd, n and 95% CI per step and outcome
    <run>/plots/                             PNG and SVG figures
    <run>/failures.jsonl, failures.csv       failed replications, if any

A replication's tables are written by the process that ran it, agents and edges first,
model last, so it counts as finished exactly when its model file exists.

An experiment directory (``qgeo experiment``, :class:`ResultStore`)::

    manifest.json      provenance: versions, experiment file and hash, scenario digest, design,
                       root seed, sessions (start, end, command, backend), counts
    experiment.toml    the experiment file as run
    design.parquet     design points (applied values and the sampler's raw values)
    plan.parquet       one row per run: run, point, replication, seed, inputs
    runs/part-*.parquet     outcomes of finished runs (with run, point, replication, seed, inputs)
    series/part-*.parquet   series outcomes (run, step, year, one column per series outcome)
    failures.jsonl     every failed attempt; failures.csv: the runs that are failed now

Each finished chunk of an experiment becomes one new part (its series part first, the
outcome part last as the commit), so no file is ever rewritten and memory stays flat
in the number of runs. ``resume`` runs only the runs missing from the store. A run stored
in more than one part (two writers at once, before directories were locked) is read once
(:meth:`ResultStore.duplicate_runs` counts the extra copies).

Opening a store for writing creates its directory and takes its lock
(:class:`sim.engine.lock.DirectoryLock`, ``<dir>/.qgeo.lock``) before anything else is read or
written, so a second writer of the same directory stops with a message instead of running
the same runs again; :meth:`Store.close` releases it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.base.errors import UserError
from sim.engine.lock import LOCK_FILE, DirectoryLock
from sim.engine.provenance import RUN_MARKER, experiment_manifest, now, run_manifest
from sim.inputs.experiment import ExperimentError
from sim.inputs.scenario import Scenario, display_path

if TYPE_CHECKING:
    from sim.engine.runner import ChunkResult, ReplicationData
    from sim.inputs.design import Design
    from sim.inputs.experiment import Experiment
    from sim.inputs.posterior import Posterior

MANIFEST = "manifest.json"
SUMMARY = "summary.csv"
FAILURES_LOG = "failures.jsonl"
FAILURES_TABLE = "failures.csv"
TABLES: tuple[str, ...] = ("agents", "edges", "model")
"""Per-replication tables of a run directory, in the order they are written (``model`` last marks
completion)."""


class RunDirError(UserError):
    """A run directory that cannot be written or resumed."""


# --------------------------------------------------------------------------- atomic files
def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file under a temporary name in its directory, then rename it into place.

    A failed write (a full or read-only disk, say) leaves no temporary file behind where it can
    remove it, and its ``OSError`` names the destination.

    Args:
        path: Destination.
        write: Writes the content to the path it is given.

    Raises:
        OSError: The write failed; ``filename`` is the destination.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        if error.errno is None:
            raise
        raise OSError(error.errno, error.strerror, str(path)) from error


def write_json(path: Path, content: Mapping[str, Any]) -> None:
    """Write JSON atomically.

    Args:
        path: Destination.
        content: JSON-serialisable data.
    """
    text = json.dumps(dict(content), indent=2, default=str) + "\n"
    atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """Write a frame as Parquet atomically (without its index).

    Args:
        path: Destination.
        frame: The table.
    """
    atomic_write(path, lambda temporary: frame.to_parquet(temporary, index=False))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a frame as CSV atomically (without its index).

    Args:
        path: Destination.
        frame: The table.
    """
    atomic_write(path, lambda temporary: frame.to_csv(temporary, index=False))


def make_directory(path: Path, option: str = "--out") -> None:
    """Create an output directory and its parents, or say why it cannot be created.

    Args:
        path: The directory.
        option: The option that named it, for the message.

    Raises:
        RunDirError: If it is a file or cannot be created (a file in the way, no permission,
            read-only disk).
    """
    if Path(path).exists() and not Path(path).is_dir():
        raise RunDirError(f"{option} {display_path(path)}: expected a directory, found a file")
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RunDirError(f"{option} {display_path(path)}: cannot create the directory "
                          f"({error.strerror or error})") from None


def lock_directory(path: Path, command: str | None = None, option: str = "--out") -> DirectoryLock:
    """Create an output directory if needed and take its lock, for one writer at a time.

    A directory created here is removed again on release if nothing was written in it.

    Args:
        path: The directory.
        command: The writer's command line, recorded in the lock file (default: this process's).
        option: The option that named the directory, for the message.

    Returns:
        The held lock (release it, or use it as a context manager).

    Raises:
        RunDirError: If the directory cannot be created.
        DirectoryLocked: If another process holds its lock.
    """
    created = not Path(path).exists()
    make_directory(path, option)
    return DirectoryLock(path, command, created).acquire()


def has_files(directory: Path) -> bool:
    """Whether a directory holds anything besides its lock file.

    Args:
        directory: The directory.

    Returns:
        True if it is a directory with at least one other entry.
    """
    directory = Path(directory)
    return directory.is_dir() and any(entry.name != LOCK_FILE for entry in directory.iterdir())


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


# --------------------------------------------------------------------------- what both stores share
class Store:
    """What a run and an experiment directory share: manifest, failures and the session's writes.

    Args:
        root: The directory.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / MANIFEST
        self.failures_log = self.root / FAILURES_LOG
        self._lock: DirectoryLock | None = None

    def lock(self, command: str | None = None) -> None:
        """Create the directory if needed and take its lock, held until :meth:`close`.

        Args:
            command: The writer's command line, for the lock file (default: this process's).

        Raises:
            RunDirError: If the directory cannot be created.
            DirectoryLocked: If another process is writing the directory.
        """
        if self._lock is None:
            self._lock = lock_directory(self.root, command)

    def close(self) -> None:
        """Release the directory's lock, if this store holds it."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> Store:
        """The store itself; leaving the block closes it (see :meth:`close`)."""
        return self

    def __exit__(self, *exception: object) -> None:
        """Close the store (see :meth:`close`)."""
        self.close()

    def exists(self) -> bool:
        """Whether the directory holds a manifest."""
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """The manifest (checked to be of this kind of directory).

        Returns:
            The parsed manifest.
        """
        raise NotImplementedError

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        """Write the manifest atomically.

        Args:
            manifest: Its content.
        """
        write_json(self.manifest_path, manifest)

    def done_runs(self) -> np.ndarray:
        """Indices of the runs whose results are stored.

        Returns:
            Sorted run indices.
        """
        raise NotImplementedError

    def write_chunk(self, result: ChunkResult) -> None:
        """Store a finished chunk (its failures, then its results).

        Args:
            result: The chunk's results.
        """
        raise NotImplementedError

    def append_failures(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Append failed attempts to ``failures.jsonl`` (flushed to disk).

        Args:
            records: One record per failed run (:func:`sim.engine.runner.failure_record`).
        """
        if not records:
            return
        with self.failures_log.open("a", encoding="utf-8") as log:
            for record in records:
                log.write(json.dumps(dict(record), default=str) + "\n")
            log.flush()
            os.fsync(log.fileno())

    def failures(self) -> pd.DataFrame:
        """The runs that are failed now: the last failed attempt of each run without results.

        Returns:
            One row per failed run (empty if none).
        """
        if not self.failures_log.is_file():
            return pd.DataFrame()
        records = [json.loads(line) for line in self.failures_log.read_text().splitlines() if line.strip()]
        if not records:
            return pd.DataFrame()
        frame = pd.DataFrame(records).drop_duplicates("run", keep="last")
        frame = frame[~frame["run"].isin(self.done_runs())]
        return frame.sort_values("run").reset_index(drop=True)

    def write_failure_table(self, failures: pd.DataFrame) -> None:
        """Write ``failures.csv`` of the runs failed now, or remove it when there are none.

        Args:
            failures: :meth:`failures`.
        """
        path = self.root / FAILURES_TABLE
        if not failures.empty:
            write_csv(path, failures)
        elif path.exists():
            path.unlink()

    def remove_temporaries(self, *directories: Path) -> None:
        """Remove the temporary files an interrupted session may have left.

        Args:
            directories: Where to look.
        """
        for directory in directories:
            for temporary in directory.glob(".*.tmp"):
                temporary.unlink()


# --------------------------------------------------------------------------- run directories
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


def finished(run_dir: Path, replications: int) -> list[int]:
    """Replications whose data are complete.

    Args:
        run_dir: The run directory.
        replications: Number of replications of the run.

    Returns:
        Indices of finished replications, ascending.
    """
    return [k for k in range(replications) if all(table_path(run_dir, t, k).is_file() for t in TABLES)]


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


class RunStore(Store):
    """A run directory of ``qgeo run``: one Parquet file per replication and table.

    Args:
        root: The directory.
    """

    def manifest(self) -> dict[str, Any]:
        """The manifest.

        Returns:
            The parsed manifest.

        Raises:
            RunDirError: If the directory holds no run directory of `qgeo run`.
        """
        return read_manifest(self.root)

    def open(self, scenario: Scenario, resume: bool, command: Sequence[str],
             posterior: dict[str, Any] | None = None) -> dict[str, Any]:
        """Create the run directory and take its lock, or reopen it to resume, and write its manifest.

        A directory written before sessions were recorded is resumed as well: its manifest
        gains ``sessions`` and ``status``. The lock is held until :meth:`close`.

        Args:
            scenario: The resolved scenario to run.
            resume: Whether an existing run of the same scenario may be continued.
            command: The command line, recorded in the manifest.
            posterior: The posterior draws the replications run with
                (:meth:`sim.inputs.posterior.Posterior.record`).

        Returns:
            The manifest as written.

        Raises:
            RunDirError: If the directory is not empty and ``resume`` is False, or if it holds a
                run of a different scenario or posterior.
            DirectoryLocked: If another process is writing the directory.
        """
        self.lock(" ".join(command) or None)
        try:
            return self._open(scenario, resume, command, posterior)
        except BaseException:
            self.close()
            raise

    def _open(self, scenario: Scenario, resume: bool, command: Sequence[str],
              posterior: dict[str, Any] | None) -> dict[str, Any]:
        """Check and lay out the locked run directory (see :meth:`open`)."""
        run_dir = self.root
        occupied = has_files(run_dir)
        manifest = run_manifest(scenario, command, posterior)
        digest = manifest["digest"]
        if occupied and not resume:
            raise RunDirError(
                f"{display_path(run_dir)}: expected an empty or new directory, found an existing one with "
                "files; use --resume to continue the run in it, or choose another --out"
            )
        if occupied:
            previous = self.manifest()
            if previous.get("digest") != digest:
                raise RunDirError(
                    f"{display_path(run_dir)}: cannot resume: the run there is of a different scenario "
                    f"(digest {str(previous.get('digest'))[:12]}..., expected {digest[:12]}...; "
                    f"scenario {previous.get('scenario', {}).get('name')!r}); give the same scenario, "
                    "options and --set values, or choose another --out"
                )
            if previous.get("posterior") != manifest.get("posterior"):
                before = previous.get("posterior")
                there = ("no posterior" if before is None
                         else f"draws from the posterior in {before['directory']}")
                here = "none" if posterior is None else f"draws from --posterior {posterior['directory']}"
                raise RunDirError(f"{display_path(run_dir)}: cannot resume: the run there used {there}, "
                                  f"this one {here}; give the same --posterior and --draws, or choose "
                                  "another --out")
            manifest["started"] = previous.get("started")
            manifest["resumed"] = [*previous.get("resumed", []), {"at": now(), "command": list(command)}]
            manifest["sessions"] = previous.get("sessions", [])
        for table in TABLES:
            (run_dir / table).mkdir(exist_ok=True)
        self.remove_temporaries(*(run_dir / table for table in TABLES))
        self.write_manifest(manifest)
        return manifest

    def done_runs(self) -> np.ndarray:
        """Indices of the finished replications (a scenario run's run ``k`` is replication ``k``).

        Returns:
            Sorted replication indices.
        """
        count = len(self.manifest()["replications"])
        return np.array(finished(self.root, count), dtype=np.int64)

    def write_chunk(self, result: ChunkResult) -> None:
        """Store a finished chunk: its failures (the process that ran a replication wrote its tables).

        Args:
            result: The chunk's results.
        """
        self.append_failures(result.failures)

    def write_replication(self, data: ReplicationData, replication: int) -> None:
        """Write one replication's tables atomically, the model table last.

        Args:
            data: The replication's data (with agent data).
            replication: Its index.

        Raises:
            ValueError: If the agent data is missing.
        """
        if data.agents is None:
            raise ValueError("a run directory needs agent data: simulate with collect_agents=True")
        for table in TABLES:
            write_table(table_path(self.root, table, replication), getattr(data, table))

    def complete(self, manifest: dict[str, Any]) -> None:
        """Record the end time in the manifest.

        Args:
            manifest: The manifest as the session left it.
        """
        manifest["finished"] = now()
        self.write_manifest(manifest)


# --------------------------------------------------------------------------- experiment directories
class ResultStore(Store):
    """An experiment's output directory: plan, manifest, result parts and failures.

    Args:
        root: The directory.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.runs_dir = self.root / "runs"
        self.series_dir = self.root / "series"
        self._next_part: int | None = None

    def manifest(self) -> dict[str, Any]:
        """The manifest.

        Returns:
            The parsed manifest.

        Raises:
            ExperimentError: If the directory holds no experiment.
        """
        if not self.exists():
            raise ExperimentError(f"{self.root}: expected an experiment output directory with "
                                  "manifest.json, found none")
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ExperimentError(f"{self.manifest_path}: not valid JSON: {error}") from None
        if not isinstance(manifest, dict) or "experiment" not in manifest:
            found = ("a run directory of `qgeo run` (see `qgeo plot`)"
                     if isinstance(manifest, dict) and RUN_MARKER in manifest else "another manifest.json")
            raise ExperimentError(f"{self.root}: expected an experiment output directory written by "
                                  f"`qgeo experiment`, found {found}")
        return manifest

    def plan(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored run plan.

        Args:
            columns: Columns to read (default all).

        Returns:
            The plan.
        """
        return pd.read_parquet(self.root / "plan.parquet", columns=columns)

    def design(self) -> pd.DataFrame:
        """The stored design points.

        Returns:
            One row per design point.
        """
        return pd.read_parquet(self.root / "design.parquet")

    def open(self, experiment: Experiment, scenario: Scenario, resume: bool,
             posterior: Posterior | None = None, command: str | None = None) -> pd.DataFrame:
        """Create the output directory and take its lock, or reopen it to resume.

        The lock is held until :meth:`close`.

        Args:
            experiment: The experiment.
            scenario: Its base scenario.
            resume: Continue an existing directory.
            posterior: The posterior the replications draw from, or None.
            command: The command line, for the lock file (default: this process's).

        Returns:
            The run plan.

        Raises:
            ExperimentError: If the directory holds an experiment and ``resume`` is off, or holds a
                different experiment or scenario than the one given.
            DirectoryLocked: If another process is writing the directory.
        """
        self.lock(command)
        try:
            return self._open(experiment, scenario, resume, posterior)
        except BaseException:
            self.close()
            raise

    def _open(self, experiment: Experiment, scenario: Scenario, resume: bool,
              posterior: Posterior | None) -> pd.DataFrame:
        """Check and lay out the locked output directory (see :meth:`open`)."""
        from sim.engine.plan import plan_runs
        from sim.inputs.design import build_design

        out = self.root
        if self.exists():
            if not resume:
                raise ExperimentError(f"{out}: expected a new output directory, found an existing "
                                      "experiment; continue it with --resume or choose another --out")
            manifest = self.manifest()
            if manifest["experiment"]["sha256"] != experiment.digest:
                raise ExperimentError(f"{out}: cannot resume: expected the experiment file it was started "
                                      f"with (sha256 {manifest['experiment']['sha256'][:12]}), found "
                                      f"{experiment.path} changed (sha256 {experiment.digest[:12]})")
            if manifest["scenario"]["digest"] != scenario.digest():
                raise ExperimentError(f"{out}: cannot resume: the scenario, its data or the model's "
                                      "defaults changed since the experiment started (scenario digest "
                                      "differs)")
            record = None if posterior is None else posterior.record(experiment.spec.replications,
                                                                     experiment.spec.seed)
            if manifest.get("posterior") != record:
                before = (manifest.get("posterior") or {}).get("directory", "none")
                raise ExperimentError(f"{out}: cannot resume: expected the same --posterior as when the "
                                      f"experiment started ({before}), found "
                                      f"{'none' if posterior is None else posterior.directory}")
            self.tidy()
            return self.plan()
        if has_files(out):
            raise ExperimentError(f"{out}: expected a new or empty output directory, found other files "
                                  "(and no experiment to resume); choose another --out")
        design = build_design(experiment)
        plan = plan_runs(experiment, design)
        self.create(experiment, design, plan)
        self.write_manifest(experiment_manifest(experiment, design, scenario, len(plan), posterior))
        return plan

    def create(self, experiment: Experiment, design: Design, plan: pd.DataFrame) -> None:
        """Lay out a new output directory (before any run starts).

        Args:
            experiment: The experiment.
            design: Its design.
            plan: Its run plan.
        """
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(exist_ok=True)
        (self.root / "experiment.toml").write_text(experiment.text, encoding="utf-8")
        write_table(self.root / "design.parquet", design.frame())
        write_table(self.root / "plan.parquet", plan)

    def parts(self, directory: Path) -> dict[int, Path]:
        """Finished part files of a directory, by sequence number.

        Args:
            directory: ``runs`` or ``series``.

        Returns:
            Sequence number -> path.
        """
        return {int(p.stem.removeprefix("part-")): p for p in directory.glob("part-*.parquet")}

    def tidy(self) -> None:
        """Remove what an interrupted session may have left.

        That is temporary files, and series parts whose outcome part (written last) is missing.
        """
        self.remove_temporaries(self.runs_dir, self.series_dir)
        finished_parts = self.parts(self.runs_dir)
        for number, path in self.parts(self.series_dir).items():
            if number not in finished_parts:
                path.unlink()

    def _stored_runs(self) -> np.ndarray:
        """The run index of every stored outcome row, over all parts (a run stored twice appears twice)."""
        parts = self.parts(self.runs_dir)
        if not parts:
            return np.array([], dtype=np.int64)
        return np.concatenate([pd.read_parquet(path, columns=["run"])["run"].to_numpy()
                               for path in parts.values()])

    def done_runs(self) -> np.ndarray:
        """Indices of the runs with stored outcomes.

        Returns:
            Sorted run indices.
        """
        return np.unique(self._stored_runs())

    def duplicate_runs(self) -> int:
        """How many stored outcome rows repeat a run stored before (they are read once).

        Returns:
            The number of extra copies (0 in a directory only ever written by one process at a time).
        """
        runs = self._stored_runs()
        return len(runs) - len(np.unique(runs))

    def next_part(self) -> int:
        """Sequence number of the next part to write.

        Returns:
            One more than the largest existing number (0 at first).
        """
        return max(self.parts(self.runs_dir), default=-1) + 1

    def write_chunk(self, result: ChunkResult) -> None:
        """Store a finished chunk: failures appended, series part, then outcome part (the commit).

        Args:
            result: The chunk's results.
        """
        self.append_failures(result.failures)
        if result.outcomes.empty:
            return
        if self._next_part is None:
            self._next_part = self.next_part()
        name = f"part-{self._next_part:06d}.parquet"
        self._next_part += 1
        if result.series is not None:
            write_table(self.series_dir / name, result.series)
        write_table(self.runs_dir / name, result.outcomes)

    def outcomes(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored outcomes, sorted by run, each run once (see :meth:`duplicate_runs`).

        Args:
            columns: Columns to read (default all).

        Returns:
            One row per finished run.
        """
        return _read_parts(self.runs_dir, columns)

    def series(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored series outcomes, sorted by run and step, each run once.

        Args:
            columns: Columns to read (default all).

        Returns:
            One row per finished run and step.
        """
        return _read_parts(self.series_dir, columns, by=("run", "step"))


def _read_parts(directory: Path, columns: Sequence[str] | None, by: Sequence[str] = ("run",)) -> pd.DataFrame:
    """Read every part of a directory, sorted by ``by`` with each ``by`` key once (the first part's copy)."""
    import pyarrow.parquet as pq

    if not any(directory.glob("part-*.parquet")):
        return pd.DataFrame(columns=list(columns or by))
    keys = [key for key in by if columns is not None and key not in columns]
    frame = pq.read_table(directory, columns=[*columns, *keys] if columns else None).to_pandas()
    frame = frame.drop_duplicates(list(by)).sort_values(list(by), kind="stable")
    return frame.drop(columns=keys).reset_index(drop=True)
