"""``qgeo analyze``: tables and figures of an experiment's results."""

from __future__ import annotations

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

from sim.cli.commands.plot import add_figure_arguments, figure_style

EPILOG = """\
examples:
  qgeo analyze runs/experiments/openness_vs_dependence
  qgeo analyze runs/experiments/sobol_second_wave     # Sobol' indices, bar charts, warnings.txt
  qgeo analyze runs/experiments/openness_vs_dependence --format pdf --size 6.5x4
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``analyze`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "analyze", help="analyse an experiment's results (tables and figures)",
        description="Read an experiment's results and write DIR/analysis: per-point summaries, which "
                    "inputs explain each outcome, grid heatmaps and line plots with 95% bands, Sobol' "
                    "or Morris indices with intervals and stability warnings, time series per design "
                    "point (PNG and SVG figures, CSV tables). `qgeo experiment` runs it at the end.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", type=Path, metavar="DIR",
                        help="a directory written by `qgeo experiment`")
    add_figure_arguments(parser)
    parser.set_defaults(handler=analyze)


def analyze(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0.

    Raises:
        DirectoryLocked: If another qgeo process is writing the directory (one writer at a time).
    """
    from sim.engine.store import lock_directory
    from sim.experiments.analysis import analyze as analyze_directory  # matplotlib: only when analysing
    from sim.inputs.scenario import display_path

    command = " ".join(["qgeo", "analyze", *sys.argv[2:]])
    directory = Path(args.directory)
    with lock_directory(directory, command, "DIR") if directory.is_dir() else nullcontext():
        report = analyze_directory(directory, figure_style(args))  # a missing directory is named there
    print(f"{display_path(report.directory)}: {len(report.files)} files (tables and figures)")
    for warning in report.warnings:
        print(f"warning: {warning}")
    return 0
