"""Engine throughput: ``qgeo run`` against ``mesa.batch_run``, Dask against local processes, overhead.

Usage: ``python benchmarks/bench_engine.py [--runs 1000] [--repeats 3] [--overhead-runs 200] [--only CASE]
[--json F]``
(``--only`` runs one of the cases below: ``batch-run``, ``dask`` or ``overhead``)

Targets of issue 11, every case interleaved A B A B in one invocation and compared by medians
(on a shared machine other processes' load makes single timings swing; the load average is
printed with every sample):

- ``qgeo run`` of ``--runs`` baseline replications of 30 steps with ``--workers 2`` (the whole
  command: start-up, every replication's model, agent and partnership tables written to
  Parquet, the summary) at least 1.25x faster than ``mesa.batch_run`` with 2 processes on the
  same runs (same scenario and seeds, model and agent data of every step kept in memory);
- the local Dask backend (``qgeo experiment --scheduler local --workers 2``) within 15% of
  local processes (``--workers 2``) on a ``--runs``-run experiment, and its peak memory (the
  summed resident memory of the process tree, sampled every 50 ms);
- the engine's own overhead (plan, store, session, writes) under 10% of the simulation time:
  ``run_experiment`` with one worker against calling the simulate function on the same plan rows
  in a loop, in one process (the median over the rounds of their ratio within a round;
  ``--overhead-runs`` runs; also reported for ``run_scenario``, whose
  writes are every replication's full tables).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

EXPERIMENT = """\
name = "bench_engine"
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
name = "hhi_mean"
metric = "hhi_second_wave"
stat = "mean"
window = [2030, 2055]

[[outcomes]]
name = "capability_series"
metric = "capability_second_wave"
stat = "series"
"""


def load() -> str:
    """The 1-minute load average, as text."""
    return f"{os.getloadavg()[0]:.2f}"


def run_command(argv: list[str]) -> tuple[float, float]:
    """Run a command; return its wall time (s) and the peak summed RSS of its process tree (MB)."""
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
    _, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err}")
    return seconds, peak / 2**20


def interleave(cases: dict[str, Callable[[int], tuple[float, float]]], repeats: int) -> dict[str, list]:
    """Run every case once per repeat, A B A B, printing each sample with the load average."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for repeat in range(repeats):
        for name, case in cases.items():
            before = load()
            samples[name].append(case(repeat))
            seconds, peak = samples[name][-1]
            print(f"  {name:<28} repeat {repeat + 1}: {seconds:7.2f} s, peak {peak:6.0f} MB "
                  f"(load {before} -> {load()})", flush=True)
    return samples


def median(samples: list[tuple[float, float]], index: int = 0) -> float:
    """Median of one field of the samples."""
    return statistics.median(sample[index] for sample in samples)


# --------------------------------------------------------------------------- children
def batch_run_child(runs: int) -> None:
    """``mesa.batch_run`` of the baseline's ``runs`` replications of 30 steps on 2 processes."""
    import inspect

    import mesa

    from sim.inputs.scenario import load_scenario
    from sim.model.quantum_world import QuantumWorld

    scenario = load_scenario("baseline", overrides={"steps": 30, "replications": runs})
    parameters = {key: [value] for key, value in scenario.model_kwargs().items()}
    seeds = scenario.replication_seeds()
    options = {"number_processes": 2, "max_steps": 30, "data_collection_period": 1,
               "display_progress": False}
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        results = mesa.batch_run(QuantumWorld, parameters=parameters, rng=seeds, **options)
    else:
        results = mesa.batch_run(QuantumWorld, parameters={**parameters, "seed": seeds}, iterations=1,
                                 **options)
    print(f"{len(results)} rows")


