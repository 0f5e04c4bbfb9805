"""``qgeo plot``: re-draw a run's plots from its saved data."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.output.plots import FigureStyle

EPILOG = """\
examples:
  qgeo plot runs/baseline
  qgeo plot runs/baseline --out figures/
  qgeo plot runs/baseline --format png,pdf --dpi 300 --size 6.5x4
"""


def add_figure_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options that say how figures are saved (``--format``, ``--dpi``, ``--size``).

    Args:
        parser: The command's parser.
    """
    parser.add_argument("--format", dest="formats", default="png,svg", metavar="FMT[,FMT]",
                        help="figure formats: png, svg, pdf, comma-separated (default: png,svg)")
    parser.add_argument("--dpi", type=int, default=150, help="resolution of PNG figures (default 150)")
    parser.add_argument("--size", metavar="WxH",
                        help="size of every figure in inches, e.g. 6.5x4 (default: each figure's own)")


def figure_style(args: argparse.Namespace) -> FigureStyle:
    """The figure style the options ask for.

    Args:
        args: Parsed arguments of a command that called :func:`add_figure_arguments`.

    Returns:
        The checked style.
    """
    from sim.output.plots import FigureStyle

    return FigureStyle.parse(args.formats, args.dpi, args.size)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plot`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "plot", help="re-draw a run's plots from its data",
        description=textwrap.fill(
            "Read a run directory's Parquet data and draw its plots again (PNG and SVG by default; "
            "--format, --dpi and --size for figures that go in a paper).",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a directory written by `qgeo run`")
    parser.add_argument("--out", type=Path, metavar="DIR", help="where to write (default: RUN_DIR/plots)")
    add_figure_arguments(parser)
    parser.set_defaults(handler=plot)


def plot(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0.

    Raises:
        DirectoryLocked: If another qgeo process is writing where the plots go (one writer at a time).
    """
    from sim.base.paths import display_path
    from sim.engine.batch import draw_plots  # here, not at the top: matplotlib is slow to import for --help
    from sim.engine.store import lock_directory, read_manifest

    read_manifest(args.run_dir)  # a directory that holds no run is reported before anything is created
    target, option = (args.run_dir, "RUN_DIR") if args.out is None else (args.out, "--out")
    with lock_directory(target, " ".join(["qgeo", "plot", *sys.argv[2:]]), option):
        written = draw_plots(args.run_dir, args.out, figure_style(args))
    print(f"{display_path(written[0].parent)}: {len(written)} files")
    return 0
