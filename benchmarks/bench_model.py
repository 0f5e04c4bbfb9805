"""Model speed: the baseline world, synthetic worlds, and Mesa's BoltzmannWealth as a yardstick.

Usage: ``python benchmarks/bench_model.py [--repeats 7] [--yardstick-repeats 35] [--json out.json]``

Reports the median wall time of several runs (construction + steps, with data
collection), agent-steps per second, and checks the targets of issue 2:
baseline x 100 steps no slower than BoltzmannWealth (100 agents x 100 steps);
10,000 countries x 100 steps (model-level collection) under 1 s, i.e. at least
1M agent-steps per second; doubling the countries costs at most 2.2 times the time.

The cases run in two interleaved groups in one process (``timing.py``: one warm-up run
of each, then rounds running each case once, the order reversed every other round):
BoltzmannWealth and the baseline, both about 0.1 s, in ``--yardstick-repeats`` rounds
(default 35), and the synthetic worlds in ``--repeats`` rounds. A comparison of two
cases is the median over rounds of their ratio in the same round (paired, seconds
apart), so a burst of other load on a shared machine falls on both or on one round
only; timing all repeats of one case before the next made the BoltzmannWealth check
flip between pass and fail. The load average before and after, and the ``sim`` package
imported (``PYTHONPATH`` picks another checkout), are printed and written to the JSON
file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannWealth
from timing import interleaved_times, load_text, medians, paired_ratio

import sim
from sim import QuantumWorld

STEPS = 100


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
    parser.add_argument("--repeats", type=int, default=7, help="rounds of the synthetic worlds (default 7)")
    parser.add_argument("--yardstick-repeats", type=int, default=35,
                        help="rounds of BoltzmannWealth against the baseline (default 35)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()

    yardstick = {
        "boltzmann_100": (run_boltzmann, 100),
        "baseline": (run_quantum(), len(QuantumWorld().countries)),
    }
    scale = {
        "synthetic_1000": (run_quantum(n_countries=1000, collect_agents=False), 1000),
        "synthetic_5000": (run_quantum(n_countries=5000, collect_agents=False), 5000),
        "synthetic_10000": (run_quantum(n_countries=10000, collect_agents=False), 10000),
    }
    cases = yardstick | scale
    load_before = load_text()
    print(f"sim package: {sim.__file__}")
    print(f"load average before: {load_before}")
    times = interleaved_times({name: run for name, (run, _) in yardstick.items()}, args.yardstick_repeats)
    times |= interleaved_times({name: run for name, (run, _) in scale.items()}, args.repeats)
    load_after = load_text()
    middle = medians(times)
    results = {}
    print(f"{'case':<18}{'agents':>8}{'rounds':>8}{'median s':>12}{'min s':>10}{'max s':>10}"
          f"{'agent-steps/s':>16}")
    for name, (_, agents) in cases.items():
        rate = agents * STEPS / middle[name]
        results[name] = {"agents": agents, "steps": STEPS, "median_s": middle[name],
                         "agent_steps_per_s": rate, "times_s": times[name]}
        print(f"{name:<18}{agents:>8}{len(times[name]):>8}{middle[name]:>12.4f}{min(times[name]):>10.4f}"
              f"{max(times[name]):>10.4f}{rate:>16,.0f}")
    print(f"load average after: {load_after}")
    against_boltzmann = paired_ratio(times, "baseline", "boltzmann_100")
    doubling = paired_ratio(times, "synthetic_10000", "synthetic_5000")
    print(f"baseline / BoltzmannWealth, median of paired ratios: {against_boltzmann:.3f}; "
          f"10,000 / 5,000 countries: {doubling:.3f}")

    checks = {
        f"baseline no slower than BoltzmannWealth ({against_boltzmann:.2f}x)": against_boltzmann <= 1.0,
        f"10,000 countries x 100 steps under 1 s (>= 1M agent-steps/s; {middle['synthetic_10000']:.2f} s)":
        middle["synthetic_10000"] < 1.0,
        f"doubling 5,000 -> 10,000 costs <= 2.2x ({doubling:.2f}x)": doubling <= 2.2,
    }
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"sim": sim.__file__, "repeats": args.repeats,
                       "yardstick_repeats": args.yardstick_repeats, "load_before": load_before,
                       "load_after": load_after, "results": results,
                       "ratios": {"baseline_over_boltzmann": against_boltzmann,
                                  "synthetic_10000_over_5000": doubling},
                       "checks": checks}, handle, indent=2)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
