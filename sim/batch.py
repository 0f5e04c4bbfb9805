"""Run all replications of a scenario into a run directory, serially or in worker processes.

Each replication is written by whoever ran it as soon as it finishes (see
:mod:`sim.rundir`), so an interrupted run keeps every finished replication and
``resume=True`` continues it. Replication ``k`` always runs with seed
``derive_seed(scenario.seed, k)``, so serial and parallel runs write identical data.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path

from tqdm import tqdm

from sim import rundir
from sim.errors import UserError
from sim.plots import FigureStyle, draw_run_plots
from sim.posterior import Posterior, per_replication
from sim.runner import simulate
from sim.scenario import Scenario
from sim.summary import summarize


def replicate_into(scenario: Scenario, seed: int, replication: int, run_dir: Path) -> int:
    """Run one replication and write its tables (a worker function: top-level and picklable).

    Args:
        scenario: The resolved scenario.
        seed: The replication's seed.
        replication: Its index.
        run_dir: The run directory.

    Returns:
        The replication's index.
    """
    rundir.write_replication(run_dir, simulate(scenario, seed, replication=replication), replication)
    return replication


def run_scenario(
    scenario: Scenario,
    run_dir: Path,
    *,
    workers: int = 1,
    resume: bool = False,
    command: Sequence[str] = (),
    progress: bool | None = None,
    plots: bool = True,
    posterior: Posterior | None = None,
    style: FigureStyle | None = None,
) -> Path:
    """``run_scenario(scenario, run_dir, *, workers=1, resume=False, plots=True)``: write a run directory.

    Runs every unfinished replication (in ``workers`` processes), then writes the summary and the
    plots: what ``qgeo run`` does.

    Args:
        scenario: The resolved scenario.
        run_dir: The run directory (created if needed).
        workers: Number of worker processes; 1 runs in this process.
        resume: Continue a run of the same scenario in ``run_dir``, skipping finished replications.
        command: The command line to record in the manifest.
        progress: Show a progress bar (default: only when stderr is a terminal).
        plots: Draw the plots.
        posterior: Run replication ``k`` with posterior draw ``k`` (see :mod:`sim.posterior`).
        style: Formats, resolution and size of the plots.

    Returns:
        The run directory.

    Raises:
        UserError: On a bad worker count, or a run directory that cannot be used.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from sim.batch import run_scenario
        >>> from sim.scenario import load_scenario
        >>> scenario = load_scenario("baseline", [], {"steps": 2, "replications": 2})
        >>> run_dir = run_scenario(scenario, Path(tempfile.mkdtemp()) / "baseline", plots=False)
        >>> sorted(path.name for path in run_dir.iterdir())
        ['agents', 'edges', 'manifest.json', 'model', 'summary.csv']
    """
    if workers < 1:
        raise UserError(f"--workers: expected a number of processes >= 1, found {workers}")
    run_dir = Path(run_dir)
    seeds = scenario.replication_seeds()
    record = None if posterior is None else posterior.record(len(seeds), scenario.seed)
    manifest = rundir.prepare(run_dir, scenario, resume, command, posterior=record)
    scenarios = per_replication(scenario, None if posterior is None else posterior.draw(len(seeds),
                                                                                      scenario.seed))
    done = set(rundir.finished(run_dir, len(seeds)))
    pending = [k for k in range(len(seeds)) if k not in done]
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=len(seeds), initial=len(done), disable=not show, unit="replication",
              desc=scenario.name) as bar:
        if workers == 1 or len(pending) <= 1:
            for k in pending:
                replicate_into(scenarios[k], seeds[k], k, run_dir)
                bar.update()
        else:
            _run_parallel(scenarios, seeds, pending, run_dir, workers, bar)
    write_summary(run_dir)
    if plots:
        draw_plots(run_dir, style=style)
    rundir.complete(run_dir, manifest)
    return run_dir


def _run_parallel(
    scenarios: list[Scenario], seeds: list[int], pending: list[int], run_dir: Path, workers: int, bar: tqdm
) -> None:
    with ProcessPoolExecutor(max_workers=min(workers, len(pending))) as pool:
        futures = {pool.submit(replicate_into, scenarios[k], seeds[k], k, run_dir) for k in pending}
        try:
            while futures:
                finished, futures = wait(futures, return_when=FIRST_EXCEPTION)
                for future in finished:
                    future.result()
                    bar.update()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def write_summary(run_dir: Path) -> Path:
    """Write ``summary.csv``: per step and outcome, n, mean, sd and 95% CI across replications.

    Args:
        run_dir: The run directory.

    Returns:
        The summary's path.
    """
    path = Path(run_dir) / rundir.SUMMARY
    temporary = path.with_name(f".{path.name}.tmp")
    summarize(rundir.read_table(run_dir, "model")).to_csv(temporary, index=False)
    temporary.replace(path)
    return path


def draw_plots(run_dir: Path, out: Path | None = None, style: FigureStyle | None = None) -> list[Path]:
    """Draw a run's plots from its saved data.

    Args:
        run_dir: The run directory.
        out: Where to write them (default ``<run_dir>/plots``).
        style: Formats, resolution and size (default PNG and SVG at 150 dpi).

    Returns:
        The written files.
    """
    run_dir = Path(run_dir)
    manifest = rundir.read_manifest(run_dir)
    return draw_run_plots(
        rundir.read_table(run_dir, "model"),
        rundir.read_table(run_dir, "agents"),
        rundir.read_table(run_dir, "edges"),
        manifest["scenario"]["name"],
        out if out is not None else run_dir / "plots",
        style,
    )
