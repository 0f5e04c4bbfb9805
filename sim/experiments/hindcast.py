"""Hindcast: how well a scenario that starts before 2022 meets the agreements signed in 2022-2025.

:func:`predict_pairs` runs the scenario's replications and, for every pair the model
can represent (at least one leader or provider of the data) and every year of the
validation window, the share of replications in which the pair has held a partnership
at the end of some window year up to then, by target:

* ``any``: talks or a signed agreement of any kind;
* ``signed``: a signed agreement of any kind; ``talks``: talks;
* ``science``, ``programme``, ``commercial``: a signed agreement of that kind.

:func:`observed_labels` turns an agreements file into the same targets (a row of kind
``talks`` is talks; a ``programme`` between two actors is a programme; any other row
between two actors a science exchange; any row between an actor and a second-wave country
commercial), counting only rows dated in the window up to each year.
:func:`score` holds the predictions against them with :func:`sim.experiments.hindcast_score.score_table`,
beside two naive baselines: partner popularity in the calibration rows (dated 2021 or
earlier) and alignment distance. The model never reads the agreements it is scored
against: its initial partnerships come only from rows dated 2021 or earlier
(:func:`sim.world.data.load_world`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.base.seeds import derive_seeds
from sim.experiments.hindcast_score import baseline_alignment, baseline_popularity, score_table
from sim.inputs.posterior import with_values
from sim.inputs.scenario import Scenario
from sim.model import formation
from sim.model.quantum_world import QuantumWorld
from sim.world.agreements import CALIBRATION_END, VALIDATION_YEARS, calibration_rows

TARGETS: tuple[str, ...] = ("any", "signed", "talks", "science", "programme", "commercial")
"""What a tie means for each scored target."""
PEER_TARGETS: tuple[str, ...] = ("science", "programme")
"""Targets that only pairs of two actors can have."""
PREDICTORS: tuple[str, ...] = ("model", "popularity", "alignment")
"""The model and the two naive baselines, in the order of the score table."""


class HindcastError(ValueError):
    """A scenario that cannot be held against the validation window."""


@dataclass(frozen=True)
class Candidates:
    """The pairs a hindcast scores: every pair with at least one leader or provider.

    Attributes:
        pairs: ``"AAA-BBB"`` (codes sorted), in a fixed order.
        peer: Whether both countries are leaders or providers, per pair.
        index: Position of each pair string.
    """

    pairs: tuple[str, ...]
    peer: np.ndarray
    index: dict[str, int]


def candidates(iso3: Sequence[str], role: Sequence[str]) -> Candidates:
    """Every pair of countries with at least one leader or provider, in data order.

    Args:
        iso3: Country codes.
        role: Their roles at the start.

    Returns:
        The candidate pairs.
    """
    actor = [r != "second_wave" for r in role]
    pairs, peer = [], []
    for i in range(len(iso3)):
        for j in range(i + 1, len(iso3)):
            if actor[i] or actor[j]:
                pairs.append("-".join(sorted((str(iso3[i]), str(iso3[j])))))
                peer.append(actor[i] and actor[j])
    return Candidates(tuple(pairs), np.array(peer), {pair: k for k, pair in enumerate(pairs)})


def window_years(scenario: Scenario) -> list[int]:
    """The validation years a scenario's run covers.

    Args:
        scenario: The scenario.

    Returns:
        The years of :data:`sim.world.agreements.VALIDATION_YEARS` within its horizon.

    Raises:
        HindcastError: If it starts after the calibration window or ends before the validation window.
    """
    first, last = scenario.base_year, scenario.base_year + scenario.steps
    if first > CALIBRATION_END:
        raise HindcastError(
            f"scenario '{scenario.name}' starts in {first}: a hindcast needs a scenario that starts in "
            f"{CALIBRATION_END} or earlier (e.g. 'history'), so the years {VALIDATION_YEARS[0]}-"
            f"{VALIDATION_YEARS[-1]} are predicted, not given")
    years = [year for year in VALIDATION_YEARS if year <= last]
    if not years:
        raise HindcastError(f"scenario '{scenario.name}' ends in {last}, before the validation window "
                            f"{VALIDATION_YEARS[0]}-{VALIDATION_YEARS[-1]}")
    return years


def _tied(model: QuantumWorld, pairs: Candidates) -> dict[str, np.ndarray]:
    """Which candidate pairs hold a partnership now, per target."""
    records = model.partnerships()
    codes = model.iso3.astype(str)
    out = {target: np.zeros(len(pairs.pairs), dtype=bool) for target in TARGETS}
    for a, b, kind, stage in zip(records["a"], records["b"], records["kind"], records["stage"], strict=True):
        k = pairs.index.get("-".join(sorted((codes[a], codes[b]))))
        if k is None:
            continue
        out["any"][k] = True
        if stage == formation.TALKS:
            out["talks"][k] = True
        else:
            out["signed"][k] = True
            out[formation.KINDS[kind]][k] = True
    return out


def predict_pairs(scenario: Scenario, replications: int | None = None,
                  draws: Sequence[Mapping[str, float]] | None = None) -> pd.DataFrame:
    """The model's probability of a tie for every candidate pair, target and window year.

    Replication ``k`` runs with the scenario's seed ``k`` (as in ``qgeo run``). A pair counts
    as tied by year ``Y`` if it held the partnership at the end of some window year up to ``Y``.

    Args:
        scenario: A scenario that starts in 2021 or earlier and reaches the validation window.
        replications: How many replications (default the scenario's).
        draws: Parameter values of each replication (posterior draws, :mod:`sim.inputs.posterior`), or None.

    Returns:
        One row per pair, target and year: ``pair``, ``peer`` (both leaders or providers),
        ``target``, ``year``, ``probability``.

    Raises:
        HindcastError: If the scenario does not cover the window.
    """
    years = window_years(scenario)
    count = scenario.replications if replications is None else int(replications)
    seeds = derive_seeds(scenario.seed, count)
    pairs: Candidates | None = None
    totals: dict[tuple[str, int], np.ndarray] = {}
    for k, seed in enumerate(seeds):
        run = scenario if draws is None else with_values(scenario, draws[k])
        model = QuantumWorld(**run.model_kwargs(), seed=seed, collect_agents=False)
        if pairs is None:
            pairs = candidates(model.iso3.astype(str), model.role)
        ever = {target: np.zeros(len(pairs.pairs), dtype=bool) for target in TARGETS}
        while model.year < years[-1]:
            model.step()
            if model.year in years:
                for target, now in _tied(model, pairs).items():
                    ever[target] |= now
                    totals.setdefault((target, model.year), np.zeros(len(pairs.pairs)))
                    totals[target, model.year] += ever[target]
    assert pairs is not None
    frames = []
    for (target, year), total in totals.items():
        mask = _applicable(pairs, target)
        frames.append(pd.DataFrame({
            "pair": np.array(pairs.pairs)[mask], "peer": pairs.peer[mask], "target": target, "year": year,
            "probability": total[mask] / len(seeds),
        }))
    return pd.concat(frames, ignore_index=True)


def _applicable(pairs: Candidates, target: str) -> np.ndarray:
    """Which candidate pairs can hold a target at all."""
    if target in PEER_TARGETS:
        return pairs.peer
    if target == "commercial":
        return ~pairs.peer
    return np.ones(len(pairs.pairs), dtype=bool)


def _row_target(kind: str, peer: bool) -> str:
    """The model target an observed agreement row stands for."""
    if kind == "talks":
        return "talks"
    if not peer:
        return "commercial"
    return "programme" if kind == "programme" else "science"


def observed_labels(agreements: pd.DataFrame, pairs: Candidates, years: Sequence[int]) -> pd.DataFrame:
    """Which candidate pairs signed (or talked), per target and year, in the validation window.

    Args:
        agreements: Rows as returned by :func:`sim.world.agreements.load_agreements`.
        pairs: The candidate pairs.
        years: Window years.

    Returns:
        One row per pair, target and year: ``pair``, ``target``, ``year``, ``observed`` (0 or 1).
    """
    window = agreements[agreements["year"].isin(list(VALIDATION_YEARS))]
    hits: dict[tuple[str, int], set[str]] = {}
    for pair, kind, year in window[["pair", "kind", "year"]].itertuples(index=False):
        k = pairs.index.get(pair)
        if k is None:
            continue
        specific = _row_target(kind, bool(pairs.peer[k]))
        targets = {"any", specific} | ({"signed"} if specific != "talks" else set())
        for until in years:
            if year <= until:
                for target in targets:
                    hits.setdefault((target, until), set()).add(pair)
    frames = []
    for target in TARGETS:
        chosen = np.array(pairs.pairs)[_applicable(pairs, target)]
        for until in years:
            found = hits.get((target, until), set())
            frames.append(pd.DataFrame({"pair": chosen, "target": target, "year": until,
                                        "observed": np.isin(chosen, list(found)).astype(int)}))
    return pd.concat(frames, ignore_index=True)


def score(
    predictions: pd.DataFrame,
    agreements: pd.DataFrame,
    alignment: dict[str, float],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score the model and the naive baselines on every target and window year.

    Args:
        predictions: From :func:`predict_pairs`.
        agreements: The observed agreements (all years; only the window is scored, only the
            calibration rows feed the popularity baseline).
        alignment: Alignment of each country (for the alignment baseline).
        n_boot: Bootstrap resamples of the AUC interval.
        seed: Seed of the bootstrap.

    Returns:
        ``(scores, pairs)``: one row per target, year and predictor with the AUC, its 95%
        interval, the Brier score (model only) and precision at 10 and 25; and the merged
        pair table (``pair``, ``peer``, ``target``, ``year``, ``probability``, ``observed``,
        ``popularity``, ``alignment``).
    """
    codes = sorted({code for pair in predictions["pair"] for code in pair.split("-")})
    peers = predictions.drop_duplicates("pair")[["pair", "peer"]]
    pairs = Candidates(tuple(peers["pair"]), peers["peer"].to_numpy(dtype=bool),
                       {pair: k for k, pair in enumerate(peers["pair"])})
    years = [int(year) for year in sorted(predictions["year"].unique())]
    labels = observed_labels(agreements, pairs, years)
    table = predictions.merge(labels, on=["pair", "target", "year"], how="left", validate="one_to_one")
    known = agreements["a_iso3"].isin(codes) & agreements["b_iso3"].isin(codes)
    calibration = calibration_rows(agreements[known])
    unique = table["pair"].unique().tolist()
    popularity = dict(zip(unique, baseline_popularity(unique, calibration), strict=True))
    closeness = dict(zip(unique, baseline_alignment(unique, alignment), strict=True))
    table["popularity"] = table["pair"].map(popularity)
    table["alignment"] = table["pair"].map(closeness)
    rows = []
    for (target, year), group in table.groupby(["target", "year"], sort=False):
        scored = score_table(
            {"model": group["probability"].to_numpy(), "popularity": group["popularity"].to_numpy(),
             "alignment": group["alignment"].to_numpy()},
            group["observed"].to_numpy(), k_values=(10, 25), n_boot=n_boot, seed=seed,
            probabilistic={"model"},
        )
        scored.insert(0, "year", int(year))
        scored.insert(0, "target", target)
        rows.append(scored)
    return pd.concat(rows, ignore_index=True), table
