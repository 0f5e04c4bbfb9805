"""Calibration speed: time per generation at the shipped population, 1 and 2 workers, against experiments.

Usage: ``python benchmarks/bench_calibrate.py [--calibration history] [--generations 2] [--json out.json]``

For 1 and 2 workers, runs the shipped calibration (its population, its priors and targets)
for ``--generations`` generations in this process and reads pyabc's wall time per
generation and its number of proposals, i.e. simulations, from ``generations.csv``
(pyabc's sample from the prior that sets the first epsilon is not counted). It then runs
the plain experiment engine (``sim.engine.execute.run_experiment``, a Latin hypercube over the
same priors' bounds, the same scenario to its horizon, one step past the last target
year) on as many runs as the
calibration's proposals, with the same workers, and compares simulations per second. The
configurations alternate and each runs ``--repeats`` times; medians are reported (the
machine is shared).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from sim.engine.execute import run_experiment
from sim.experiments.calibration.driver import run_calibration
from sim.experiments.calibration.spec import load_calibration
from sim.inputs.experiment import load_experiment


def calibrate(name: str, generations: int, workers: int, root: Path) -> tuple[float, int, int]:
    calibration = load_calibration(name)
    calibration = replace(calibration, spec=calibration.spec.model_copy(update={"generations": generations}))
    out = root / f"cal-{workers}-{time.monotonic_ns()}"
    run_calibration(calibration, out, workers=workers, progress=False, plots=False)
    table = pd.read_csv(out / "generations.csv")
    return float(table["seconds"].sum()), int(table["proposals"].sum()), len(table)


def experiment(name: str, runs: int, workers: int, root: Path) -> float:
    calibration = load_calibration(name)
    lines = ['name = "bench_calibrate"', f'scenario = "{calibration.scenario.source}"', "seed = 1",
             "replications = 1", "",
             "[design]", 'type = "lhs"', f"samples = {runs}", ""]
    for prior in calibration.priors:
        lines += ["[[inputs]]", f'name = "params.{prior.name}"', f"low = {prior.low}", f"high = {prior.high}",
                  ""]
    lines += ["[[outcomes]]", 'name = "signed_science"', 'metric = "n_signed_science"']
    path = root / f"exp-{workers}-{time.monotonic_ns()}.toml"
    path.write_text("\n".join(lines) + "\n")
    spec = load_experiment(path)
    start = time.perf_counter()
    run_experiment(spec, root / path.stem, workers=workers, progress=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", default="history")
    parser.add_argument("--generations", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    population = load_calibration(args.calibration).spec.population
    results: dict[int, dict[str, list[float]]] = {w: {"per_generation": [], "calibration_sims_per_s": [],
                                                      "experiment_sims_per_s": []} for w in (1, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for _ in range(args.repeats):
            for workers in (1, 2):
                seconds, proposals, generations = calibrate(args.calibration, args.generations, workers, root)
                plain = experiment(args.calibration, proposals, workers, root)
                entry = results[workers]
                entry["per_generation"].append(seconds / generations)
                entry["calibration_sims_per_s"].append(proposals / seconds)
                entry["experiment_sims_per_s"].append(proposals / plain)
    report = {"calibration": args.calibration, "population": population, "generations": args.generations,
              "repeats": args.repeats}
    for workers, entry in results.items():
        medians = {key: statistics.median(values) for key, values in entry.items()}
        report[f"workers_{workers}"] = medians
        print(f"{workers} worker(s), population {population}: {medians['per_generation']:.1f} s per "
              "generation, "
              f"calibration {medians['calibration_sims_per_s']:.0f} simulations/s, plain experiment engine "
              f"{medians['experiment_sims_per_s']:.0f} simulations/s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
