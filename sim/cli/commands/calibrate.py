"""``qgeo calibrate``: estimate parameters by ABC-SMC (pyabc) from a calibration file."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from sim.base.errors import UserError
from sim.cli.commands.experiment import add_backend_arguments

EPILOG = """\
examples:
  qgeo calibrate history                          # serial, into runs/calibrations/history
  qgeo calibrate calibrations/history.toml --workers 2 --out runs/cal
  qgeo calibrate history --scheduler local --workers 4       # a local Dask cluster
  qgeo calibrate history --scheduler tcp://head-node:8786 --out /shared/cal
  qgeo calibrate history --out runs/cal --resume  # continue after Ctrl-C or a kill
  qgeo run history --posterior runs/cal           # then run a scenario over the posterior
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "calibrate", help="estimate parameters from calibration-window data (ABC-SMC with pyabc)",
        description=textwrap.fill(
            "Run an ABC-SMC calibration (pyabc) of a calibration file: the parameters' priors, the targets "
            "(summary statistics with observed values and uncertainties, only from the calibration window), "
            "the population and generations, the seed. Prints one line per generation; pyabc's SQLite "
            "history keeps every finished generation, so --resume continues after Ctrl-C or a kill. "
            "Writes manifest.json, generations.csv, posterior.parquet (with weights), summary.csv and "
            "plots/. Results are identical serially, with --workers and on a Dask cluster.", 79),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("calibration", metavar="FILE",
                        help="calibration file, or the name of a shipped one in calibrations/")
    add_backend_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output directory (default: runs/calibrations/<calibration name>)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the calibration in the output directory from its last finished "
                             "generation")
    parser.add_argument("--no-plots", dest="plots", action="store_false", help="do not draw plots")
    parser.set_defaults(handler=calibrate)


def calibrate(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0 (a worker process that died ends the command in :func:`sim.cli.qgeo.main`,
        exit code 1).
    """
    from sim.experiments.calibration.driver import run_calibration
    from sim.experiments.calibration.spec import load_calibration
    from sim.inputs.scenario import display_path

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers: expected a whole number >= 1, found {args.workers}")
    workers = args.workers or (os.cpu_count() or 1 if args.scheduler == "local" else 1)
    calibration = load_calibration(args.calibration)
    out = args.out or Path("runs") / "calibrations" / calibration.name
    run_calibration(calibration, out, workers=workers, scheduler=args.scheduler, resume=args.resume,
                    command=" ".join(["qgeo", "calibrate", *sys.argv[2:]]), plots=args.plots)
    print(f"{display_path(out)}: posterior.parquet, summary.csv, generations.csv, manifest.json"
          + (", plots/" if args.plots else "") + f" of calibration '{calibration.name}'")
    return 0
