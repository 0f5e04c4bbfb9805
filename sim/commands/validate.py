"""``qgeo validate``: check scenario files without running them."""

from __future__ import annotations

import argparse
import sys
import textwrap

from sim.errors import UserError
from sim.scenario import display_path, find_scenario, load_scenario

EPILOG = """\
examples:
  qgeo validate scenarios/*.toml
  qgeo validate my_scenario.toml
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "validate", help="check scenario files",
        description=textwrap.fill(
            "Read and check each scenario file (after `extends`): keys, types, ranges, countries, "
            "attributes and events. Prints one line per file; exit code 2 if any is invalid.",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario files (or shipped scenario names)")
    parser.set_defaults(handler=validate)


def validate(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        0 if every file is valid, else 2.
    """
    failures = 0
    for name in args.files:
        try:
            scenario = load_scenario(name)
        except UserError as error:
            failures += 1
            print(f"qgeo validate: error: {error}", file=sys.stderr)
            continue
        print(f"ok: {display_path(find_scenario(name))} ('{scenario.name}': {scenario.steps} steps, "
              f"{scenario.replications} replications, {len(scenario.params)} parameters, "
              f"{len(scenario.countries)} country overrides, {len(scenario.events)} events)")
    return 2 if failures else 0
