"""Running scenarios over a calibration's posterior: weighted, seeded draws of parameter values.

``qgeo run``, ``qgeo experiment`` and ``qgeo hindcast`` accept ``--posterior DIR`` (a
``qgeo calibrate`` output directory): replication ``k`` runs with posterior draw ``k``, so
the bands across replications carry parameter uncertainty. The draws are a weighted
resampling of the posterior's particles (with replacement) by a generator seeded from the
scenario's (or experiment's) root seed, ``SeedSequence(root, spawn_key=(DRAW_STREAM,))``,
a stream apart from the replications' seeds; the posterior's values replace the
scenario's own values of the estimated parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.base.errors import UserError
from sim.base.paths import display_path
from sim.inputs.scenario import Scenario
from sim.model.parameters import PARAMETERS

POSTERIOR_FILE = "posterior.parquet"
DRAW_STREAM = 2**32 + 1
"""Spawn key of the draws' generator (replication seeds use keys below 2**32)."""
NON_PARAMETERS: tuple[str, ...] = ("particle", "weight", "seed", "distance")
"""Columns of a posterior file that are not parameters (nor ``sim_<target>``)."""


class PosteriorError(UserError):
    """A posterior directory that cannot be used."""


@dataclass(frozen=True)
class Posterior:
    """A calibration's posterior.

    Attributes:
        directory: The calibration's output directory.
        parameters: The estimated parameters.
        values: One row per particle, one column per parameter.
        weights: The particles' weights (sum 1).
        sha256: Digest of the posterior file.
    """

    directory: Path
    parameters: tuple[str, ...]
    values: pd.DataFrame
    weights: np.ndarray
    sha256: str

    def draw(self, count: int, root: int) -> list[dict[str, float]]:
        """Weighted, seeded draws of parameter values.

        Args:
            count: Number of draws.
            root: Root seed (of the scenario or experiment).

        Returns:
            ``count`` mappings parameter -> value; draw ``k`` is the value set of particle
            ``particles(count, root)[k]``.
        """
        rows = self.particles(count, root)
        return [{name: float(self.values.iloc[row][name]) for name in self.parameters} for row in rows]

    def particles(self, count: int, root: int) -> list[int]:
        """Which particle each draw takes.

        Args:
            count: Number of draws.
            root: Root seed.

        Returns:
            Particle indices, one per draw.
        """
        generator = np.random.default_rng(np.random.SeedSequence(root, spawn_key=(DRAW_STREAM,)))
        return [int(i) for i in generator.choice(len(self.weights), size=count, replace=True, p=self.weights)]

    def record(self, count: int, root: int) -> dict[str, Any]:
        """What a manifest records about the draws.

        Args:
            count: Number of draws.
            root: Root seed.

        Returns:
            Directory, file digest, seed rule and every draw (replication, particle, values).
        """
        particles = self.particles(count, root)
        draws = self.draw(count, root)
        return {
            "directory": str(self.directory.resolve()), "sha256": self.sha256,
            "parameters": list(self.parameters),
            "rule": f"replication k uses draw k: weighted resampling of the particles with "
                    f"numpy.random.default_rng(SeedSequence(root_seed, spawn_key=({DRAW_STREAM},)))",
            "draws": [{"replication": k, "particle": p, **values}
                      for k, (p, values) in enumerate(zip(particles, draws, strict=True))],
        }


def load_posterior(directory: str | Path) -> Posterior:
    """Read a calibration's posterior.

    Args:
        directory: A ``qgeo calibrate`` output directory (or its posterior file).

    Returns:
        The posterior.

    Raises:
        PosteriorError: If there is no readable posterior with weights and known parameters.
    """
    directory = Path(directory)
    path = directory if directory.suffix == ".parquet" else directory / POSTERIOR_FILE
    where = f"--posterior {display_path(directory)}"
    if not path.is_file():
        raise PosteriorError(f"{where}: expected a calibration output directory with {POSTERIOR_FILE} "
                             "(written by `qgeo calibrate` when it finishes), found none")
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise PosteriorError(f"{where}: cannot read {path.name}: {error}") from None
    parameters = tuple(c for c in frame.columns if c not in NON_PARAMETERS and not c.startswith("sim_"))
    unknown = [name for name in parameters if name not in PARAMETERS]
    if "weight" not in frame.columns or not parameters or unknown or frame.empty:
        raise PosteriorError(f"{where}: expected particles with a weight column and model parameters, "
                             f"found columns {', '.join(map(str, frame.columns))}")
    weights = frame["weight"].to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise PosteriorError(f"{where}: expected non-negative weights, found {weights[:5]}...")
    return Posterior(path.parent, parameters, frame[list(parameters)].reset_index(drop=True),
                     weights / weights.sum(), hashlib.sha256(path.read_bytes()).hexdigest())


def with_values(scenario: Scenario, values: Mapping[str, float]) -> Scenario:
    """The scenario with some parameters set (a posterior draw).

    Args:
        scenario: The scenario.
        values: Parameter -> value.

    Returns:
        A new scenario.
    """
    return scenario.with_params(values)


def per_replication(scenario: Scenario, draws: Sequence[Mapping[str, float]] | None) -> list[Scenario]:
    """The scenario each replication runs.

    Args:
        scenario: The scenario.
        draws: One posterior draw per replication, or None.

    Returns:
        One scenario per replication.
    """
    if draws is None:
        return [scenario] * scenario.replications
    return [with_values(scenario, values) for values in draws]
