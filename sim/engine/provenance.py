"""Provenance of an output directory: the time, the package versions and the manifests' content.

One version list (:data:`PACKAGES`) serves run, experiment, hindcast and calibration
directories, so every manifest records the same packages.
"""

from __future__ import annotations

import functools
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.inputs.design import Design
    from sim.inputs.experiment import Experiment
    from sim.inputs.posterior import Posterior
    from sim.inputs.scenario import Scenario

RUN_MARKER = "qgeo_run"
"""Key that marks a run directory's manifest (an experiment's has ``experiment`` instead)."""
PACKAGES: tuple[str, ...] = (
    "mesa", "numpy", "pandas", "pyarrow", "networkx", "scipy", "pydantic", "matplotlib",
    "SALib", "dask", "distributed", "cloudpickle", "tqdm", "pyabc",
)
"""Packages whose versions every manifest records (besides Python and qgeo)."""
SEED_RULE = "run k = point * replications + replication; seed = sim.base.seeds.derive_seed(root_seed, k)"
"""How a run's seed follows from the root seed (a scenario run is one point: run k = replication k)."""


def now() -> str:
    """The current time in UTC as ISO 8601 text."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    """Versions of Python, qgeo and the packages that determine results.

    Returns:
        Package name -> version (``"not installed"`` if missing).
    """
    found = {"python": platform.python_version()}
    for name in ("qgeo", *PACKAGES):
        try:
            found[name] = package_version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


@functools.cache
def package_version(name: str) -> str:
    """An installed package's version (``importlib.metadata.version``), looked up once per process.

    ``version`` parses the whole metadata file (every classifier and requirement, and the long
    description): some 9 ms for :data:`PACKAGES`, paid by every manifest written without the cache.

    Args:
        name: The distribution's name.

    Returns:
        Its version.

    Raises:
        PackageNotFoundError: If it is not installed.
    """
    return version(name)


def run_manifest(scenario: Scenario, command: Sequence[str],
                 posterior: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest of a new run directory (``qgeo run``).

    Args:
        scenario: The resolved scenario.
        command: The command line.
        posterior: The posterior draws the replications run with
            (:meth:`sim.inputs.posterior.Posterior.record`).

    Returns:
        The manifest; sessions are appended by :func:`sim.engine.session.run_session`.
    """
    manifest: dict[str, Any] = {
        RUN_MARKER: 1,
        "versions": versions(),
        "platform": platform.platform(),
        "scenario": scenario.to_toml_dict(),
        "scenario_source": str(scenario.source) if scenario.source else None,
        "parameters": scenario.effective_params(),
        "digest": scenario.digest(),
        "replications": [{"replication": k, "seed": seed}
                         for k, seed in enumerate(scenario.replication_seeds())],
        "seed_rule": SEED_RULE,
        "started": now(),
        "finished": None,
        "command": list(command),
        "resumed": [],
        "status": "created",
        "sessions": [],
    }
    if posterior is not None:
        manifest["posterior"] = posterior
    return manifest


def experiment_manifest(experiment: Experiment, design: Design, scenario: Scenario, n_runs: int,
                        posterior: Posterior | None = None) -> dict[str, Any]:
    """The manifest of a new experiment output directory.

    Args:
        experiment: The experiment.
        design: Its design.
        scenario: Its base scenario.
        n_runs: Runs in the plan.
        posterior: The posterior the replications draw from, or None.

    Returns:
        The manifest; sessions are appended by :func:`sim.engine.session.run_session`.
    """
    spec = experiment.spec
    return {
        "kind": "experiment",
        "name": spec.name,
        "description": spec.description,
        "status": "created",
        "created": now(),
        "versions": versions(),
        "experiment": {"file": str(experiment.path), "sha256": experiment.digest, "text": experiment.text,
                       "spec": spec.model_dump(mode="json")},
        "scenario": {"file": str(experiment.scenario_path), "digest": scenario.digest(),
                     "resolved": scenario.to_toml_dict()},
        "design": {**spec.design.model_dump(mode="json"), "n_points": design.n_points,
                   "problem": design.problem},
        "inputs": [{"name": i.name, "low": i.low, "high": i.high, "integer": i.integer, "label": i.label,
                    "values": list(i.values)} for i in experiment.inputs],
        "root_seed": spec.seed,
        "replications": spec.replications,
        "n_runs": n_runs,
        "seed_rule": SEED_RULE,
        "posterior": None if posterior is None else posterior.record(spec.replications, spec.seed),
        "sessions": [],
    }
