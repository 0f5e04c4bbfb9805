"""Partnership formation: mutual consent, talks before agreements, frictions and lapses.

Every pair of countries that the model can represent (at least one leader or
provider) is in one of three stages: no partnership, talks, or a signed
agreement. Each side consents to a partnership with the probability that it
prefers the partnership to its outside option under Gumbel taste shocks of scale
``T`` (a logit: ``P = 1 / (1 + exp(-V / T))`` for a systematic value ``V``), and a
pair moves between stages at yearly rates driven by the joint consent
``pi_ab = P_a P_b`` and by frictions:

* none -> talks with probability ``q_ab`` (:func:`talks_start`): each country opens about
  ``r_talk`` new talks a year at most, spread over its candidates in proportion to ``pi_ab``;
* talks -> signed with probability ``r_sign pi_ab (1 - f_ab)``, where the friction
  ``f_ab`` in [0, 1] stands for export licensing and sanctions on payments and
  components;
* talks -> none with probability ``r_lapse (1 - pi_ab)``;
* signed -> none with probability ``r_end (1 - pi_ab)`` (agreements are stickier than talks).

A talks pair that neither signs nor lapses stays in talks. All functions work on
whole arrays of pairs.
"""

from __future__ import annotations

import numpy as np

NONE, TALKS, SIGNED = 0, 1, 2
"""Stages of a pair."""
STAGES: tuple[str, ...] = ("none", "talks", "signed")
"""Names of the stages, indexed by their codes."""
KINDS: tuple[str, ...] = ("science", "programme", "commercial")
"""Kinds of partnership: science exchange among actors, joint programme with pooled budgets
among actors, commercial purchase or transfer from an actor to a second-wave country."""
KIND_DEPENDENCE: dict[str, float] = {"science": 0.25, "programme": 0.5, "commercial": 1.0}
"""Share of the full dependence risk each kind carries (estimates: exchange among peers
leaves little leverage, a pooled programme some, a purchase from a stronger partner all)."""
KIND_TIES: dict[str, float] = {"science": 1.0, "programme": 2.0, "commercial": 1.0}
"""Partnership overheads each kind costs per year, in units of ``partnership_overhead_usd``
(estimate: a joint programme needs joint governance on top of the exchange)."""


def consent(value: np.ndarray, temperature: float) -> np.ndarray:
    """Probability that a side prefers the partnership: ``1 / (1 + exp(-V / T))``.

    Args:
        value: Systematic value ``V`` of the partnership over the outside option.
        temperature: ``T`` >= 0; 0 gives 1 where ``V > 0`` and 0 elsewhere.

    Returns:
        Probabilities in [0, 1], same shape as ``value``.
    """
    if temperature <= 0.0:
        return (value > 0).astype(value.dtype)
    z = np.clip(value / temperature, -60.0, 60.0)
    return 1.0 / (1.0 + np.exp(-z))


def talks_start(joint_consent: np.ndarray, talks_rate: float, stage: np.ndarray) -> np.ndarray:
    """Probability that each pair not yet talking opens talks this year.

    Each country has the attention for about ``r_talk`` new talks a year: it opens talks with
    candidate ``b`` with probability ``r_talk pi_ab / max(1, sum_c pi_ac)`` over the candidates
    ``c`` it is not yet talking to or partnered with. For a square (actor by actor) array
    either side may open them, and the pair's probability is the mean of the two sides'.

    Args:
        joint_consent: ``pi_ab``, shape (r, m) or (n, n) symmetric.
        talks_rate: ``r_talk`` in [0, 1].
        stage: Current stages, same shape (only pairs at none are candidates).

    Returns:
        Probabilities in [0, 1], same shape.
    """
    candidate = np.where(stage == NONE, joint_consent, 0.0)
    own = candidate / np.maximum(1.0, candidate.sum(axis=1, keepdims=True))
    if candidate.shape[0] == candidate.shape[1] and np.array_equal(candidate, candidate.T):
        own = (own + own.T) / 2.0
    return talks_rate * own


def advance(
    stage: np.ndarray,
    joint_consent: np.ndarray,
    friction: np.ndarray,
    uniform: np.ndarray,
    *,
    start: np.ndarray,
    signing_rate: float,
    lapse_rate: float,
    termination_rate: float,
) -> np.ndarray:
    """Move every pair one year on between the stages none, talks and signed.

    Args:
        stage: Current stage of each pair (:data:`NONE`, :data:`TALKS`, :data:`SIGNED`), int8.
        joint_consent: ``pi_ab`` in [0, 1], same shape.
        friction: ``f_ab`` in [0, 1], same shape.
        uniform: One uniform draw in [0, 1) per pair, same shape (from the model's generator).
        start: Probability ``q_ab`` that a pair at none opens talks (:func:`talks_start`).
        signing_rate: ``r_sign`` in [0, 1].
        lapse_rate: ``r_lapse`` in [0, 1], for talks.
        termination_rate: ``r_end`` in [0, 1], for signed agreements.

    Returns:
        The new stages, int8.
    """
    lapse = lapse_rate * (1.0 - joint_consent)
    sign = signing_rate * joint_consent * (1.0 - friction)
    new = stage.copy()
    new[(stage == NONE) & (uniform < start)] = TALKS
    in_talks = stage == TALKS
    new[in_talks & (uniform < sign)] = SIGNED
    new[in_talks & (uniform >= 1.0 - lapse)] = NONE
    new[(stage == SIGNED) & (uniform < termination_rate * (1.0 - joint_consent))] = NONE
    return new


def friction(
    controls_ab: np.ndarray,
    controls_ba: np.ndarray,
    status_a: np.ndarray,
    status_b: np.ndarray,
    exposure_a: np.ndarray,
    exposure_b: np.ndarray,
) -> np.ndarray:
    """Friction on signing: ``f_ab = max(C_ab, C_ba, sigma_a E_b, sigma_b E_a)``.

    Export licensing (either side's controls toward the other) and sanctions on
    payments and components (one side is under sanctions and the other is exposed
    to the sanctioning coalition).

    Args:
        controls_ab: Stringency of a's controls toward b, shape (r, m).
        controls_ba: Stringency of b's controls toward a, shape (r, m).
        status_a: Highest sanctions severity a is under, shape (r,).
        status_b: Highest sanctions severity b is under, shape (m,).
        exposure_a: a's exposure to secondary sanctions in [0, 1], shape (r,).
        exposure_b: b's exposure, shape (m,).

    Returns:
        ``f_ab`` in [0, 1], shape (r, m).
    """
    payments = np.maximum(status_a[:, None] * exposure_b[None, :], status_b[None, :] * exposure_a[:, None])
    return np.maximum(np.maximum(controls_ab, controls_ba), payments)
