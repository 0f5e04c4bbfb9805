"""``qgeo hindcast``: hold a scenario that starts before 2022 against the agreements of 2022-2025."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from sim.base.errors import UserError
from sim.base.wording import counted
from sim.cli.commands.run import (
    add_posterior_arguments,
    add_scenario_arguments,
    posterior_from_args,
    scenario_from_args,
)

EPILOG = """\
examples:
  qgeo hindcast                                 # the history scenario, 20 replications
  qgeo hindcast --replications 50 --out runs/hindcast
  qgeo hindcast history --agreements my_agreements.csv   # score your own list of agreements
  qgeo hindcast --posterior runs/calibrations/history     # the calibrated model, one draw per replication
"""
SHOWN_TARGETS: tuple[str, ...] = ("any", "signed", "talks")
"""Targets printed at the end (every target is in the table)."""


class HindcastInputError(UserError):
    """A hindcast that cannot run on the given scenario or file."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``hindcast`` command.

    Args:
        subparsers: The top-level parser's sub-parsers.
    """
    parser = subparsers.add_parser(
        "hindcast", help="score a scenario's partnerships against the agreements of 2022-2025",
        description=textwrap.fill(
            "Run a scenario that starts in 2021 or earlier (default: history, the 2019 world), estimate "
            "for every pair with a leader or provider the probability of a partnership (any kind, by "
            "stage and by kind) by the end of each year of 2022-2025 over the replications, and score it "
            "against the observed agreements of those years: ROC AUC with a bootstrap interval, Brier "
            "score, precision at 10 and 25, beside two naive baselines (partner popularity in the "
            "agreements to 2021; alignment distance). Writes scores.csv, pairs.csv, manifest.json and "
            "hindcast.png/.svg.", 79),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_scenario_arguments(parser, default="history")
    parser.add_argument("--agreements", type=Path, metavar="FILE",
                        help="agreements file to score against (columns a_iso3,b_iso3,year,kind,source,"
                             "note; default: the scenario data's agreements.csv)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where to write (default: runs/hindcast-<name>)")
    parser.add_argument("--boot", type=int, default=1000, metavar="N",
                        help="bootstrap resamples of the AUC interval (default: 1000)")
    add_posterior_arguments(parser)
    parser.set_defaults(handler=hindcast)


def hindcast(args: argparse.Namespace) -> int:
    """Run the command.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code 0.

    Raises:
        HindcastInputError: A scenario outside the window, a bad agreements file, or bad options.
    """
    import hashlib

    from sim.base.paths import display_path
    from sim.engine.provenance import versions
    from sim.engine.store import lock_directory, write_csv, write_json
    from sim.experiments import (
        hindcast as engine,  # here, not at the top: the model is slow to import for --help
    )
    from sim.experiments.hindcast_figure import figure_hindcast
    from sim.model.quantum_world import load_world_cached
    from sim.output.plots import save_figure
    from sim.world.agreements import load_agreements
    from sim.world.data import agreements_path

    if args.boot < 100:
        raise HindcastInputError(f"--boot: expected at least 100 resamples, found {args.boot}")
    posterior = posterior_from_args(args)
    scenario = scenario_from_args(args)
    draws = None if posterior is None else posterior.draw(scenario.replications, scenario.seed)
    world = load_world_cached(scenario.data)
    path = args.agreements if args.agreements is not None else agreements_path(scenario.data)
    if path is None:
        raise HindcastInputError(f"scenario '{scenario.name}': its data have no agreements file; "
                                 "give one with --agreements FILE")
    agreements = load_agreements(path, world.iso3)
    out = args.out if args.out is not None else Path("runs") / f"hindcast-{scenario.name}"
    with lock_directory(out, " ".join(["qgeo", "hindcast", *sys.argv[2:]])):  # created before the runs
        try:
            predictions = engine.predict_pairs(scenario, draws=draws)
        except engine.HindcastError as error:
            raise HindcastInputError(str(error)) from None
        alignment = dict(zip(world.iso3, world.alignment.tolist(), strict=True))
        scores, pairs = engine.score(predictions, agreements, alignment, n_boot=args.boot, seed=scenario.seed)
        write_csv(out / "scores.csv", scores, "%.6g")
        write_csv(out / "pairs.csv", pairs, "%.6g")
        figure = figure_hindcast(scores, pairs, scenario.name, scenario.replications)
        written = save_figure(figure, out, "hindcast")
        write_json(out / "manifest.json", {
            "command": "qgeo hindcast",
            "scenario": scenario.to_toml_dict(),
            "scenario_digest": scenario.digest(),
            "replications": scenario.replications,
            "root_seed": scenario.seed,
            "seeds": scenario.replication_seeds(),
            "agreements": {"path": str(Path(path).resolve()),
                           "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
                           "rows": len(agreements)},
            "window": sorted(int(y) for y in scores["year"].unique()),
            "bootstrap": {"resamples": args.boot, "seed": scenario.seed},
            "posterior": (None if posterior is None
                          else posterior.record(scenario.replications, scenario.seed)),
            "versions": versions(),
        })
    year = int(scores["year"].max())
    last = scores[(scores["year"] == year) & scores["target"].isin(SHOWN_TARGETS)]
    over = "" if posterior is None else f" over the posterior of {display_path(posterior.directory)}"
    print(f"hindcast of '{scenario.name}' ({counted(scenario.replications, 'replication')}{over}) against "
          f"{display_path(Path(path))}, 2022-{year}:")
    for row in last.itertuples():
        interval = f"[{row.auc_low:.3f}, {row.auc_high:.3f}]"
        print(f"  {row.target:<7} {row.predictor:<11} AUC {row.auc:.3f} {interval}"
              f"  precision@10 {row.precision_at_10:.2f}  ({row.n_positive} of {row.n_pairs} pairs)")
    print(f"{display_path(out)}: scores.csv, pairs.csv, manifest.json, "
          f"{', '.join(p.name for p in written)}")
    return 0
