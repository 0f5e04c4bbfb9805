"""``qgeo validate``: check scenario files without running them."""

from __future__ import annotations

import argparse
import sys
import textwrap

from sim.base.errors import UserError
from sim.inputs.filekinds import KINDS, locate

EPILOG = """\
examples:
  qgeo validate scenarios/*.toml experiments/*.toml
  qgeo validate my_scenario.toml my_experiment.toml
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "validate", help=f"check {', '.join(kind.name for kind in reversed(KINDS))} files",
        description=textwrap.fill(
            "Read and check each file without running it, telling its kind from its content: an "
            "experiment has design, inputs and outcomes; any other file is read as a scenario. Scenarios "
            "are checked after `extends` (keys, types, ranges, countries, attributes, events), "
            "experiments with their scenario (inputs, ranges, design, outcomes, plots). Prints one line "
            "per file; exit code 2 if any is invalid.",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="scenario or experiment files (or names of shipped ones)")
    parser.set_defaults(handler=validate)


def validate(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        0 if every file is valid, else 2.
    """
    from sim.inputs.scenario import display_path  # here, not at the top: slow to import for --help

    failures = 0
    for name in args.files:
        try:
            kind, path = locate(name)
            summary = kind.check(path)
        except UserError as error:
            failures += 1
            print(f"qgeo validate: error: {error}", file=sys.stderr)
            continue
        print(f"ok: {display_path(path)} ({summary})")
    return 2 if failures else 0
