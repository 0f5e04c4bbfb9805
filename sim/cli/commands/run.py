"""``qgeo run``: run a scenario's replications and write a run directory."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.base.errors import UserError
from sim.base.wording import counted
from sim.cli.commands.compare import add_comparison_arguments, compare_runs
from sim.cli.commands.plot import add_figure_arguments, figure_style

if TYPE_CHECKING:
    from sim.inputs.posterior import Posterior
    from sim.inputs.scenario import Scenario

EPILOG = """\
examples:
  qgeo run                                   # the baseline, 10 replications, into runs/baseline-<time>
  qgeo run export_controls --replications 20 --workers 2 --out runs/controls
  qgeo run scenarios/baseline.toml --set params.dependence_weight=3 --set countries.VNM.budget_usd=5e7
  qgeo run export_controls --out runs/controls --resume   # continue an interrupted run
  qgeo run history --posterior runs/calibrations/history --draws 50   # bands with parameter uncertainty
  qgeo run export_controls --out runs/controls --compare-to runs/baseline   # paired differences
"""


class SetAction(argparse.Action):
    """``--set KEY=VALUE``, repeatable; a value without ``=`` (``--set KEY VALUE``) is a usage error.

    The error goes through the sub-command's parser, so the user sees its usage line, and a hint
    on how to write the value.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        """Append one ``KEY=VALUE``, or end with the sub-command's usage if it has no ``=``."""
        text = str(values)
        if "=" not in text:
            parser.error(f"argument --set: expected KEY=VALUE as one word, found {text!r} without '='; "
                         f"write --set {text}=VALUE (no spaces around '=')")
        setattr(namespace, self.dest, [*getattr(namespace, self.dest), text])


def add_scenario_arguments(parser: argparse.ArgumentParser, default: str | None = "baseline") -> None:
    """Add the scenario argument and the options that change a scenario.

    Args:
        parser: The command's parser.
        default: Default scenario (None: the argument is required).
    """
    parser.add_argument(
        "scenario", nargs="?" if default else None, default=default, metavar="SCENARIO",
        help="shipped scenario name (see `qgeo list`) or path to a TOML file"
             + (f" (default: {default})" if default else ""),
    )
    parser.add_argument("--seed", type=int, help="root seed (replication k gets a seed derived from it)")
    parser.add_argument("--replications", type=int, help="number of replications")
    parser.add_argument("--steps", type=int, help="number of yearly steps")
    parser.add_argument(
        "--set", dest="sets", action=SetAction, default=[], metavar="KEY=VALUE",
        help="change one value, in TOML syntax; keys: name, steps, end_year, seed, replications, "
             "params.<parameter>, countries.<ISO3>.<attribute>, events[<i>].<field> (repeatable)",
    )


