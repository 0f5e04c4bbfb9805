"""``qgeo show``: print a fully resolved scenario (after ``extends`` and ``--set``) as annotated TOML."""

from __future__ import annotations

import argparse
import textwrap

from sim.cli.commands.run import add_scenario_arguments, scenario_from_args

EPILOG = """\
examples:
  qgeo show export_controls
  qgeo show baseline --set params.dependence_weight=3 --replications 20
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``show`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "show", help="print a resolved scenario",
        description=textwrap.fill(
            "Print a scenario as TOML after resolving `extends`, --set and the other options, "
            "with its digest, and every model parameter with its value, default, unit and meaning "
            "(parameters the scenario does not set are commented out at their default). The output "
            "is itself a valid scenario file that resolves to the same scenario.",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scenario_arguments(parser, default=None)
    parser.set_defaults(handler=show)


def show(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0.
    """
    from sim.inputs.scenario import display_path  # here, not at the top: slow to import for --help

    scenario = scenario_from_args(args)
    print(f"# resolved from {display_path(scenario.source)}; digest {scenario.digest()}")
    print(f"# years {scenario.base_year}-{scenario.end_year}")
    print(scenario.to_toml(annotated=True), end="")
    return 0
