"""Start-up time of the command line: ``qgeo --help`` and ``qgeo CMD --help`` against bare Python.

Usage: ``python benchmarks/bench_startup.py [--repeats 15] [--json out.json]``

Each case is a new process: ``python -c pass`` (the yardstick: the same interpreter and
site set-up, nothing imported), ``qgeo --help`` and ``qgeo CMD --help`` for every
command. Target (issue 11): each at most 3 times the bare interpreter's start, i.e. the
command line imports no more than argparse and its own small modules before it parses
the arguments (numpy, pandas, Mesa, matplotlib, SciPy, Dask and Solara only inside the
commands that use them).

The cases are interleaved (one warm-up of each, then ``--repeats`` rounds running each
case once, the order reversed every other round; see ``timing.py``), and each check is
the median over rounds of the case's time divided by the bare start in the same round.
The load average before and after and the ``sim`` package the commands import
(``PYTHONPATH`` picks another checkout) are printed and written to the JSON file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from timing import interleaved_times, load_text, medians, paired_ratio

from sim.cli.qgeo import COMMAND_MODULES

TARGET_RATIO = 3.0
"""Most a ``--help`` may take, as a multiple of the bare interpreter's start."""


def qgeo_command() -> list[str]:
    """How to start the command line: the console script beside this interpreter, else ``-m sim.cli``."""
    script = Path(sys.executable).parent / "qgeo"
    found = str(script) if script.is_file() else shutil.which("qgeo")
    return [found] if found else [sys.executable, "-m", "sim.cli"]


def process(argv: list[str]) -> Callable[[], None]:
    """A closure running ``argv`` to completion, output discarded, failing on a non-zero exit."""

    def go() -> None:
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)

    return go


def main() -> int:
    """Run the benchmark and print a table; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()

    qgeo = qgeo_command()
    cases = {"python -c pass": process([sys.executable, "-c", "pass"]),
             "qgeo --help": process([*qgeo, "--help"])}
    cases |= {f"qgeo {name} --help": process([*qgeo, name, "--help"]) for name in COMMAND_MODULES}
    package = subprocess.run([sys.executable, "-c", "import sim; print(sim.__file__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"sim package: {package}")
    print(f"command line: {' '.join(qgeo)}")
    load_before = load_text()
    print(f"load average before: {load_before}")
    times = interleaved_times(cases, args.repeats)
    load_after = load_text()
    middle = medians(times)
    bare = "python -c pass"
    ratios = {name: paired_ratio(times, name, bare) for name in cases if name != bare}
    print(f"{'case':<26}{'median ms':>11}{'min ms':>9}{'max ms':>9}{'x bare':>9}")
    for name in cases:
        ratio = f"{ratios[name]:>9.2f}" if name in ratios else f"{'':>9}"
        print(f"{name:<26}{1000 * middle[name]:>11.1f}{1000 * min(times[name]):>9.1f}"
              f"{1000 * max(times[name]):>9.1f}{ratio}")
    print(f"load average after: {load_after}")
    checks = {f"{name} at most {TARGET_RATIO:g}x the bare interpreter's start ({ratio:.2f}x)":
              ratio <= TARGET_RATIO for name, ratio in ratios.items()}
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"sim": package, "command": qgeo, "repeats": args.repeats, "load_before": load_before,
                       "load_after": load_after, "times_s": times, "median_s": middle, "ratios": ratios,
                       "checks": checks}, handle, indent=2)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
