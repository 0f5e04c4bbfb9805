"""Running a calibration: pyabc's ABC-SMC, one generation at a time, stored in pyabc's SQLite history.

Each generation is run by a fresh :class:`pyabc.ABCSMC` that loads the history
(``ABCSMC.load``) and runs one population, so an uninterrupted calibration and one resumed
after Ctrl-C or a kill take the same path: the next generation's epsilon (a quantile of
the last stored population's distances) and its perturbation kernel (fitted to the last
stored population) come from the database in both cases. A generation is stored only when
it is complete, so an interruption loses at most the generation in progress.

Output directory::

    history.db          pyabc's SQLite history (every generation's particles, weights, distances)
    manifest.json       versions, calibration file and digest, scenario digest, seeds, sessions
    generations.csv     per generation: epsilon, particles, proposals, acceptance rate, seconds
    posterior.parquet   the last generation: particle, weight, parameters, model seed, distance,
                        each target's simulated value
    summary.csv         per parameter: prior and posterior mean, median, 90% interval and widths
    plots/              marginals and pairwise densities, epsilon by generation, posterior
                        predictive checks
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyabc

from sim.engine.backends import Backend, WorkerLost, backend_for
from sim.engine.provenance import now, versions
from sim.engine.store import has_files, lock_directory, read_manifest_file, write_json
from sim.experiments.calibration import priors as prior_dists
from sim.experiments.calibration.sampler import DeterministicSampler, model_seed
from sim.experiments.calibration.spec import Calibration, CalibrationError
from sim.experiments.calibration.targets import SimulationContext

HISTORY = "history.db"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ParticleModel:
    """The model pyabc calls: parameters in, every target's statistic out (picklable).

    Attributes:
        context: The scenario and targets.
    """

    context: SimulationContext

    def __call__(self, parameter: Mapping[str, float]) -> dict[str, float]:
        """Simulate one particle with the seed the sampler gave it.

        Args:
            parameter: pyabc's parameter.

        Returns:
            Target name -> simulated value (and the model seed).
        """
        return self.context.simulate(dict(parameter), model_seed())


@dataclass(frozen=True)
class StandardisedDistance:
    """Distance between simulated and observed targets, each difference divided by its sigma.

    Attributes:
        sigma: Target name -> uncertainty.
        p: 2 (Euclidean) or 1 (Manhattan).
    """

    sigma: Mapping[str, float]
    p: int

    def __call__(self, x: Mapping[str, float], x_0: Mapping[str, float]) -> float:
        """The distance.

        Args:
            x: Simulated statistics.
            x_0: Observed statistics.

        Returns:
            ``(sum |(x - x_0) / sigma|^p)^(1/p)``.
        """
        total = sum(abs((float(x[k]) - float(x_0[k])) / s) ** self.p for k, s in self.sigma.items())
        return float(total ** (1 / self.p))


def build_abc(calibration: Calibration, sampler: pyabc.sampler.Sampler) -> pyabc.ABCSMC:
    """The ABC-SMC object of a calibration.

    Args:
        calibration: The calibration.
        sampler: The sampler.

    Returns:
        ``ABCSMC`` with the priors, a standardised distance, a quantile epsilon (first
        threshold: the quantile of a sample from the prior) and a multivariate normal kernel.
    """
    spec = calibration.spec
    context = SimulationContext(calibration.scenario, calibration.targets)
    distance = StandardisedDistance({t.name: t.sigma for t in calibration.targets},
                                    2 if spec.distance == "euclidean" else 1)
    return pyabc.ABCSMC(
        ParticleModel(context), prior_dists.distribution(calibration.priors), distance,
        population_size=spec.population, eps=pyabc.QuantileEpsilon(alpha=spec.quantile),
        transitions=pyabc.MultivariateNormalTransition(), sampler=sampler,
    )


def new_manifest(calibration: Calibration, command: str) -> dict[str, Any]:
    """The manifest of a new calibration directory.

    Args:
        calibration: The calibration.
        command: The command line.

    Returns:
        The manifest (sessions are appended by :func:`run_calibration`).
    """
    spec = calibration.spec
    return {
        "kind": "calibration",
        "name": spec.name,
        "created": now(),
        "status": "created",
        "versions": versions(),
        "calibration": {"file": str(calibration.path), "sha256": calibration.digest, "text": calibration.text,
                        "spec": spec.model_dump(mode="json")},
        "scenario": {"name": calibration.scenario.name, "digest": calibration.scenario.digest(),
                     "resolved": calibration.scenario.to_toml_dict()},
        "root_seed": spec.seed,
        "seed_rule": ("proposal i of generation t (t = -1: the sample from the prior that sets the first "
                      "epsilon): SeedSequence(root_seed, spawn_key=(t + 1, i)).generate_state(2): word 0 "
                      "seeds numpy's global generator for the proposal, word 1 is the model's seed "
                      "(stored with each particle)"),
        "command": command,
        "sessions": [],
        "generations": [],
    }


def open_directory(calibration: Calibration, out: Path, resume: bool, command: str) -> dict[str, Any]:
    """Create the output directory, or reopen it to resume.

    Args:
        calibration: The calibration.
        out: Output directory.
        resume: Continue an existing calibration.
        command: The command line.

    Returns:
        The manifest.

    Raises:
        CalibrationError: An existing calibration without ``resume``, a different file or scenario, or
            a directory holding other files.
    """
    if (out / MANIFEST).is_file():
        if not resume:
            raise CalibrationError(f"{out}: expected a new output directory, found an existing calibration; "
                                   "continue it with --resume or choose another --out")
        manifest = read_manifest_file(out)
        if manifest.get("calibration", {}).get("sha256") != calibration.digest:
            started = str(manifest.get("calibration", {}).get("sha256"))[:12]
            raise CalibrationError(f"{out}: cannot resume: expected the calibration file it was started "
                                   f"with (sha256 {started}), "
                                   f"found {calibration.path} changed (sha256 {calibration.digest[:12]})")
        if manifest["scenario"]["digest"] != calibration.scenario.digest():
            raise CalibrationError(f"{out}: cannot resume: the scenario, its data or the model's defaults "
                                   "changed since the calibration started (scenario digest differs)")
        return manifest
    if resume:
        raise CalibrationError(f"--resume: expected a calibration in {out}, found none")
    if has_files(out):
        raise CalibrationError(f"{out}: expected a new or empty output directory, found other files; "
                               "choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    manifest = new_manifest(calibration, command)
    write_json(out / MANIFEST, manifest)
    return manifest


def generation_table(history: pyabc.History) -> list[dict[str, Any]]:
    """One row per stored generation.

    Args:
        history: The history.

    Returns:
        ``t``, ``epsilon``, ``particles``, ``proposals``, ``acceptance_rate``, ``seconds``.
    """
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    return [{"t": int(row.t), "epsilon": float(row.epsilon), "particles": int(row.particles),
             "proposals": int(row.samples), "acceptance_rate": float(row.particles / row.samples),
             "seconds": float(row.wall_time) if row.wall_time is not None else math.nan}
            for row in populations.itertuples()]


def progress_line(row: Mapping[str, Any], generations: int, left: float) -> str:
    """The line printed after each generation.

    Args:
        row: The generation's row of :func:`generation_table`.
        generations: Most generations.
        left: Estimated seconds left.

    Returns:
        The line.
    """
    return (f"generation {row['t'] + 1}/{generations}: epsilon {row['epsilon']:.4g}, acceptance "
            f"{row['acceptance_rate']:.3f} ({row['particles']} particles of {row['proposals']} proposals), "
            f"{row['seconds']:.1f} s, about {left:.0f} s left")


def run_calibration(calibration: Calibration, out: str | Path, *, workers: int = 1,
                    scheduler: str | None = None, resume: bool = False, command: str = "",
                    progress: bool = True, plots: bool = True,
                    after_generation: Callable[[int], None] | None = None) -> Path:
    """Run (or resume) a calibration into ``out`` and write its outputs.

    Args:
        calibration: The validated calibration.
        out: Output directory.
        workers: Local processes (1: serial) or the workers of a local Dask cluster.
        scheduler: Dask scheduler address, ``"local"`` for a local cluster, or None.
        resume: Continue the calibration in ``out`` from its last finished generation.
        command: The command line, for the manifest.
        progress: Print a line to stderr after each generation.
        plots: Draw the plots.
        after_generation: Called with each finished generation's index (tests).

    Returns:
        The output directory.

    Raises:
        CalibrationError: On a bad output directory or worker count.
        DirectoryLocked: If another process is writing ``out``.
        KeyboardInterrupt: On Ctrl-C, after recording the session (finished generations are kept).
        WorkerLost: If a local worker process died (session status "aborted"; finished generations
            are kept).
    """
    from sim.engine.backends import worker_count
    from sim.experiments.calibration.outputs import write_outputs

    if workers < 1:
        raise CalibrationError(f"--workers: expected a whole number >= 1, found {workers}")
    workers = worker_count(workers, scheduler)
    out = Path(out)
    with lock_directory(out, command or None):  # one writer of `out` from the manifest to the outputs
        manifest = open_directory(calibration, out, resume, command)
        logging.getLogger("ABC").setLevel(logging.WARNING)
        db = f"sqlite:///{(out / HISTORY).resolve()}"
        spec = calibration.spec
        with backend_for(workers, scheduler) as backend:
            session: dict[str, Any] = {"started": now(), "command": command, "workers": workers,
                                       "scheduler": scheduler, "backend": backend.label, "status": "running"}
            manifest["sessions"].append(session)
            manifest["status"] = "running"
            write_json(out / MANIFEST, manifest)
            status = "interrupted"
            try:
                _run_generations(calibration, out, manifest, backend, progress, after_generation)
                status = "complete"
            except WorkerLost:
                status = "aborted"
                raise
            finally:
                session.update(finished=now(), status=status)
                manifest["status"] = status
                write_json(out / MANIFEST, manifest)
        if not (out / HISTORY).is_file() or pyabc.History(db).n_populations == 0:
            raise CalibrationError(f"{calibration.path}: min_acceptance = {spec.min_acceptance}: the first "
                                   "generation already fell below it, so there is no posterior; lower it")
        write_outputs(calibration, out, pyabc.History(db), plots=plots)
        return out


def _run_generations(calibration: Calibration, out: Path, manifest: dict[str, Any], backend: Backend,
                     progress: bool, after_generation: Callable[[int], None] | None) -> None:
    """Run generations until the stopping rule holds, recording each one in the manifest.

    Args:
        calibration: The calibration.
        out: Output directory.
        manifest: The manifest (updated and written after each generation).
        backend: The started backend.
        progress: Print a line to stderr after each generation.
        after_generation: Called with each finished generation's index.
    """
    db = f"sqlite:///{(out / HISTORY).resolve()}"
    spec = calibration.spec
    clock = time.perf_counter()
    done_before = None
    while True:
        abc = build_abc(calibration, DeterministicSampler(spec.seed, backend))
        stored = (out / HISTORY).is_file() and pyabc.History(db).n_populations > 0
        history = abc.load(db, 1) if stored else abc.new(db, calibration.observed)
        rows = generation_table(history) if stored else []
        if done_before is None:
            done_before = len(rows)
        if _finished(rows, spec) or manifest.get("stopped"):
            return
        abc.run(max_nr_populations=1, minimum_epsilon=spec.min_epsilon,
                min_acceptance_rate=spec.min_acceptance)
        before, rows = len(rows), generation_table(pyabc.History(db))
        if len(rows) == before:  # the generation ran out of proposals: acceptance below min_acceptance
            reason = (f"acceptance rate below min_acceptance = {spec.min_acceptance} "
                      f"({math.ceil(spec.population / spec.min_acceptance)} proposals gave fewer than "
                      f"{spec.population} particles)")
            manifest["stopped"] = {"generation": before, "reason": reason}
            if progress:
                print(f"generation {before + 1}/{spec.generations}: stopped, {reason}", file=sys.stderr,
                      flush=True)
            return
        ran = len(rows) - done_before
        per_generation = (time.perf_counter() - clock) / max(ran, 1)
        left = per_generation * (spec.generations - len(rows))
        if progress:
            print(progress_line(rows[-1], spec.generations, left), file=sys.stderr, flush=True)
        manifest["generations"] = rows
        write_json(out / MANIFEST, manifest)
        if after_generation is not None:
            after_generation(rows[-1]["t"])


def _finished(rows: list[dict[str, Any]], spec: Any) -> bool:
    """Whether a calibration's stopping rule holds for its stored generations."""
    if not rows:
        return False
    return len(rows) >= spec.generations or rows[-1]["epsilon"] <= spec.min_epsilon


def posterior_frame(history: pyabc.History, t: int | None = None) -> Any:
    """One generation's particles as a frame.

    Args:
        history: The history.
        t: Generation (default the last).

    Returns:
        ``particle``, ``weight``, each parameter, ``seed``, ``distance`` and each target's simulated
        value (column ``sim_<target>``), in stored order.
    """
    import pandas as pd

    population = history.get_population(t=history.max_t if t is None else t)
    rows = []
    for index, particle in enumerate(population.particles):
        stats = {f"sim_{k}": float(np.asarray(v)) for k, v in particle.sum_stat.items() if k != "seed"}
        rows.append({"particle": index, "weight": float(particle.weight),
                     **{k: float(v) for k, v in particle.parameter.items()},
                     "seed": int(np.asarray(particle.sum_stat["seed"])), "distance": float(particle.distance),
                     **stats})
    frame = pd.DataFrame(rows)
    frame["weight"] = frame["weight"] / frame["weight"].sum()
    return frame
