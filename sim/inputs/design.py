"""Experimental designs: which input values each design point gets, and sensitivity indices.

Full factorial grids are built here; Latin hypercube, Sobol' (Saltelli's
scheme) and Morris samples and the Sobol' and Morris analyses come from SALib,
never written by hand:

- Latin hypercube: McKay, Beckman and Conover (1979), ``SALib.sample.latin``.
- Sobol': Saltelli (2002), Saltelli et al. (2010), ``SALib.sample.sobol`` and
  ``SALib.analyze.sobol`` (first-order ``S1`` and total ``ST`` indices with
  bootstrap confidence intervals).
- Morris: Morris (1991), Campolongo et al. (2007), ``SALib.sample.morris`` and
  ``SALib.analyze.morris`` (``mu_star``, ``sigma`` and ``mu_star``'s bootstrap
  confidence interval).

Integer inputs (years, whole-number parameters) are sampled on
``[low - 0.5, high + 0.5]`` and rounded, so every whole value in ``[low, high]``
is equally likely (Morris levels are rounded from ``[low, high]`` directly). The
sampler's raw, unrounded matrix is kept for the analysis.

An experiment of more than :data:`MAX_RUNS` runs is refused before its design is built
(:func:`check_size`): its size is computed from the file alone (:func:`design_size`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.base.wording import counted
from sim.inputs.experiment import Experiment, ExperimentError, Input

MAX_RUNS = 1_000_000
"""Most runs (design points x replications) an experiment may have without ``--allow-large``: about
a day on two cores at 0.1 s a run, and a plan of some 50 MB on disk."""


@dataclass(frozen=True)
class Design:
    """The design points of an experiment.

    Attributes:
        kind: ``grid``, ``lhs``, ``sobol`` or ``morris``.
        names: Input key paths, one per column.
        points: Values applied to the scenario, shape (n_points, n_inputs).
        raw: The sampler's unrounded values (equal to ``points`` for a grid), same shape.
        problem: SALib problem definition (``num_vars``, ``names``, ``bounds``); None for a grid.
    """

    kind: str
    names: tuple[str, ...]
    points: np.ndarray
    raw: np.ndarray
    problem: dict[str, Any] | None

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return len(self.points)

    def frame(self) -> pd.DataFrame:
        """The design as a table: ``point``, one column per input, and ``raw:<input>`` columns.

        Returns:
            One row per design point.
        """
        frame = pd.DataFrame(self.points, columns=list(self.names))
        frame.insert(0, "point", np.arange(self.n_points))
        if self.problem is not None:
            for index, name in enumerate(self.names):
                frame[f"raw:{name}"] = self.raw[:, index]
        return frame


def problem(inputs: tuple[Input, ...], kind: str) -> dict[str, Any]:
    """SALib problem definition of sampled inputs.

    Args:
        inputs: The experiment's inputs.
        kind: Design type (integer inputs are widened by half a unit except for Morris).

    Returns:
        ``{"num_vars", "names", "bounds"}``.
    """
    widen = 0.0 if kind == "morris" else 0.5
    bounds = [[i.low - widen, i.high + widen] if i.integer else [i.low, i.high] for i in inputs]
    return {"num_vars": len(inputs), "names": [i.name for i in inputs], "bounds": bounds}


def _apply_types(inputs: tuple[Input, ...], raw: np.ndarray) -> np.ndarray:
    points = raw.astype(float).copy()
    for column, item in enumerate(inputs):
        if item.integer:
            points[:, column] = np.clip(np.floor(raw[:, column] + 0.5), item.low, item.high)
    return points


def design_size(experiment: Experiment) -> int:
    """Number of design points, from the file alone (nothing is sampled).

    A grid has the product of its inputs' numbers of values; Latin hypercube ``samples`` points;
    Sobol' ``samples x (D + 2)``, or ``x (2D + 2)`` with second order; Morris ``samples x (D + 1)``
    (D inputs), as SALib samples them.

    Args:
        experiment: A validated experiment.

    Returns:
        The number of points :func:`build_design` gives.
    """
    spec = experiment.spec.design
    inputs = len(experiment.inputs)
    if spec.type == "grid":
        return math.prod(len(i.values) for i in experiment.inputs)
    samples = int(spec.samples or 0)
    if spec.type == "sobol":
        return samples * (2 * inputs + 2 if spec.calc_second_order else inputs + 2)
    return samples * (inputs + 1) if spec.type == "morris" else samples


def check_size(experiment: Experiment, allow_large: bool = False) -> int:
    """The experiment's number of runs, refused above :data:`MAX_RUNS` unless ``allow_large``.

    Args:
        experiment: A validated experiment.
        allow_large: Allow any size (``--allow-large``).

    Returns:
        Design points x replications.

    Raises:
        ExperimentError: If the experiment has more than :data:`MAX_RUNS` runs and ``allow_large``
            is off.
    """
    points, replications = design_size(experiment), experiment.spec.replications
    runs = points * replications
    if runs > MAX_RUNS and not allow_large:
        raise ExperimentError(
            f"{experiment.path}: expected at most {MAX_RUNS:,} runs, found {runs:,} "
            f"({points:,} points of the {experiment.spec.design.type} design x "
            f"{counted(replications, 'replication')}); make the design smaller, or pass --allow-large "
            "to run it anyway")
    return runs


def build_design(experiment: Experiment) -> Design:
    """Build an experiment's design points (deterministic in the experiment file).

    Args:
        experiment: A validated experiment.

    Returns:
        The design. The sampler's seed is ``design.seed`` or, if not given, the
        experiment's root seed.
    """
    spec = experiment.spec.design
    inputs = experiment.inputs
    names = tuple(i.name for i in inputs)
    if spec.type == "grid":
        axes = np.meshgrid(*(np.asarray(i.values, dtype=float) for i in inputs), indexing="ij")
        grid = np.stack([axis.ravel() for axis in axes], axis=1)  # the last input varies fastest
        return Design("grid", names, grid, grid, None)
    seed = experiment.spec.seed if spec.seed is None else spec.seed
    seed %= 2**32
    definition = problem(inputs, spec.type)
    if spec.type == "lhs":
        from SALib.sample import latin

        raw = latin.sample(definition, spec.samples, seed=seed)
    elif spec.type == "sobol":
        from SALib.sample import sobol

        raw = sobol.sample(definition, spec.samples, calc_second_order=spec.calc_second_order, seed=seed)
    else:
        from SALib.sample import morris

        raw = morris.sample(definition, spec.samples, num_levels=spec.levels, seed=seed)
    return Design(spec.type, names, _apply_types(inputs, raw), raw, definition)


def sobol_indices(
    definition: dict[str, Any], y: np.ndarray, *, calc_second_order: bool, seed: int
) -> pd.DataFrame:
    """Sobol' first-order and total indices of one output (``SALib.analyze.sobol``).

    Args:
        definition: The SALib problem the sample was drawn for.
        y: One output value per design point, in design order.
        calc_second_order: Whether the sample included second-order rows.
        seed: Seed of the bootstrap confidence intervals.

    Returns:
        One row per input: ``input``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (conf: half-width
        of the 95% bootstrap interval).
    """
    from SALib.analyze import sobol

    result = sobol.analyze(
        definition, np.asarray(y, dtype=float), calc_second_order=calc_second_order,
        conf_level=0.95, seed=seed % 2**32 or 1, print_to_console=False,
    )
    return pd.DataFrame({
        "input": definition["names"],
        "S1": result["S1"], "S1_conf": result["S1_conf"],
        "ST": result["ST"], "ST_conf": result["ST_conf"],
    })


def morris_indices(definition: dict[str, Any], x: np.ndarray, y: np.ndarray, *, levels: int,
                   seed: int) -> pd.DataFrame:
    """Morris elementary-effect statistics of one output (``SALib.analyze.morris``).

    Args:
        definition: The SALib problem the sample was drawn for.
        x: The sampler's raw matrix.
        y: One output value per design point, in design order.
        levels: Number of grid levels of the sample.
        seed: Seed of the bootstrap confidence intervals.

    Returns:
        One row per input: ``input``, ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf``.
    """
    from SALib.analyze import morris

    result = morris.analyze(
        definition, np.asarray(x, dtype=float), np.asarray(y, dtype=float), conf_level=0.95,
        num_levels=levels, seed=seed % 2**32, print_to_console=False,
    )
    return pd.DataFrame({
        "input": definition["names"],
        "mu": np.asarray(result["mu"], dtype=float),
        "mu_star": np.asarray(result["mu_star"], dtype=float),
        "sigma": np.asarray(result["sigma"], dtype=float),
        "mu_star_conf": np.asarray(result["mu_star_conf"], dtype=float),
    })
