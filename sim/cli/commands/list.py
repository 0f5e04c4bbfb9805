"""``qgeo list``: the shipped scenarios and the question each asks."""

from __future__ import annotations

import argparse
import textwrap

EPILOG = """\
example:
  qgeo list
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``list`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "list", help="list the shipped scenarios",
        description=textwrap.fill(
            "List the scenarios shipped in scenarios/ with the question each one asks.",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=list_scenarios)


def list_scenarios(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments (none used).

    Returns:
        Exit code 0.
    """
    from sim.inputs.scenario import load_scenario, shipped_scenarios  # here, not at the top: slow for --help

    del args
    scenarios = [load_scenario(path) for path in shipped_scenarios()]
    width = max(len(path.stem) for path in shipped_scenarios())
    for path, scenario in zip(shipped_scenarios(), scenarios, strict=True):
        lines = textwrap.wrap(scenario.description, 100 - width - 2) or [""]
        print(f"{path.stem:<{width}}  {lines[0]}")
        for line in lines[1:]:
            print(f"{'':<{width}}  {line}")
    return 0
