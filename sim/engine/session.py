"""One session of running a plan: what is left to do, the backend, the store, the manifest's record.

:func:`run_session` serves a scenario run and an experiment alike: it takes the plan,
skips the runs the store already holds, runs the rest in chunks on a backend, stores
each chunk as it finishes, and records the session (command, backend, counts, status)
in the manifest, also when interrupted.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.base.wording import counted
from sim.engine.backends import Backend, WorkerLost
from sim.engine.plan import MAX_CHUNK, Plan, chunked
from sim.engine.provenance import now
from sim.engine.runner import ChunkResult, RunContext
from sim.engine.store import Store


@dataclass
class Summary:
    """What a session did.

    Attributes:
        out: Output directory.
        total: Runs in the plan.
        done: Runs with stored results.
        failed: Runs failed now.
        ran: Runs attempted in this session.
        seconds: Wall time of this session.
        failures: The runs failed now (see :meth:`sim.engine.store.Store.failures`).
        manifest: The manifest as the session left it.
    """

    out: Path
    total: int
    done: int
    failed: int
    ran: int
    seconds: float
    failures: pd.DataFrame
    manifest: dict[str, Any]

    def text(self, name: str) -> str:
        """One line for the terminal.

        Args:
            name: Experiment name.

        Returns:
            The summary line.
        """
        line = (f"{name}: {counted(self.total, 'run')}, {self.done} done, {self.failed} failed "
                f"({self.ran} run in {self.seconds:.1f} s); results in {self.out}")
        if self.failed:
            line += f"\n  {counted(self.failed, 'failed run')} listed in {self.out / 'failures.csv'}"
        if self.done + self.failed < self.total:
            missing = self.total - self.done - self.failed
            line += f"\n  {counted(missing, 'run')} missing: re-run with --resume"
        return line


def run_session(context: RunContext, plan: Plan, store: Store, backend: Backend, *, name: str,
                unit: str = "run", chunk_size: int | None = None, most: int = MAX_CHUNK,
                progress: bool | None = None, command: str | None = None) -> Summary:
    """Run the runs of ``plan`` that ``store`` does not hold yet, storing each chunk as it finishes.

    Args:
        context: What every run needs besides its plan row.
        plan: The whole plan (:mod:`sim.engine.plan`), read a block at a time.
        store: The opened store.
        backend: The started backend.
        name: Label of the progress bar.
        unit: What the progress bar counts.
        chunk_size: Runs per task (default: guided, see :func:`sim.engine.plan.chunked`).
        most: Most runs per guided chunk.
        progress: Show a progress bar (default: when stderr is a terminal).
        command: Command line, for the manifest (default: this process's).

    Returns:
        The session's summary.

    Raises:
        KeyboardInterrupt: On Ctrl-C, after storing what finished (manifest status "interrupted").
        WorkerLost: If a local worker process died (manifest status "aborted").
    """
    from tqdm import tqdm

    clock = time.perf_counter()
    finished = store.done_runs()
    todo = plan.size - len(finished)
    session = {"started": now(), "command": command or " ".join(sys.argv), "backend": backend.label,
               "workers": backend.workers, "scheduler": backend.scheduler, "to_run": todo,
               "chunk_size": chunk_size or f"guided, at most {most}"}
    manifest = store.manifest()
    manifest.setdefault("sessions", []).append(session)
    manifest["status"] = "running"
    store.write_manifest(manifest)

    chunks = chunked(plan.rows(skip=finished), todo, backend.workers, chunk_size, most, backend.fewest_runs)
    total = plan.size
    bar = tqdm(total=total, initial=total - todo, unit=unit, desc=name, dynamic_ncols=True,
               disable=not (sys.stderr.isatty() if progress is None else progress))
    counts = {"ran": 0, "failed": 0}

    def on_result(chunk: list[dict[str, Any]], result: ChunkResult) -> None:
        store.write_chunk(result)
        counts["ran"] += len(chunk)
        counts["failed"] += len(result.failures)
        bar.set_postfix(failed=counts["failed"], refresh=False)
        bar.update(len(chunk))

    status = "interrupted"
    try:
        backend.run(context, chunks, on_result)
        status = "complete"
    except WorkerLost:
        status = "aborted"
        raise
    finally:
        bar.close()
        failures = store.failures()
        store.write_failure_table(failures)
        done = len(store.done_runs())
        if status == "complete" and done + len(failures) < total:
            status = "incomplete"
        session.update(finished=now(), status=status, ran=counts["ran"], failed=counts["failed"])
        if status == "complete" and len(failures):
            status = "complete_with_failures"
        manifest["status"] = status
        manifest["counts"] = {"runs": total, "done": done, "failed": len(failures),
                              "missing": total - done - len(failures)}
        store.write_manifest(manifest)
    return Summary(store.root, total, done, len(failures), counts["ran"], time.perf_counter() - clock,
                   failures, manifest)
