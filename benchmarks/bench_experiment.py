"""Experiment speed and memory: ``qgeo experiment`` on 1 and 2 workers, and a 10,000-run experiment.

Usage: ``python benchmarks/bench_experiment.py [--runs 1000] [--memory-runs 10000] [--json out.json]``

Targets of issue 4, each measured on the real command line in a subprocess:

- 1,000 runs of the baseline for 30 steps in under 30 s with 2 workers, and at
  least 1.7 times faster than with 1 worker (wall time of the whole command,
  interpreter start-up included; analysis off, then timed on its own). Each
  configuration runs ``--repeats`` times, alternating, and medians are compared:
  on a shared machine other processes' load makes single timings swing;
- peak memory of a 10,000-run experiment (30 steps, with a series outcome)
  under 500 MB: the sum of the resident memory of the command and all its
  worker processes, sampled every 50 ms with psutil.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

EXPERIMENT = """\
name = "bench"
scenario = "baseline"
seed = 1
replications = {replications}
steps = 30

[design]
type = "grid"

[[inputs]]
name = "params.dependence_weight"
values = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]

[[outcomes]]
name = "share_RUS"
metric = "share_RUS"

[[outcomes]]
name = "share_leaders"
metric = "share_leaders"

[[outcomes]]
name = "hhi_mean"
metric = "hhi_second_wave"
stat = "mean"
window = [2030, 2055]

[[outcomes]]
name = "capability_series"
metric = "capability_second_wave"
stat = "series"
"""


def run_command(argv: list[str]) -> tuple[float, float, float]:
    """Run a command; return its wall time (s), the peak summed RSS of its process tree (MB) and the
    CPU time (user + system, s) of the tree. The machine's load average is printed: other processes
    competing for the cores slow the parallel run down and make the speed-up meaningless."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"    load average before: {os.getloadavg()[0]:.2f}")
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        total = 0
        try:
            for member in [root, *root.children(recursive=True)]:
                total += member.memory_info().rss
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err}")
    print("   ", out.strip().splitlines()[0])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, peak / 2**20, cpu


def experiment_file(directory: Path, runs: int) -> Path:
    path = directory / f"bench_{runs}.toml"
    path.write_text(EXPERIMENT.format(replications=runs // 10), encoding="utf-8")
    return path


def main() -> int:
    """Run the benchmark, print the numbers, exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs of the speed test (multiple of 10)")
    parser.add_argument("--memory-runs", type=int, default=10_000, help="runs of the memory test (0: skip)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="times each speed configuration runs (alternating); medians are compared")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args()
    qgeo = [sys.executable, "-m", "sim.cli", "experiment"]
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        path = experiment_file(directory, args.runs)
        samples: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
        for repeat in range(args.repeats):
            for workers in (1, 2):
                print(f"{args.runs} runs x 30 steps, --workers {workers} (repeat {repeat + 1}):")
                out = directory / f"speed{workers}-{repeat}"
                samples[workers].append(run_command([*qgeo, str(path), "--workers", str(workers),
                                                     "--no-analyze", "--out", str(out)]))
        for workers, found in samples.items():
            results[f"all_seconds_{workers}_workers"] = [round(sample[0], 2) for sample in found]
            results[f"seconds_{workers}_workers"] = statistics.median(sample[0] for sample in found)
            results[f"peak_mb_{workers}_workers"] = max(sample[1] for sample in found)
            results[f"cpu_seconds_{workers}_workers"] = statistics.median(sample[2] for sample in found)
        print("analysis of the 2-worker results:")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli", "analyze", str(directory / "speed2-0")],
                       check=True, capture_output=True)
        results["analysis_seconds"] = time.perf_counter() - start
        if args.memory_runs:
            path = experiment_file(directory, args.memory_runs)
            print(f"{args.memory_runs} runs x 30 steps, --workers 2 (memory):")
            seconds, peak, _ = run_command([*qgeo, str(path), "--workers", "2", "--no-analyze",
                                            "--out", str(directory / "memory")])
            results["memory_runs_seconds"] = seconds
            results["memory_runs_peak_mb"] = peak
    speedup = results["seconds_1_workers"] / results["seconds_2_workers"]
    results["speedup"] = speedup
    checks = {
        f"{args.runs} runs with 2 workers under 30 s": results["seconds_2_workers"] < 30.0,
        "2 workers at least 1.7x faster than 1": speedup >= 1.7,
    }
    if args.memory_runs:
        memory_ok = results["memory_runs_peak_mb"] < 500
        checks[f"{args.memory_runs}-run experiment peak memory under 500 MB"] = memory_ok
    print()
    for workers in (1, 2):
        print(f"{workers} worker(s): median {results[f'seconds_{workers}_workers']:6.1f} s wall "
              f"(all: {results[f'all_seconds_{workers}_workers']}), "
              f"{results[f'cpu_seconds_{workers}_workers']:6.1f} s CPU, "
              f"peak {results[f'peak_mb_{workers}_workers']:5.0f} MB")
    print(f"speed-up (ratio of medians) {speedup:.2f}x")
    print(f"analysis (qgeo analyze, {args.runs} runs): {results['analysis_seconds']:.1f} s")
    if args.memory_runs:
        print(f"{args.memory_runs} runs, 2 workers: {results['memory_runs_seconds']:.1f} s, "
              f"peak {results['memory_runs_peak_mb']:.0f} MB (process tree)")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    if args.json:
        args.json.write_text(json.dumps({**results, "checks": checks}, indent=2) + "\n")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
