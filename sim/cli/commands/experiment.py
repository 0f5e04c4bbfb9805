"""``qgeo experiment``: run an experiment file serially, on local processes or on a Dask cluster."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.base.errors import UserError

if TYPE_CHECKING:
    from sim.inputs.experiment import Experiment

EPILOG = """\
examples:
  qgeo experiment openness_vs_dependence                     # serial, into runs/experiments/<name>
  qgeo experiment experiments/sobol_second_wave.toml --workers 2
  qgeo experiment export_control_timing --scheduler local --workers 4   # a local Dask cluster
  qgeo experiment export_control_timing --scheduler tcp://head-node:8786 --out /shared/controls
  qgeo experiment openness_vs_dependence --resume            # continue after Ctrl-C or a crash
  qgeo experiment openness_vs_dependence --only-run 17       # repeat run 17 alone, same data
  qgeo experiment openness_vs_dependence --posterior runs/calibrations/history   # over the posterior
"""


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers`` and ``--scheduler``, shared by the commands that run on local processes or Dask.

    Args:
        parser: The sub-command's parser.
    """
    parser.add_argument("--workers", type=int, metavar="N",
                        help="local worker processes (default 1: serial); with --scheduler local, "
                             "the local Dask cluster's worker processes (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on a Dask cluster: a scheduler address such as tcp://host:8786, "
                             "or 'local' to start a LocalCluster of --workers processes")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``experiment`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "experiment", help="run an experiment (sweep, sampling design, sensitivity analysis)",
        description="Run every run of an experiment file (design points x replications), streaming "
                    "results to Parquet files as runs finish, then analyse them (see `qgeo analyze`). "
                    "Results are identical serially, with --workers and on a Dask cluster.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("experiment", metavar="FILE",
                        help="experiment file, or the name of a shipped one in experiments/")
    add_backend_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output directory (default: runs/experiments/<experiment name>)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the experiment in the output directory, running only missing "
                             "and failed runs")
    parser.add_argument("--only-run", type=int, metavar="K",
                        help="run only run K (its model and agent data go to DIR/run-K/)")
    parser.add_argument("--allow-large", action="store_true",
                        help="run an experiment of more than 1,000,000 runs (design points x replications), "
                             "which is refused otherwise")
    parser.add_argument("--chunk-size", type=int, metavar="N",
                        help="runs per task (default: shrinking from 25 to 1 as runs remain)")
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="do not analyse the results at the end")
    parser.add_argument("--no-progress", dest="progress", action="store_const", const=False, default=None,
                        help="no progress bar (it is shown on a terminal only anyway)")
    parser.add_argument("--posterior", type=Path, metavar="DIR",
                        help="a `qgeo calibrate` output directory: replication r of every design point runs "
                             "with posterior draw r (the experiment's inputs override drawn values)")
    parser.set_defaults(handler=experiment)


def experiment(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0 when every run finished or was recorded as failed (a worker process that died
        ends the command in :func:`sim.cli.qgeo.main`, exit code 1).
    """
    from sim.base.paths import display_path
    from sim.engine.execute import run_experiment
    from sim.engine.store import lock_directory
    from sim.inputs.experiment import load_experiment
    from sim.inputs.posterior import load_posterior

    for option in ("workers", "chunk_size"):
        value = getattr(args, option)
        if value is not None and value < 1:
            raise UserError(f"--{option.replace('_', '-')}: expected a whole number >= 1, found {value}")
    workers = args.workers or (os.cpu_count() or 1 if args.scheduler == "local" else 1)
    spec = load_experiment(args.experiment)
    posterior = None if args.posterior is None else load_posterior(args.posterior)
    out = args.out or Path("runs") / "experiments" / spec.name
    command = " ".join(["qgeo", "experiment", *sys.argv[2:]])
    if args.only_run is not None:
        return _only_run(spec, out, args.only_run, args.allow_large, command)
    with lock_directory(out, command):  # one writer of `out` from the first run to the analysis
        summary = run_experiment(spec, out, workers=workers, scheduler=args.scheduler,
                                 resume=args.resume, chunk_size=args.chunk_size, progress=args.progress,
                                 command=command, posterior=posterior, allow_large=args.allow_large)
        print(summary.text(spec.name))
        if args.analyze and summary.done:
            from sim.experiments.analysis import analyze

            report = analyze(out)
            print(f"{display_path(report.directory)}: {len(report.files)} files (tables and figures)")
            for warning in report.warnings:
                print(f"warning: {warning}")
    return 0


def _only_run(spec: Experiment, out: Path, run: int, allow_large: bool, command: str) -> int:
    """Repeat one run and write its model and agent data as CSV."""
    from sim.base.paths import display_path
    from sim.engine.execute import rerun
    from sim.engine.store import ResultStore, lock_directory, make_directory, write_csv

    store = ResultStore(out)
    with lock_directory(out, command):  # one writer of `out`
        plan = store.stored_plan() if store.exists() else None
        recorded = store.manifest().get("posterior") if store.exists() else None
        draws = None if recorded is None else [{name: draw[name] for name in recorded["parameters"]}
                                               for draw in recorded["draws"]]
        model, agents, row = rerun(spec, run, plan=plan, draws=draws, allow_large=allow_large)
        target = out / f"run-{run}"
        make_directory(target)
        write_csv(target / "model.csv", model)
        if agents is not None:
            write_csv(target / "agents.csv", agents)
    values = ", ".join(f"{key}={value}" for key, value in row.items())
    print(f"{display_path(target)}: model.csv, agents.csv of run {run} ({values})")
    return 0
