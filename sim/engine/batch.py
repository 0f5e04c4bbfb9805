"""Run all replications of a scenario into a run directory, on the same engine as an experiment.

A scenario run is a plan of one point and ``replications`` runs (:func:`sim.engine.plan.scenario_plan`)
whose outcome mode keeps the full tables: the run kernels, backends, store and session
are those of :mod:`sim.engine.execute`. Each replication's tables are written as soon as it
finishes (see :class:`sim.engine.store.RunStore`), so an interrupted run keeps every finished
replication and ``resume=True`` continues it. Replication ``k`` always runs with seed
``derive_seed(scenario.seed, k)``, so serial and parallel runs write identical data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.base.errors import UserError
from sim.base.wording import counted
from sim.engine.backends import backend_for
from sim.engine.plan import scenario_plan
from sim.engine.runner import RunContext
from sim.engine.session import run_session
from sim.engine.store import SUMMARY, RunStore, read_manifest, read_table, write_csv
from sim.inputs.posterior import Posterior
from sim.inputs.scenario import Scenario, display_path
from sim.output.plots import FigureStyle, draw_run_plots
from sim.output.summary import summarize

TABLE_CHUNK = 4
"""Most replications per task (a replication takes tens of milliseconds, so chunks stay small)."""


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
        workers: Number of processes; 1 runs in this process.
        resume: Continue a run of the same scenario in ``run_dir``, skipping finished replications.
        command: The command line to record in the manifest.
        progress: Show a progress bar (default: only when stderr is a terminal).
        plots: Draw the plots.
        posterior: Run replication ``k`` with posterior draw ``k`` (see :mod:`sim.inputs.posterior`).
        style: Formats, resolution and size of the plots.

    Returns:
        The run directory.

    Raises:
        UserError: On a bad worker count, a run directory that cannot be used (or that another
            process is writing), or a failed replication.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from sim.engine.batch import run_scenario
        >>> from sim.inputs.scenario import load_scenario
        >>> scenario = load_scenario("baseline", [], {"steps": 2, "replications": 2})
        >>> run_dir = run_scenario(scenario, Path(tempfile.mkdtemp()) / "baseline", plots=False)
        >>> sorted(path.name for path in run_dir.iterdir())
        ['agents', 'edges', 'manifest.json', 'model', 'parts.jsonl', 'summary.csv']
    """
    if workers < 1:
        raise UserError(f"--workers: expected a number of processes >= 1, found {workers}")
    draws = () if posterior is None else tuple(posterior.draw(scenario.replications, scenario.seed))
    record = None if posterior is None else posterior.record(scenario.replications, scenario.seed)
    with RunStore(Path(run_dir)) as store:  # holds the directory's lock from open() to the end
        with backend_for(workers, runs=scenario.replications) as backend:
            store.open(scenario, resume, command, posterior=record)
            context = RunContext(scenario, draws=draws, tables=store.root)
            summary = run_session(context, scenario_plan(scenario), store, backend, name=scenario.name,
                                  unit="replication", most=TABLE_CHUNK, progress=progress,
                                  command=" ".join(command) or None)
        if summary.failed:
            first = summary.failures.iloc[0]
            raise UserError(f"{display_path(store.root)}: {counted(summary.failed, 'replication')} failed, "
                            f"the first (replication {first['replication']}) with {first['error_type']}: "
                            f"{first['message']}; see {display_path(store.root / 'failures.csv')}, and "
                            "continue with --resume once fixed")
        write_summary(store.root)
        if plots:
            draw_plots(store.root, style=style)
        store.complete(summary.manifest)
    return store.root


def write_summary(run_dir: Path) -> Path:
    """Write ``summary.csv``: per step and outcome, n, mean, sd and 95% CI across replications.

    Args:
        run_dir: The run directory.

    Returns:
        The summary's path.
    """
    path = Path(run_dir) / SUMMARY
    write_csv(path, summarize(read_table(run_dir, "model")))
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
    manifest = read_manifest(run_dir)
    return draw_run_plots(
        read_table(run_dir, "model"),
        read_table(run_dir, "agents"),
        read_table(run_dir, "edges"),
        manifest["scenario"]["name"],
        out if out is not None else run_dir / "plots",
        style,
    )
