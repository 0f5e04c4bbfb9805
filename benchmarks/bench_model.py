"""Model speed: the baseline world, synthetic worlds, and Mesa's BoltzmannWealth as a yardstick.

Usage: ``python benchmarks/bench_model.py [--repeats 7] [--json out.json]``

Reports the median wall time of several runs (construction + steps, with data
collection), agent-steps per second, and checks the targets of issue 2:
baseline x 100 steps no slower than BoltzmannWealth (100 agents x 100 steps);
10,000 countries x 100 steps (model-level collection) under 1 s, i.e. at least
1M agent-steps per second; doubling the countries costs at most 2.2 times the time.

The cases are interleaved in one process (one warm-up run of each, then
``--repeats`` rounds of A B C ...), and the checks compare medians: on a shared
machine, timing all repeats of one case before the next lets a burst of other
load fall on one case only and flip the comparison. The load average before and
after, and the ``sim`` package imported (``PYTHONPATH`` picks another checkout),
are printed and written to the JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannWealth

import sim
from sim import QuantumWorld

STEPS = 100


def interleaved_times(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Wall times of each run: one warm-up call of each, then ``repeats`` rounds calling each in turn."""
    for run in runs.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def run_quantum(**kwargs) -> Callable[[], QuantumWorld]:
    """A closure building a QuantumWorld and stepping it ``STEPS`` times."""

    def go() -> QuantumWorld:
        model = QuantumWorld(steps=STEPS, seed=1, **kwargs)
        for _ in range(STEPS):
            model.step()
        return model

    return go


def run_boltzmann() -> BoltzmannWealth:
    """Mesa's BoltzmannWealth example, 100 agents, 100 steps, with its data collection."""
    model = BoltzmannWealth(n=100, width=10, height=10, seed=1)
    for _ in range(STEPS):
        model.step()
    return model


def main() -> int:
    """Run the benchmark and print a table; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per case (default 7)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()

    cases = {
        "boltzmann_100": (run_boltzmann, 100),
        "baseline": (run_quantum(), len(QuantumWorld().countries)),
        "synthetic_1000": (run_quantum(n_countries=1000, collect_agents=False), 1000),
        "synthetic_5000": (run_quantum(n_countries=5000, collect_agents=False), 5000),
        "synthetic_10000": (run_quantum(n_countries=10000, collect_agents=False), 10000),
    }
    load_before = os.getloadavg()
    print(f"sim package: {sim.__file__}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    times = interleaved_times({name: run for name, (run, _) in cases.items()}, args.repeats)
    load_after = os.getloadavg()
    results = {}
    print(f"{'case':<18}{'agents':>8}{'median s':>12}{'min s':>10}{'max s':>10}{'agent-steps/s':>16}")
    for name, (_, agents) in cases.items():
        seconds = statistics.median(times[name])
        rate = agents * STEPS / seconds
        results[name] = {"agents": agents, "steps": STEPS, "median_s": seconds, "agent_steps_per_s": rate,
                         "times_s": times[name]}
        print(f"{name:<18}{agents:>8}{seconds:>12.4f}{min(times[name]):>10.4f}{max(times[name]):>10.4f}"
              f"{rate:>16,.0f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load_after)}")

    checks = {
        "baseline no slower than BoltzmannWealth": results["baseline"]["median_s"]
        <= results["boltzmann_100"]["median_s"],
        "10,000 countries x 100 steps under 1 s (>= 1M agent-steps/s)":
        results["synthetic_10000"]["median_s"] < 1.0,
        "doubling 5,000 -> 10,000 costs <= 2.2x": results["synthetic_10000"]["median_s"]
        <= 2.2 * results["synthetic_5000"]["median_s"],
    }
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"sim": sim.__file__, "repeats": args.repeats, "load_before": load_before,
                       "load_after": load_after, "results": results, "checks": checks}, handle, indent=2)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
