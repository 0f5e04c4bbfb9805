"""``qgeo plot``: re-draw a run's plots from its saved data."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from sim.rundir import make_directory, read_manifest
from sim.scenario import display_path

EPILOG = """\
examples:
  qgeo plot runs/baseline
  qgeo plot runs/baseline --out figures/
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plot`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "plot", help="re-draw a run's plots from its data",
        description=textwrap.fill(
            "Read a run directory's Parquet data and draw its plots (PNG and SVG) again.",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a directory written by `qgeo run`")
    parser.add_argument("--out", type=Path, metavar="DIR", help="where to write (default: RUN_DIR/plots)")
    parser.set_defaults(handler=plot)


def plot(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0.
    """
    from sim.batch import draw_plots  # here, not at the top: matplotlib is slow to import for --help

    if args.out is not None:
        read_manifest(args.run_dir)  # a directory that holds no run is reported before --out is created
        make_directory(args.out)
    written = draw_plots(args.run_dir, args.out)
    print(f"{display_path(written[0].parent)}: {len(written)} files")
    return 0
