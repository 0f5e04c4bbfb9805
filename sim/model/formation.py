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

from sim.world.vocabulary import KINDS, NONE, SIGNED, STAGES, TALKS  # noqa: F401 (the model reads them here)

KIND_DEPENDENCE: dict[str, float] = {"science": 0.25, "programme": 0.5, "commercial": 1.0}
"""Share of the full dependence risk each kind carries (estimates: exchange among peers
leaves little leverage, a pooled programme some, a purchase from a stronger partner all); it
multiplies ``dependence_weight`` in the actors' and the buyers' values."""
KIND_TIES: dict[str, float] = {"science": 1.0, "programme": 2.0, "commercial": 1.0}
"""Partnership overheads each kind costs per year, in units of ``partnership_overhead_usd``
(estimate: a joint programme needs joint governance on top of the exchange); paid by both sides
of a science exchange or programme and by the seller of a commercial partnership (the buyer pays
the seller's price instead)."""


def consent(value: np.ndarray, temperature: float) -> np.ndarray:
    """Probability that a side prefers the partnership: ``1 / (1 + exp(-V / T))``.

    Args:
        value: Systematic value ``V`` of the partnership over the outside option.
        temperature: ``T`` >= 0; 0 gives 1 where ``V > 0`` and 0 elsewhere.

    Returns:
        Probabilities in [0, 1], same shape as ``value``.
    """
    value = np.asarray(value)
    if temperature <= 0.0:
        return (value > 0).astype(value.dtype)
    # -clip(V / T, -60, 60) == clip(V / -T, -60, 60) exactly (rounding is symmetric in sign)
    z = np.divide(value, -temperature, out=np.empty_like(value, dtype=np.result_type(value, temperature)))
    np.clip(z, -60.0, 60.0, out=z)
    np.exp(z, out=z)
    z += 1.0
    return np.divide(1.0, z, out=z)  # 1 / (1 + exp(-V / T)), in place


def talks_start(
    joint_consent: np.ndarray, talks_rate: float, stage: np.ndarray, *, symmetric: bool
) -> np.ndarray:
    """Probability that each pair not yet talking opens talks this year.

    Each country has the attention for about ``r_talk`` new talks a year: it opens talks with
    candidate ``b`` with probability ``r_talk pi_ab / max(1, sum_c pi_ac)`` over the candidates
    ``c`` it is not yet talking to or partnered with. For the symmetric actor-by-actor array
    either side may open them, and the pair's probability is the mean of the two sides'; for the
    buyer-by-seller array the buyer opens them.

    Args:
        joint_consent: ``pi_ab``, shape (r, m) or (n, n) symmetric.
        talks_rate: ``r_talk`` in [0, 1].
        stage: Current stages, same shape (only pairs at none are candidates).
        symmetric: Whether the arrays are actor by actor (rows and columns are the same countries).

    Returns:
        Probabilities in [0, 1], same shape.
    """
    candidate = joint_consent * (stage == NONE)  # pi_ab >= 0: the same as np.where(..., pi_ab, 0.0)
    own = candidate / np.maximum(1.0, candidate.sum(axis=1, keepdims=True))
    if symmetric:
        own = (own + own.T) / 2.0
    own *= talks_rate
    return own


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
    against = 1.0 - joint_consent
    lapse = lapse_rate * against
    sign = signing_rate * joint_consent * (1.0 - friction)
    in_talks = stage == TALKS
    lapses = in_talks & (uniform >= 1.0 - lapse)  # a lapse wins over a signature drawn the same year
    up = (stage == NONE) & (uniform < start)  # none -> talks
    up |= in_talks & (uniform < sign) & ~lapses  # talks -> signed
    ends = (stage == SIGNED) & (uniform < termination_rate * against)  # signed -> none
    # Stage codes are 0, 1, 2: up is +1, a lapse -1 and an end -2.
    new = stage.copy()
    new += up
    new -= lapses
    new -= ends
    new -= ends
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
