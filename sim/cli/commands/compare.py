"""``qgeo compare``: differences of every outcome between runs, with 95% intervals, and overlays."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from sim.cli.commands.plot import add_figure_arguments, figure_style

EPILOG = """\
examples:
  qgeo compare runs/baseline runs/controls
  qgeo compare runs/baseline runs/controls runs/sanctions --window 2030-2050 --out comparisons/controls
  qgeo compare runs/baseline runs/controls --format pdf --dpi 300 --size 6.5x4
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "compare", help="compare runs: differences with 95%% CIs and overlay plots",
        description=textwrap.fill(
            "Compare runs against the first: for every outcome, the difference of its final-year "
            "value and of its mean over a window, with a 95% confidence interval. Runs whose "
            "replications share seeds (every shipped scenario does) are compared paired (common "
            "random numbers: replication k against replication k), others with Welch's interval; "
            "the 'method' column says which. Writes comparison.csv and an overlay figure per outcome "
            "(mean and 95% band of every run) and prints the table.",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN",
                        help="run directories written by `qgeo run`; the first is the reference")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where to write (default: comparisons/<first>-vs-<second>...)")
    add_comparison_arguments(parser)
    add_figure_arguments(parser)
    parser.set_defaults(handler=compare)


def add_comparison_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of a comparison (shared by ``qgeo run --compare-to``).

    Args:
        parser: The command's parser.
    """
    parser.add_argument("--window", metavar="FIRST-LAST",
                        help="years of the mean statistic (default: every year after the first)")
    parser.add_argument("--no-compare-plots", dest="compare_plots", action="store_false",
                        help="write the comparison table only")


def compare_runs(paths: list[Path], out: Path, args: argparse.Namespace) -> None:
    """Load runs, compare them, write the results and print the table.

    Args:
        paths: Run directories, the reference first.
        out: Output directory.
        args: Parsed arguments with the comparison and figure options.
    """
    from sim.engine.store import lock_directory
    from sim.experiments.compare import check_comparable, format_table, load_run, parse_window
    from sim.experiments.compare_report import write_comparison
    from sim.inputs.scenario import display_path

    style = figure_style(args)
    runs = [load_run(path) for path in paths]
    check_comparable(runs)
    window = parse_window(args.window, runs[0].years)
    with lock_directory(out, " ".join(["qgeo", *sys.argv[1:]])):  # one writer of `out`
        table, written = write_comparison(runs, out, window, style, plots=args.compare_plots)
    print(format_table(table))
    methods = ", ".join(f"{run}: {method}" for run, method in
                        table.drop_duplicates("run")[["run", "method"]].itertuples(index=False))
    print(f"{display_path(out)}: comparison.csv ({len(table)} rows; against '{table['reference'].iloc[0]}'; "
          f"{methods})" + (f", {len(written) - 1} figures in plots/" if args.compare_plots else ""))


def compare(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0.
    """
    out = args.out or Path("comparisons") / "-vs-".join(path.resolve().name for path in args.runs)
    compare_runs(list(args.runs), out, args)
    return 0
