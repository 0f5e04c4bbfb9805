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
    <run>/parts.jsonl                        name, rows and sha256 of every table file written

A replication's tables are written by the process that ran it, agents and edges first,
model last, so it counts as finished exactly when its model file exists.

An experiment directory (``qgeo experiment``, :class:`ResultStore`)::

    manifest.json      provenance: versions, experiment file and hash, scenario digest, design,
                       root seed, sessions (start, end, command, backend), counts
    experiment.toml    the experiment file as run
    design.parquet     design points (applied values and the sampler's raw values)
    plan.parquet       one row per run: run, point, replication, seed, inputs (written and read in
                       blocks, see :class:`sim.engine.plan.Plan`)
    runs/part-*.parquet     outcomes of finished runs (with run, point, replication, seed, inputs)
    series/part-*.parquet   series outcomes (run, step, year, one column per series outcome)
    failures.jsonl     every failed attempt; failures.csv: the runs that are failed now
    parts.jsonl        name, rows and sha256 of every part written (:mod:`sim.engine.ledger`)

Each finished chunk of an experiment becomes one new part (its series part first, the
outcome part last as the commit), so no file is ever rewritten and memory stays flat
in the number of runs. ``resume`` runs only the runs missing from the store. A run stored
in more than one part (two writers at once, before directories were locked) is read once
(:meth:`ResultStore.duplicate_runs` counts the extra copies).

Each commit (a replication's three tables, a chunk's series and outcome parts) appends its files'
entries to ``parts.jsonl`` after renaming them into place, and the manifest names the ledger.
Readers check every part against it; ``resume`` moves a part that differs, is unrecorded, or is
recorded and missing into ``damaged/`` and runs its runs again. A directory written before ledgers
is read unchecked, and gets its ledger (of its parts as they are) when it is resumed.

Opening a store for writing creates its directory and takes its lock
(:class:`sim.engine.lock.DirectoryLock`, ``<dir>/.qgeo.lock``) before anything else is read or
written, so a second writer of the same directory stops with a message instead of running
the same runs again; :meth:`Store.close` releases it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.base.errors import UserError
from sim.engine.ledger import LEDGER, MANIFEST_FIELDS, Entry, Ledger, LedgerLineError, Recorded, relative
from sim.engine.lock import LOCK_FILE, DirectoryLock
from sim.engine.plan import BLOCK, Plan
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
DAMAGED = "damaged"
"""Where ``--resume`` moves the parts it finds damaged (never deleted), under their own relative path."""
NEW_OUT = "run it again into a new --out"
"""How to repair a file that cannot be rebuilt from the rest of its directory."""
TABLES: tuple[str, ...] = ("agents", "edges", "model")
"""Per-replication tables of a run directory, in the order they are written (``model`` last marks
completion)."""


class RunDirError(UserError):
    """A run directory that cannot be written or resumed."""


class DamagedFile(RunDirError):
    """A stored file of an output directory that cannot be read back.

    Args:
        path: The file.
        problem: What is wrong with it.
        repair: How to repair it.

    Attributes:
        path: The file.
        problem: What is wrong with it.
    """

    def __init__(self, path: Path, problem: str, repair: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{display_path(path)}: damaged ({problem}); {repair}")


# --------------------------------------------------------------------------- damaged files
def read_part(path: Path, repair: str, columns: Sequence[str] | None = None,
              recorded: Recorded | None = None) -> pd.DataFrame:
    """Read a stored Parquet file, or say which file is damaged and how to repair it.

    Args:
        path: The file.
        repair: How to repair it, for the message.
        columns: Columns to read (default all).
        recorded: The directory's ledger, to check the file against (None: not checked).

    Returns:
        Its table.

    Raises:
        DamagedFile: If it is not a readable Parquet file (truncated, overwritten), lacks a column, or
            does not hold what ``recorded`` says was written under its name.
    """
    return read_parts([path], repair, columns, recorded)


def read_parts(paths: Sequence[Path], repair: str, columns: Sequence[str] | None = None,
               recorded: Recorded | None = None) -> pd.DataFrame:
    """Read stored Parquet files of one table as one frame, in order, or say which file is damaged.

    The files are read as Arrow tables and converted to pandas once: the frame is the one
    ``pd.concat`` of each file's frame gives (with ``ignore_index=True``), at a fraction of the cost
    for many small files. Columns a file lacks are missing values in its rows.

    Args:
        paths: The files (at least one).
        repair: How to repair a damaged one, for the message.
        columns: Columns to read (default all).
        recorded: The directory's ledger, to check each file against (None: not checked).

    Returns:
        Their rows, in the order of ``paths``.

    Raises:
        DamagedFile: If one is not a readable Parquet file (truncated, overwritten), lacks a column,
            holds a column of a type the others cannot take, or does not hold what ``recorded`` says
            was written under its name.
    """
    import pyarrow as pa

    tables = []
    path = paths[0]
    try:
        for path in paths:
            if recorded is None:
                table, _ = _read_file(path, columns)
            else:
                data = Path(path).read_bytes()
                table, rows = _read_file(pa.BufferReader(data), columns)
                problem = recorded.problem(path, rows, data)
                if problem is not None:
                    raise DamagedFile(path, problem, repair)
            tables.append(table)
        return pa.concat_tables(tables, promote_options="permissive").to_pandas()
    except (OSError, ValueError, pa.ArrowException) as error:
        if len(tables) == len(paths):  # each file read: one does not fit the first (or its metadata)
            path = next((p for p, t in zip(paths, tables, strict=True) if t.schema != tables[0].schema), path)
        raise DamagedFile(path, f"not a readable Parquet file: {_first_line(error)}", repair) from None


def _read_file(source: Any, columns: Sequence[str] | None) -> tuple[Any, int]:
    """One Parquet file (a path or a buffer) as an Arrow table, with its row count from its metadata.

    Read without ``read_table``'s dataset machinery (half the time for a small file).

    Raises:
        ValueError: If it lacks one of ``columns``.
        pyarrow.ArrowException: If it is not a readable Parquet file.
    """
    import pyarrow.parquet as pq

    with pq.ParquetFile(source) as file:
        missing = [name for name in columns or () if name not in file.schema_arrow.names]
        if missing:
            raise ValueError(f"no column {missing[0]!r}")
        return file.read(columns=list(columns) if columns else None), file.metadata.num_rows


def load_part(path: Path, repair: str,
              columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, int, bytes]:
    """Read a stored Parquet file with its row count and bytes (to check against a ledger).

    Args:
        path: The file.
        repair: How to repair it, for the message.
        columns: Columns to read (default all).

    Returns:
        Its table, its row count (from its metadata) and its bytes.

    Raises:
        DamagedFile: If it is not a readable Parquet file or lacks a column.
    """
    import pyarrow as pa

    try:
        data = Path(path).read_bytes()
        table, rows = _read_file(pa.BufferReader(data), columns)
        return table.to_pandas(), rows, data
    except (OSError, ValueError, pa.ArrowException) as error:
        raise DamagedFile(path, f"not a readable Parquet file: {_first_line(error)}", repair) from None


def part_entry(root: Path, path: Path, repair: str) -> Entry:
    """The ledger entry of a stored Parquet file as it is now (for a directory written before ledgers).

    Args:
        root: The output directory.
        path: The file, inside it.
        repair: How to repair it, for the message.

    Returns:
        Its entry.

    Raises:
        DamagedFile: If it is not a readable Parquet file.
    """
    _, rows, data = load_part(path, repair)
    return Entry.of(root, path, rows, data)


def require_recorded(recorded: Recorded | None, folders: Iterable[str], repair: str) -> None:
    """Check that every part the ledger records in ``folders`` is there.

    Args:
        recorded: The ledger's parts, or None in a directory written before ledgers (nothing to check).
        folders: ``model``, ``runs``, ...
        repair: How to repair a missing part, for the message.

    Raises:
        DamagedFile: Naming the first recorded part that is missing.
    """
    missing = [] if recorded is None else [path for folder in folders for path in recorded.missing(folder)]
    if missing:
        raise DamagedFile(missing[0], f"recorded in {LEDGER} when it was written, missing", repair)


def recorded_parts(root: Path, manifest: Mapping[str, Any], command: str) -> Recorded | None:
    """The parts a directory's ledger records, or None for a directory written before ledgers.

    A torn last line of the ledger (a writer killed mid-append) is ignored: its part counts as unrecorded.

    Args:
        root: The output directory.
        manifest: Its manifest (which names the ledger, if there is one).
        command: The command that resumes the directory, for the message.

    Returns:
        The recorded parts, or None.

    Raises:
        DamagedFile: If a line of the ledger before its last is not a record of a part.
    """
    if "parts_ledger" not in manifest:
        return None
    ledger = Ledger(root)
    try:
        return ledger.read()[0]
    except LedgerLineError as error:
        raise DamagedFile(ledger.path, str(error), f"move it out of the directory and run `{command}`, "
                          f"which moves every part (none is recorded then) to {DAMAGED}/ and runs it "
                          "again") from None


def read_json(path: Path, repair: str) -> Any:
    """Read a stored JSON file, or say that it is damaged and how to repair it.

    Args:
        path: The file (it must exist).
        repair: How to repair it, for the message.

    Returns:
        The parsed content.

    Raises:
        DamagedFile: If it is not UTF-8 JSON.
    """
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DamagedFile(path, f"not valid JSON: {_first_line(error)}", repair) from None


def _first_line(error: BaseException) -> str:
    """The first line of an exception's message (pyarrow's run on for several)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def set_aside(root: Path, path: Path) -> Path:
    """Move a damaged file of a directory into ``<root>/damaged/`` under its relative path.

    Args:
        root: The output directory.
        path: The file, inside ``root``.

    Returns:
        Where it is now (a free name: an earlier copy set aside is never overwritten).
    """
    target = Path(root) / DAMAGED / Path(path).relative_to(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    number = 1
    while target.exists():
        target = target.with_name(f"{Path(path).stem}.{number}{Path(path).suffix}")
        number += 1
    os.replace(path, target)
    return target


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


SCHEMAS_KEPT = 64
"""Most Arrow schemas :func:`arrow_table` keeps (a session writes a handful of kinds of table)."""
_schemas: dict[tuple[tuple[str, Any], ...], Any] = {}


def _schema_key(frame: pd.DataFrame) -> tuple[tuple[str, Any], ...] | None:
    """Column names and dtypes of a frame whose Arrow schema follows from them alone, else None.

    That is unique string column names, every dtype a NumPy bool or number or a pandas string
    dtype (an object column's Arrow type depends on its values).
    """
    if not frame.columns.is_unique or not all(isinstance(name, str) for name in frame.columns):
        return None
    dtypes = tuple(frame.dtypes)
    if not all(isinstance(dtype, pd.StringDtype) or (isinstance(dtype, np.dtype) and dtype.kind in "biuf")
               for dtype in dtypes):
        return None
    return tuple(zip(frame.columns, dtypes, strict=True))


def arrow_table(frame: pd.DataFrame) -> Any:
    """A frame as an Arrow table without its index, as ``pyarrow.Table.from_pandas`` makes it.

    ``from_pandas`` works out each column's type and the pandas metadata again for every frame,
    which costs more than writing a small table; a frame whose schema follows from its column
    names and dtypes (see :func:`_schema_key`) reuses the schema of the first frame like it,
    its columns converted with pandas' semantics of missing values. The table, and so the
    Parquet file, is the same either way. ``frame.attrs`` are not kept.

    Args:
        frame: The table.

    Returns:
        The ``pyarrow.Table``.
    """
    import pyarrow as pa

    key = _schema_key(frame)
    schema = _schemas.get(key) if key is not None else None
    if schema is None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if key is not None:
            if len(_schemas) >= SCHEMAS_KEPT:
                _schemas.clear()
            _schemas[key] = table.schema
        return table
    columns = [pa.array(frame[field.name], type=field.type, from_pandas=True) for field in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def write_table(path: Path, frame: pd.DataFrame) -> None:
    """Write a frame as Parquet atomically (without its index).

    The file is the one ``frame.to_parquet(path, index=False)`` writes, written by Arrow straight
    to the path (see :func:`arrow_table`).

    Args:
        path: Destination.
        frame: The table.
    """
    import pyarrow.parquet as pq

    table = arrow_table(frame)
    atomic_write(path, lambda temporary: pq.write_table(table, temporary))


def write_part(root: Path, path: Path, frame: pd.DataFrame) -> Entry:
    """Write a part of an output directory as Parquet atomically, hashing its bytes on the way.

    Args:
        root: The output directory.
        path: Destination, inside ``root``.
        frame: The table.

    Returns:
        Its ledger entry (to append once the commit's parts are in place).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = pa.BufferOutputStream()
    pq.write_table(arrow_table(frame), buffer)  # the bytes frame.to_parquet(path, index=False) writes
    data = buffer.getvalue().to_pybytes()
    atomic_write(path, lambda temporary: temporary.write_bytes(data))
    return Entry.of(root, path, len(frame), data)


def write_blocks(path: Path, blocks: Iterable[pd.DataFrame]) -> None:
    """Write frames of one schema as one Parquet file atomically, a frame at a time.

    Args:
        path: Destination.
        blocks: The frames (at least one), each written as it comes and then dropped.
    """
    import pyarrow.parquet as pq

    def write(temporary: Path) -> None:
        writer = None
        try:
            for block in blocks:
                table = arrow_table(block)
                writer = writer or pq.ParquetWriter(temporary, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()

    atomic_write(path, write)


def write_csv(path: Path, frame: pd.DataFrame, float_format: str | None = None) -> None:
    """Write a frame as CSV atomically (without its index).

    Args:
        path: Destination.
        frame: The table.
        float_format: How floats are written (pandas' ``float_format``, e.g. ``"%.6g"``); all
            their digits by default.
    """
    atomic_write(path, lambda temporary: frame.to_csv(temporary, index=False, float_format=float_format))


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
    if not path.is_file():
        raise RunDirError(f"{display_path(directory)}: expected a run directory with {MANIFEST}, found none")
    return read_json(path, f"it cannot be rebuilt: {NEW_OUT}")


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

        Raises:
            RunDirError: If a line of ``failures.jsonl`` is not a JSON record of a run.
        """
        if not self.failures_log.is_file():
            return pd.DataFrame()
        repair = (f"delete {FAILURES_LOG} (only the record of failed attempts is lost: --resume runs again "
                  "every run without results)")
        try:
            lines = self.failures_log.read_text(encoding="utf-8").splitlines()
        except ValueError as error:
            raise DamagedFile(self.failures_log, f"not UTF-8 text: {_first_line(error)}", repair) from None
        records = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise DamagedFile(self.failures_log, f"line {number} is not valid JSON: {_first_line(error)}",
                              repair) from None
            if not isinstance(record, dict) or "run" not in record:
                raise DamagedFile(self.failures_log, f"line {number}: expected a record with a 'run', found "
                              f"{line[:60]!r}", repair)
            records.append(record)
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

    def resume_ledger(self, manifest: Mapping[str, Any], command: str) -> Recorded | None:
        """Read the ledger of a directory being resumed and cut off a torn last line (with a warning).

        Args:
            manifest: The directory's manifest.
            command: The command that resumes it, for messages.

        Returns:
            The recorded parts, or None for a directory written before ledgers (see :meth:`adopt`).

        Raises:
            DamagedFile: If a line of the ledger before its last is not a record of a part.
        """
        recorded = recorded_parts(self.root, manifest, command)
        ledger = Ledger(self.root)
        if ledger.cut_torn_tail():
            print(f"{display_path(ledger.path)}: warning: ignored its torn last line (a writer killed while "
                  "recording a part); that part counts as unrecorded", file=sys.stderr)
        return recorded

    def adopt(self, paths: Iterable[Path]) -> None:
        """Record the parts of a directory written before ledgers, as they are now.

        Args:
            paths: The parts (already checked to read back whole).
        """
        Ledger(self.root).append(part_entry(self.root, path, "").record() for path in paths)

    def move_aside(self, paths: Iterable[Path], recorded: Recorded | None) -> None:
        """Move damaged parts into ``damaged/`` (those that exist) and record the moves in the ledger.

        A recorded part that is missing is recorded as gone (``"moved_to": null``).

        Args:
            paths: The parts.
            recorded: The ledger's parts, or None in a directory written before ledgers.
        """
        records = []
        for path in paths:
            if path.exists():
                records.append({"file": relative(self.root, path),
                                "moved_to": relative(self.root, set_aside(self.root, path))})
            elif recorded is not None and recorded.has(path):
                records.append({"file": relative(self.root, path), "moved_to": None})
        Ledger(self.root).append(records)


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
        DamagedFile: If a file cannot be read or (in a directory with a ledger) is not what was written,
            or a recorded file is missing.
    """
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    if replications is None:
        replications = finished(run_dir, len(manifest["replications"]))
    paths = [table_path(run_dir, table, k) for k in replications]
    if not paths:
        raise RunDirError(f"{display_path(run_dir)}: expected finished replications, found none")
    repair = run_repair(run_dir, manifest)
    recorded = recorded_parts(run_dir, manifest, run_resume_command(run_dir, manifest))
    require_recorded(recorded, TABLES, repair)
    return read_parts(paths, repair, recorded=recorded)


def run_resume_command(run_dir: Path, manifest: Mapping[str, Any]) -> str:
    """The command that resumes a run directory.

    Args:
        run_dir: The run directory.
        manifest: Its manifest.

    Returns:
        The command (to be given with the run's options).
    """
    scenario = manifest.get("scenario_source") or (manifest.get("scenario") or {}).get("name") or "SCENARIO"
    return f"qgeo run {display_path(scenario)} --resume --out {display_path(run_dir)}"


def run_repair(run_dir: Path, manifest: Mapping[str, Any]) -> str:
    """How to repair a damaged replication of a run directory (resuming runs it again).

    Args:
        run_dir: The run directory.
        manifest: Its manifest.

    Returns:
        The advice, with the command to run.
    """
    return (f"repair it with `{run_resume_command(run_dir, manifest)}` (with the run's options), which "
            "moves it to damaged/ and runs its replication again")


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
        if occupied:
            recorded = self.resume_ledger(previous, run_resume_command(run_dir, previous))
            self.set_aside_damaged(scenario.replications, scenario.steps + 1, recorded)
            if recorded is None:
                self.adopt(table_path(run_dir, table, k)
                           for k in finished(run_dir, scenario.replications) for table in TABLES)
        manifest.update(MANIFEST_FIELDS)
        self.write_manifest(manifest)
        return manifest

    def set_aside_damaged(self, replications: int, steps: int, recorded: Recorded | None = None) -> list[int]:
        """Move every replication with a damaged table into ``damaged/``, to be run again.

        A table of a finished replication is damaged if it does not parse, (the model table) has not
        one row per step, or is not what the ledger records; a replication is damaged too when a
        table the ledger records is missing. Prints one line to stderr when it moves anything.

        Args:
            replications: Number of replications of the run.
            steps: Rows of a model table (the scenario's steps and its initial state).
            recorded: The ledger's parts, or None in a directory written before ledgers.

        Returns:
            The replications moved.
        """
        moved: dict[int, str] = {}
        for k in range(replications):
            paths = [table_path(self.root, table, k) for table in TABLES]
            lost = [path for path in paths
                    if recorded is not None and recorded.has(path) and not path.exists()]
            if lost:
                problem: str | None = f"{display_path(lost[0])}: recorded in {LEDGER}, missing"
            elif all(path.exists() for path in paths):
                problem = self._damage(k, steps, recorded)
            else:
                continue
            if problem is not None:
                moved[k] = problem
                self.move_aside(paths, recorded)
        if moved:
            first = next(iter(moved.values()))
            print(f"{display_path(self.root)}: {len(moved)} damaged replication(s) "
                  f"{', '.join(map(str, moved))} moved to {DAMAGED}/ and run again ({first})",
                  file=sys.stderr)
        return list(moved)

    def _damage(self, replication: int, steps: int, recorded: Recorded | None) -> str | None:
        """What is wrong with a finished replication's tables, or None if they are whole (and as recorded)."""
        for table in TABLES:
            path = table_path(self.root, table, replication)
            try:
                _, rows, data = load_part(path, "")
            except DamagedFile as error:
                return f"{display_path(path)}: {error.problem}"
            if table == "model" and rows != steps:
                return f"{display_path(path)}: {rows} rows, expected {steps}"
            problem = None if recorded is None else recorded.problem(path, rows, data)
            if problem is not None:
                return f"{display_path(path)}: {problem}"
        return None

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
        """Write one replication's tables atomically, the model table last, then record them in the ledger.

        Args:
            data: The replication's data (with agent data).
            replication: Its index.

        Raises:
            ValueError: If the agent data is missing.
        """
        if data.agents is None:
            raise ValueError("a run directory needs agent data: simulate with collect_agents=True")
        entries = [write_part(self.root, table_path(self.root, table, replication), getattr(data, table))
                   for table in TABLES]
        Ledger(self.root).append(entry.record() for entry in entries)

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
        self._part_runs: dict[Path, np.ndarray] = {}  # run column of each part read or written here

    def manifest(self) -> dict[str, Any]:
        """The manifest.

        Returns:
            The parsed manifest.

        Raises:
            ExperimentError: If the directory holds no experiment.
            DamagedFile: If the manifest is not valid JSON.
        """
        if not self.exists():
            raise ExperimentError(f"{self.root}: expected an experiment output directory with "
                                  "manifest.json, found none")
        manifest = read_json(self.manifest_path, f"it cannot be rebuilt: {NEW_OUT}")
        if not isinstance(manifest, dict) or "experiment" not in manifest:
            found = ("a run directory of `qgeo run` (see `qgeo plot`)"
                     if isinstance(manifest, dict) and RUN_MARKER in manifest else "another manifest.json")
            raise ExperimentError(f"{self.root}: expected an experiment output directory written by "
                                  f"`qgeo experiment`, found {found}")
        return manifest

    def plan(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored run plan, whole.

        Args:
            columns: Columns to read (default all).

        Returns:
            The plan.

        Raises:
            DamagedFile: If it cannot be read.
        """
        return read_part(self.root / "plan.parquet", NEW_OUT, columns)

    def stored_plan(self) -> Plan:
        """The stored run plan, read a block at a time.

        Returns:
            The plan.

        Raises:
            DamagedFile: If its Parquet footer cannot be read (a truncated or overwritten file).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.root / "plan.parquet"

        def blocks() -> Iterator[pd.DataFrame]:
            with pq.ParquetFile(path) as file:
                for batch in file.iter_batches(batch_size=BLOCK):
                    yield batch.to_pandas()

        try:
            rows = pq.read_metadata(path).num_rows
        except (OSError, ValueError, pa.ArrowException) as error:
            raise DamagedFile(path, f"not a readable Parquet file: {_first_line(error)}", NEW_OUT) from None
        return Plan(rows, blocks)

    def design(self) -> pd.DataFrame:
        """The stored design points.

        Returns:
            One row per design point.

        Raises:
            DamagedFile: If it cannot be read.
        """
        return read_part(self.root / "design.parquet", NEW_OUT)

    def resume_command(self) -> str:
        """The command that resumes the experiment.

        Returns:
            The command.
        """
        try:
            file = self.manifest()["experiment"]["file"]
        except (UserError, KeyError, TypeError):
            file = "FILE"
        return f"qgeo experiment {display_path(file)} --resume --out {display_path(self.root)}"

    def repair(self) -> str:
        """How to repair a damaged result part (resuming runs its runs again).

        Returns:
            The advice, with the command to run.
        """
        return (f"repair it with `{self.resume_command()}`, which moves it to {DAMAGED}/ and runs its runs "
                "again")

    def recorded(self) -> Recorded | None:
        """The parts the ledger records, or None in a directory written before ledgers.

        Returns:
            The recorded parts.

        Raises:
            DamagedFile: If a line of the ledger before its last is not a record of a part.
        """
        return recorded_parts(self.root, self.manifest(), self.resume_command())

    def open(self, experiment: Experiment, scenario: Scenario, resume: bool,
             posterior: Posterior | None = None, command: str | None = None) -> Plan:
        """Create the output directory and take its lock, or reopen it to resume.

        The lock is held until :meth:`close`.

        Args:
            experiment: The experiment.
            scenario: Its base scenario.
            resume: Continue an existing directory.
            posterior: The posterior the replications draw from, or None.
            command: The command line, for the lock file (default: this process's).

        Returns:
            The run plan, as stored.

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
              posterior: Posterior | None) -> Plan:
        """Check and lay out the locked output directory (see :meth:`open`)."""
        from sim.engine.plan import experiment_plan
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
            recorded = self.resume_ledger(manifest, self.resume_command())
            self.tidy(recorded)
            self.set_aside_damaged(any(outcome.stat == "series" for outcome in experiment.spec.outcomes),
                                   recorded)
            if recorded is None:
                self.adopt([*self.parts(self.runs_dir).values(), *self.parts(self.series_dir).values()])
                self.write_manifest({**manifest, **MANIFEST_FIELDS})
            return self.stored_plan()
        if has_files(out):
            raise ExperimentError(f"{out}: expected a new or empty output directory, found other files "
                                  "(and no experiment to resume); choose another --out")
        design = build_design(experiment)
        plan = experiment_plan(experiment, design)
        self.create(experiment, design, plan)
        self.write_manifest({**experiment_manifest(experiment, design, scenario, plan.size, posterior),
                             **MANIFEST_FIELDS})
        return self.stored_plan()

    def create(self, experiment: Experiment, design: Design, plan: Plan) -> None:
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
        write_blocks(self.root / "plan.parquet", plan.blocks())

    def parts(self, directory: Path) -> dict[int, Path]:
        """Finished part files of a directory, by sequence number.

        Args:
            directory: ``runs`` or ``series``.

        Returns:
            Sequence number -> path.
        """
        return {int(p.stem.removeprefix("part-")): p for p in directory.glob("part-*.parquet")}

    def tidy(self, recorded: Recorded | None = None) -> None:
        """Remove what an interrupted session may have left.

        That is temporary files, and series parts whose outcome part (written last) is missing and was
        never recorded (a recorded one that is missing is damage: see :meth:`set_aside_damaged`).

        Args:
            recorded: The ledger's parts, or None in a directory written before ledgers.
        """
        self.remove_temporaries(self.runs_dir, self.series_dir)
        finished_parts = self.parts(self.runs_dir)
        for number, path in self.parts(self.series_dir).items():
            if number not in finished_parts and not (recorded is not None
                                                      and recorded.has(self.runs_dir / path.name)):
                path.unlink()

    def set_aside_damaged(self, series: bool, recorded: Recorded | None = None) -> list[int]:
        """Move every outcome part that does not read back whole, with its series part, into ``damaged/``.

        An outcome part is damaged if it does not parse, is not what the ledger records or is recorded
        and missing; its series part if it does not parse, is missing while the experiment has series
        outcomes, holds other runs than its outcome part or is not what the ledger records. Their
        runs are then missing from the store, so the session runs them again. Prints one line to
        stderr when it moves anything.

        Args:
            series: Whether the experiment has series outcomes (every outcome part has a series part).
            recorded: The ledger's parts, or None in a directory written before ledgers.

        Returns:
            Sequence numbers of the parts moved.
        """
        moved: dict[int, str] = {}
        lost = [] if recorded is None else recorded.missing(self.runs_dir.name)
        damaged: dict[int, str | None] = {
            int(path.stem.removeprefix("part-")): f"{display_path(path)}: recorded in {LEDGER}, missing"
            for path in lost}
        for number, path in sorted(self.parts(self.runs_dir).items()):
            damaged[number] = self._damage(path, series, recorded)
        for number, problem in sorted(damaged.items()):
            if problem is not None:
                moved[number] = problem
                name = f"part-{number:06d}.parquet"
                self._part_runs.pop(self.runs_dir / name, None)
                self.move_aside([self.runs_dir / name, self.series_dir / name], recorded)
        if moved:
            print(f"{display_path(self.root)}: {len(moved)} damaged part(s) moved to {DAMAGED}/, their runs "
                  f"run again ({next(iter(moved.values()))})", file=sys.stderr)
        return list(moved)

    def _damage(self, path: Path, series: bool, recorded: Recorded | None) -> str | None:
        """What is wrong with an outcome part and its series part, or None if whole and as recorded."""
        paired = self.series_dir / path.name
        try:
            frame, rows, data = load_part(path, "", ["run"])
            problem = None if recorded is None else recorded.problem(path, rows, data)
            if problem is not None:
                return f"{display_path(path)}: {problem}"
            if not paired.exists():
                return f"{display_path(paired)}: missing" if series else None
            runs = set(frame["run"])
            frame, rows, data = load_part(paired, "", ["run"])
        except DamagedFile as error:
            return f"{display_path(error.path)}: {error.problem}"
        stored = set(frame["run"])
        if stored != runs:
            return (f"{display_path(paired)}: expected the runs of {path.name} ({len(runs)}), found "
                    f"{len(stored)} runs, {len(stored ^ runs)} differing")
        problem = None if recorded is None else recorded.problem(paired, rows, data)
        return None if problem is None else f"{display_path(paired)}: {problem}"

    def _stored_runs(self) -> np.ndarray:
        """The run index of every stored outcome row, over all parts (a run stored twice appears twice).

        A part is read once per store: parts are never rewritten, and the directory's lock keeps other
        writers out while this store writes.
        """
        parts = self.parts(self.runs_dir)
        if not parts:
            return np.array([], dtype=np.int64)
        unread = [path for path in parts.values() if path not in self._part_runs]
        repair = self.repair() if unread else ""
        for path in unread:
            self._part_runs[path] = read_part(path, repair, ["run"])["run"].to_numpy()
        return np.concatenate([self._part_runs[path] for path in parts.values()])

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
        """Store a finished chunk: failures appended, series part, outcome part (the commit), ledger lines.

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
        entries = ([] if result.series is None
                   else [write_part(self.root, self.series_dir / name, result.series)])
        entries.append(write_part(self.root, self.runs_dir / name, result.outcomes))
        Ledger(self.root).append(entry.record() for entry in entries)
        self._part_runs[self.runs_dir / name] = result.outcomes["run"].to_numpy()

    def outcomes(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored outcomes, sorted by run, each run once (see :meth:`duplicate_runs`).

        Args:
            columns: Columns to read (default all).

        Returns:
            One row per finished run.
        """
        return _read_unique(self.runs_dir, columns, self.repair(), recorded=self.recorded())

    def series(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The stored series outcomes, sorted by run and step, each run once.

        Args:
            columns: Columns to read (default all).

        Returns:
            One row per finished run and step.
        """
        return _read_unique(self.series_dir, columns, self.repair(), by=("run", "step"),
                           recorded=self.recorded())


def _read_unique(directory: Path, columns: Sequence[str] | None, repair: str,
                by: Sequence[str] = ("run",), recorded: Recorded | None = None) -> pd.DataFrame:
    """Read every part of a directory, sorted by ``by`` with each ``by`` key once (the first part's copy).

    With ``recorded``, each part is checked against the ledger, and a recorded part must be there.

    Raises:
        DamagedFile: If a part cannot be read, is not what was recorded, or is recorded and missing (the
            message names it and says ``repair``).
    """
    require_recorded(recorded, [directory.name], repair)
    paths = sorted(directory.glob("part-*.parquet"))
    if not paths:
        return pd.DataFrame(columns=list(columns or by))
    keys = [key for key in by if columns is not None and key not in columns]
    frame = read_parts(paths, repair, [*columns, *keys] if columns else None, recorded)
    frame = frame.drop_duplicates(list(by)).sort_values(list(by), kind="stable")
    return frame.drop(columns=keys).reset_index(drop=True)