def add_posterior_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--posterior DIR`` and ``--draws N``.

    Args:
        parser: The command's parser.
    """
    parser.add_argument("--posterior", type=Path, metavar="DIR",
                        help="a `qgeo calibrate` output directory: replication k runs with posterior draw k "
                             "(weighted resampling seeded by the root seed)")
    parser.add_argument("--draws", type=int, metavar="N",
                        help="with --posterior: number of posterior draws, one per replication (sets the "
                             "replications; default: the scenario's replications)")


def posterior_from_args(args: argparse.Namespace) -> Posterior | None:
    """The posterior named by ``--posterior`` (checking ``--draws``).

    Args:
        args: Parsed arguments of a command that called :func:`add_posterior_arguments`.

    Returns:
        The posterior, or None without ``--posterior``.

    Raises:
        UserError: ``--draws`` without ``--posterior``, below 1, or different from ``--replications``.
    """
    from sim.inputs.posterior import load_posterior  # here, not at the top: slow to import for --help

    if args.draws is not None:
        if args.posterior is None:
            raise UserError("--draws: expected --posterior DIR too (draws are taken from a posterior)")
        if args.draws < 1:
            raise UserError(f"--draws: expected a whole number >= 1, found {args.draws}")
        if args.replications is not None and args.replications != args.draws:
            raise UserError(f"--draws {args.draws}: each replication runs one draw, so expected "
                            f"--replications {args.draws} or none, found --replications {args.replications}")
    return None if args.posterior is None else load_posterior(args.posterior)


def scenario_from_args(args: argparse.Namespace) -> Scenario:
    """Load the scenario named by the arguments, with their changes applied.

    Args:
        args: Parsed arguments of a command that called :func:`add_scenario_arguments`.

    Returns:
        The resolved scenario.
    """
    from sim.inputs.scenario import load_scenario  # here, not at the top: slow to import for --help

    overrides = {key: getattr(args, key) for key in ("seed", "replications", "steps")
                 if getattr(args, key) is not None}
    if getattr(args, "draws", None) is not None:
        overrides["replications"] = args.draws
    return load_scenario(args.scenario, args.sets, overrides)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "run", help="run a scenario and write data, summary and plots",
        description=textwrap.fill(
            "Run a scenario's replications (in parallel processes with --workers) and write a run "
            "directory: manifest.json, model/, agents/ and edges/ Parquet files per replication, "
            "summary.csv and plots/ (PNG and SVG). A progress bar is shown on a terminal only.",
            79,
        ),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scenario_arguments(parser)
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="run directory (default: runs/<scenario name>-<date>-<time>)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="worker processes (default 1; results are identical for any N)")
    parser.add_argument("--resume", action="store_true",
                        help="continue a run in --out DIR, skipping finished replications")
    parser.add_argument("--no-plots", dest="plots", action="store_false", help="do not draw plots")
    add_posterior_arguments(parser)
    add_figure_arguments(parser)
    parser.add_argument("--compare-to", type=Path, metavar="RUN",
                        help="at the end, compare this run against RUN as `qgeo compare RUN DIR` would "
                             "(written to DIR/compare)")
    add_comparison_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0.
    """
    from datetime import datetime

    from sim.base.paths import display_path
    from sim.engine import store
    from sim.engine.batch import run_scenario  # here, not at the top: matplotlib is slow to import for --help
    from sim.engine.store import lock_directory
    from sim.output.summary import too_few_replications

    if args.resume and args.out is None:
        raise UserError("--resume: expected --out DIR naming the run to continue, found no --out")
    posterior = posterior_from_args(args)
    style = figure_style(args)
    scenario = scenario_from_args(args)
    if args.compare_to is not None:
        from sim.experiments.compare import load_run

        load_run(args.compare_to)  # a bad reference fails before the run, not after it
    out = args.out or Path("runs") / f"{scenario.name}-{datetime.now():%Y%m%d-%H%M%S}"
    with lock_directory(out, " ".join(_command(args))):  # one writer of `out` until the comparison is written
        run_scenario(scenario, out, workers=args.workers, resume=args.resume, command=_command(args),
                     plots=args.plots, posterior=posterior, style=style)
        print(f"{display_path(out)}: {counted(scenario.replications, 'replication')} of '{scenario.name}' "
              f"({store.read_manifest(out)['sessions'][-1]['ran']} run now)"
              + (f" over the posterior of {display_path(posterior.directory)}" if posterior else "")
              + ", summary.csv" + (", plots/" if args.plots else ""))
        warning = too_few_replications(scenario.replications)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
        if args.compare_to is not None:
            compare_runs([args.compare_to, out], out / "compare", args)
    return 0


def _command(args: argparse.Namespace) -> list[str]:
    """The command line, rebuilt from the parsed arguments (recorded in the manifest)."""
    words = ["qgeo", "run", str(args.scenario)]
    for key in ("seed", "replications", "steps"):
        if getattr(args, key) is not None:
            words += [f"--{key}", str(getattr(args, key))]
    for text in args.sets:
        words += ["--set", text]
    if args.out is not None:
        words += ["--out", str(args.out)]
    words += ["--workers", str(args.workers)]
    if args.resume:
        words.append("--resume")
    if not args.plots:
        words.append("--no-plots")
    if args.posterior is not None:
        words += ["--posterior", str(args.posterior)]
    if args.draws is not None:
        words += ["--draws", str(args.draws)]
    for key in ("formats", "dpi", "size", "compare_to", "window"):
        default = {"formats": "png,svg", "dpi": 150}.get(key)
        if getattr(args, key) is not None and getattr(args, key) != default:
            words += [f"--{'format' if key == 'formats' else key.replace('_', '-')}", str(getattr(args, key))]
    if not args.compare_plots:
        words.append("--no-compare-plots")
    return words