def overhead_child(runs: int, repeats: int) -> None:
    """Print the engine's overhead over the bare simulate function, as JSON (interleaved repeats)."""
    from sim.engine.batch import run_scenario
    from sim.engine.execute import context_for, run_experiment
    from sim.engine.plan import plan_runs, scenario_plan
    from sim.engine.runner import run_one, simulate
    from sim.inputs.experiment import load_experiment
    from sim.inputs.scenario import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        path = directory / "bench.toml"
        path.write_text(EXPERIMENT.format(replications=max(runs // 10, 1)), encoding="utf-8")
        experiment = load_experiment(path)
        from sim.inputs.design import build_design

        rows = plan_runs(experiment, build_design(experiment)).to_dict("records")
        context = context_for(experiment)
        scenario = load_scenario("baseline", overrides={"steps": 30, "replications": max(runs // 4, 2)})
        run_rows = scenario_plan(scenario).frame().to_dict("records")

        def timed(action: Callable[[], object]) -> float:
            start = time.perf_counter()
            action()
            return time.perf_counter() - start

        cases: dict[str, Callable[[int], float]] = {
            "simulate (experiment rows)": lambda _: timed(lambda: [run_one(context, row) for row in rows]),
            "run_experiment, 1 worker": lambda k: timed(
                lambda: run_experiment(experiment, directory / f"experiment-{k}", progress=False)),
            "simulate (run replications)": lambda _: timed(
                lambda: [simulate(scenario, row["seed"], replication=row["replication"])
                         for row in run_rows]),
            "run_scenario, 1 worker": lambda k: timed(
                lambda: run_scenario(scenario, directory / f"run-{k}", plots=False, progress=False)),
        }
        run_one(context, rows[0])  # warm: compiled kernels, data cache
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for repeat in range(repeats):
            for name, case in cases.items():
                samples[name].append(case(repeat))
        def paired(engine: str, bare: str) -> float:
            """Median over the rounds of the engine's time over the bare loop's in the same round."""
            return statistics.median(a / b for a, b in zip(samples[engine], samples[bare], strict=True))

        ratios = {"experiment ratio": paired("run_experiment, 1 worker", "simulate (experiment rows)"),
                  "run ratio": paired("run_scenario, 1 worker", "simulate (run replications)")}
        print(json.dumps({name: statistics.median(values) for name, values in samples.items()} | ratios
                         | {"runs": len(rows), "replications": len(run_rows), "load": load()}))


# --------------------------------------------------------------------------- main
CASES = ("batch-run", "dask", "overhead")
"""The cases ``--only`` can pick."""


def main() -> int:
    """Run the benchmark, print the numbers, exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs of the speed cases (multiple of 10)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of every case")
    parser.add_argument("--overhead-runs", type=int, default=200, help="runs of the overhead case")
    parser.add_argument("--only", choices=CASES, help="run only this case (and check only its targets)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--batch-run-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--overhead-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_run_child:
        batch_run_child(args.batch_run_child)
        return 0
    if args.overhead_child:
        overhead_child(args.overhead_child, args.repeats)
        return 0
    python, me = sys.executable, str(Path(__file__).resolve())
    print(f"cores {os.cpu_count()}, load average {load()}")
    cases = [args.only] if args.only else list(CASES)
    results: dict[str, object] = {}
    checks: dict[str, bool] = {}
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        if "batch-run" in cases:
            print(f"qgeo run against mesa.batch_run: {args.runs} baseline replications x 30 steps, "
                  "2 processes")
            run = interleave({
                "qgeo run --workers 2": lambda k: run_command(
                    [python, "-m", "sim.cli", "run", "baseline", "--replications", str(args.runs),
                     "--steps", "30", "--workers", "2", "--no-plots", "--out", str(directory / f"run-{k}")]),
                "mesa.batch_run, 2 processes": lambda _: run_command([python, me, "--batch-run-child",
                                                                      str(args.runs)]),
            }, args.repeats)
            speedup = median(run["mesa.batch_run, 2 processes"]) / median(run["qgeo run --workers 2"])
            results |= {"run": run, "speedup_vs_batch_run": speedup}
            checks["qgeo run --workers 2 at least 1.25x faster than mesa.batch_run"] = speedup >= 1.25
            lines.append(f"qgeo run vs mesa.batch_run: {speedup:.2f}x faster (ratio of medians)")
        if "dask" in cases:
            path = directory / "bench.toml"
            path.write_text(EXPERIMENT.format(replications=args.runs // 10), encoding="utf-8")
            print(f"Dask against local processes: qgeo experiment, {args.runs} runs x 30 steps, 2 workers")
            experiment = [python, "-m", "sim.cli", "experiment", str(path), "--workers", "2", "--no-analyze",
                          "--no-progress"]
            dask = interleave({
                "processes (--workers 2)": lambda k: run_command([*experiment, "--out",
                                                                  str(directory / f"processes-{k}")]),
                "dask (--scheduler local)": lambda k: run_command([*experiment, "--scheduler", "local",
                                                                   "--out", str(directory / f"dask-{k}")]),
            }, args.repeats)
            dask_ratio = median(dask["dask (--scheduler local)"]) / median(dask["processes (--workers 2)"])
            memory_ratio = (median(dask["dask (--scheduler local)"], 1)
                            / median(dask["processes (--workers 2)"], 1))
            results |= {"dask": dask, "dask_time_ratio": dask_ratio, "dask_memory_ratio": memory_ratio}
            checks["local Dask within 15% of local processes"] = dask_ratio <= 1.15
            lines.append(f"dask vs processes: {dask_ratio:.2f}x the time, "
                         f"{memory_ratio:.2f}x the peak memory "
                         f"({median(dask['dask (--scheduler local)'], 1):.0f} vs "
                         f"{median(dask['processes (--workers 2)'], 1):.0f} MB)")
    if "overhead" in cases:
        print(f"engine overhead: {args.overhead_runs} runs in one process, interleaved")
        out = subprocess.run([python, me, "--overhead-child", str(args.overhead_runs), "--repeats",
                              str(args.repeats)], capture_output=True, text=True, check=True).stdout
        overhead = json.loads(out.strip().splitlines()[-1])
        for name, seconds in overhead.items():
            print(f"  {name:<28} median {seconds}")
        experiment_overhead = overhead["experiment ratio"] - 1  # medians of ratios within a round
        run_overhead = overhead["run ratio"] - 1
        results |= {"overhead": overhead, "experiment_overhead": experiment_overhead,
                    "run_overhead": run_overhead}
        checks["engine overhead under 10% of the simulation (experiment)"] = experiment_overhead < 0.10
        lines.append(f"engine overhead: {experiment_overhead:.1%} of the simulation (experiment), "
                     f"{run_overhead:.1%} (scenario run, writes of the full tables included)")
    print()
    for line in lines:
        print(line)
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    if args.json:
        args.json.write_text(json.dumps({**results, "checks": checks}, indent=2, default=str) + "\n")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
