"""Compiled kernels of the buyer-by-seller block: valuation, formation and portfolio choice.

The three stages of a year that run over every (second-wave buyer, seller) pair
are compiled with Numba, one pass per buyer row: :func:`value_pairs` (what each
seller is worth to the buyer, and whether both sides consent), :func:`advance_pairs`
(none -> talks -> signed, lapses and terminations) and :func:`choose_rows` (the
portfolio over home and the signed partners). Each computes, term by term, what the
whole-array NumPy functions of :mod:`sim.model.yields`, :mod:`sim.model.choice` and
:mod:`sim.model.formation` compute; those stay the readable specification, and
``tests/test_kernels.py`` checks the kernels against them.

Pair arrays are float32 as in :mod:`sim.model.choice`. Every constant that meets a float32
value is cast to float32 first, so Numba computes in the type NumPy does (a float64
literal would promote the expression). Random numbers come from the model's NumPy
generator as arguments, so the kernels are deterministic functions of their inputs.
Division follows NumPy's rules (``error_model="numpy"``: a zero divisor gives ``inf``, not
an exception). Compiled code is cached next to this module (``cache=True``): the first run
on a machine compiles for some seconds, later processes load it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.model.formation import NONE, SIGNED, TALKS

F32 = np.float32
TINY = F32(np.finfo(np.float32).tiny)
"""Smallest positive float32: the floor of a uniform draw before its logarithm."""
NEG_INF = -np.inf
PAIR_FIELDS: tuple[str, ...] = (
    "exposure", "open", "trust", "distance", "seller_alignment", "selling_risk", "seller_open",
    "seller_controls", "payment_friction",
)
"""The float32 (r, m) arrays stacked in the first argument of :func:`value_pairs`, in this order."""


@njit(cache=True, error_model="numpy", inline="always")
def _keep_largest(largest, n, k, value):
    """Insert ``value`` into ``largest[:n]`` (decreasing), keeping at most ``k``; returns ``n + 1``."""
    position = min(n, k)
    if position == k and value <= largest[k - 1]:
        return n + 1
    if position == k:
        position = k - 1
    while position > 0 and largest[position - 1] < value:
        largest[position] = largest[position - 1]
        position -= 1
    largest[position] = value
    return n + 1


def value_pairs(pairs, spend, buyer_log_capability, absorptive, floor, affordable, risk_weight,
                seller_price, seller_open_share, seller_log_capability, seller_home_yield, leverage,
                stage, scalars):
    """Yields, values, consents and frictions of every buyer-seller pair.

    Per pair (buyer ``i``, seller ``j``), as in ``QuantumWorld._value_commercial``: price
    ``p_ij = p_j (1 + E_ij)``, relative cost ``c_ij`` (:func:`sim.model.yields.relative_cost`),
    yield ``y_ij`` (:func:`sim.model.yields.commercial_yield`), value ``V_ij``
    (:func:`sim.model.choice.partner_values` with :func:`sim.model.choice.dependence_risk`), the
    buyer's consent against its reference, the seller's consent on the price over its
    overhead (:func:`sim.model.formation.consent`), and the friction. Compiled passes do the
    arithmetic; NumPy's vectorised ``log`` and ``exp`` run between them, which is several
    times faster than calling them once per pair.

    Args:
        pairs: (9, r, m) float32, in the order of :data:`PAIR_FIELDS`: exposure ``E_i sigma_j``,
            open share ``1 - max(C_ji, Sigma_ji)``, trust ``T_ij``, distance ``d_ij``, the seller's
            alignment penalty, its selling risk, ``1 - Sigma_ji``, the seller's controls ``C_ji``
            and the payments friction.
        spend: Buyers' spending ``S_i`` in USD, (r,) float64.
        buyer_log_capability: ``ln K_i``, (r,) float32.
        absorptive: ``A_i``, (r,) float64.
        floor: ``max(theta_i, V_i0)``, the least value a partner must beat, (r,) float32.
        affordable: Partners each buyer can sustain, (r,) int.
        risk_weight: ``w_D kappa_commercial lambda_i``, (r,) float32.
        seller_price: List price ``p_j`` in USD, (m,) float32.
        seller_open_share: Openness ``o_j``, (m,) float32.
        seller_log_capability: ``ln K_j``, (m,) float32.
        seller_home_yield: ``h_j``, (m,) float64.
        leverage: ``L_j``, (m,) float32.
        stage: Current stage of each pair, (r, m) int8.
        scalars: (transfer_gain, trust_gain, temperature, overhead in USD), float64.

    Returns:
        ``(cost, yield, value, consent, friction)``, each (r, m) float32.
    """
    transfer_gain, trust_gain, temperature, overhead = (float(x) for x in scalars)
    cost, gain, value, seller = _yields(pairs, spend, buyer_log_capability, absorptive, seller_price,
                                        seller_open_share, seller_log_capability, seller_home_yield,
                                        transfer_gain, trust_gain, overhead)
    np.log(value, out=value)  # ln max(y_ij, floor)
    with np.errstate(divide="ignore"):  # a free seller (p_j = 0) earns ln 0 = -inf: it never consents
        np.log(seller, out=seller)  # ln (p_ij / overhead)
    buyer = _logit_arguments(value, seller, pairs, risk_weight, leverage, floor, affordable, stage,
                             temperature)
    if temperature > 0.0:
        np.exp(buyer, out=buyer)
        np.exp(seller, out=seller)
    return cost, gain, value, _consents(buyer, seller, pairs[6], temperature), np.maximum(pairs[7], pairs[8])


@njit(cache=True, error_model="numpy")
def _yields(pairs, spend, buyer_log_capability, absorptive, seller_price, seller_open_share,
            seller_log_capability, seller_home_yield, transfer_gain, trust_gain, overhead):
    """First pass of :func:`value_pairs`: cost, yield, the yield's floor and the seller's price ratio."""
    rows, m = pairs.shape[1], pairs.shape[2]
    transfer, trust_factor, per_tie = F32(transfer_gain), F32(trust_gain), F32(overhead)
    cost = np.empty((rows, m), dtype=np.float32)
    gain = np.empty((rows, m), dtype=np.float32)
    floored = np.empty((rows, m), dtype=np.float32)
    ratio = np.empty((rows, m), dtype=np.float32)
    for i in range(rows):  # the buyer's terms and row views held in locals: the pass vectorises
        budget, own_absorptive = max(spend[i], 1.0), absorptive[i]
        own_log_capability = buyer_log_capability[i]
        exposure, open_share, trust = pairs[0, i], pairs[1, i], pairs[2, i]
        cost_row, gain_row, floored_row, ratio_row = cost[i], gain[i], floored[i], ratio[i]
        for j in range(m):
            price = exposure[j] * seller_price[j] + seller_price[j]
            c = F32(np.float64(price) / (np.float64(price) + budget))
            gap = max(seller_log_capability[j] - own_log_capability, F32(0.0)) * transfer + F32(1.0)
            y = (F32(1.0) - c) * (open_share[j] * seller_open_share[j])
            y = y * gap
            y = y * F32(own_absorptive * seller_home_yield[j])
            y = y * (F32(1.0) + trust_factor * trust[j])
            cost_row[j], gain_row[j], floored_row[j] = c, y, max(y, F32(1e-12))
            ratio_row[j] = price / per_tie
    return cost, gain, floored, ratio


@njit(cache=True, error_model="numpy", inline="always")
def _logit_argument(value, temperature):
    """``clip(-V / T, -60, 60)``: its exp is :func:`~sim.model.formation.consent`; ``V > 0`` if ``T = 0``."""
    if temperature <= 0.0:
        return F32(1.0) if value > F32(0.0) else F32(0.0)
    z = value / F32(-temperature)
    return min(max(z, F32(-60.0)), F32(60.0))


@njit(cache=True, error_model="numpy")
def _logit_arguments(value, seller, pairs, risk_weight, leverage, floor, affordable, stage, temperature):
    """Second pass of :func:`value_pairs`: ``V_ij`` in place of ``ln y_ij``, and both sides' logit arguments.

    ``seller`` holds ``ln (p_ij / overhead)`` and is overwritten with the seller's argument; the
    buyer's is returned. The buyer's reference is ``max(theta_i, V_i0)`` for a signed partner and,
    for another, also the value of its weakest signed partner once it has as many as it can afford.
    """
    rows, m = value.shape
    buyer = np.empty((rows, m), dtype=np.float32)
    weakest = np.empty(m, dtype=np.float32)
    tie_break = np.empty(m, dtype=np.float32)
    signed_columns = np.empty(m, dtype=np.int64)
    for j in range(m):
        tie_break[j] = F32(1e-6 * j)
    third = F32(3.0)
    for i in range(rows):  # three passes a row; the first, without branches, vectorises
        weight = risk_weight[i]
        value_row, seller_row = value[i], seller[i]
        distance, exposure, alignment, selling_risk = pairs[3, i], pairs[0, i], pairs[4, i], pairs[5, i]
        for j in range(m):
            risk = (distance[j] + exposure[j] + leverage[j]) / third
            value_row[j] = (value_row[j] - weight * risk) - tie_break[j]
            seller_row[j] = _logit_argument((seller_row[j] - alignment[j]) - selling_risk[j], temperature)
        n_signed = 0
        stage_row = stage[i]
        for j in range(m):  # gather the signed partners' columns without a branch
            signed_columns[n_signed] = j
            n_signed += stage_row[j] == SIGNED
        for t in range(n_signed):
            _keep_largest(weakest, t, affordable[i], value_row[signed_columns[t]])
        full = np.float64(weakest[affordable[i] - 1]) if n_signed >= affordable[i] else NEG_INF
        reference_new = F32(max(np.float64(floor[i]), full))
        own_floor = floor[i]
        buyer_row = buyer[i]
        for j in range(m):
            reference = own_floor if stage_row[j] == SIGNED else reference_new
            buyer_row[j] = _logit_argument(value_row[j] - reference, temperature)
    return buyer


@njit(cache=True, error_model="numpy")
def _consents(buyer, seller, seller_open, temperature):
    """Last pass of :func:`value_pairs`: ``P_buyer (P_seller (1 - Sigma_ji))`` from exps of the arguments."""
    rows, m = buyer.shape
    consent = np.empty((rows, m), dtype=np.float32)
    for i in range(rows):
        for j in range(m):
            if temperature > 0.0:
                consent[i, j] = (F32(1.0) / (buyer[i, j] + F32(1.0))) * (
                    (F32(1.0) / (seller[i, j] + F32(1.0))) * seller_open[i, j])
            else:
                consent[i, j] = buyer[i, j] * (seller[i, j] * seller_open[i, j])
    return consent


@njit(cache=True, error_model="numpy")
def advance_pairs(stage, consent, friction, uniform, rates):
    """Talks start, signing, lapse and termination of every buyer-seller pair for one year.

    The buyer opens talks with seller ``j`` with probability ``r_talk pi_ij / max(1, sum_k pi_ik)``
    over the sellers it has no partnership with (:func:`sim.model.formation.talks_start`), then
    every pair moves as :func:`sim.model.formation.advance` says.

    Args:
        stage: Current stages, (r, m) int8.
        consent: Joint consent ``pi_ij``, (r, m) float32.
        friction: ``f_ij``, (r, m) float32.
        uniform: One uniform draw per pair, (r, m) float32.
        rates: (talks, signing, lapse, termination) rates, float64.

    Returns:
        The new stages, (r, m) int8.
    """
    rows, m = stage.shape
    talks, signing, lapse_rate, termination = F32(rates[0]), F32(rates[1]), F32(rates[2]), F32(rates[3])
    new = np.empty_like(stage)
    for i in range(rows):
        total = F32(0.0)
        for j in range(m):
            if stage[i, j] == NONE:
                total += consent[i, j]
        attention = max(F32(1.0), total)
        for j in range(m):
            u, pi, s = uniform[i, j], consent[i, j], stage[i, j]
            against = F32(1.0) - pi
            if s == NONE:
                new[i, j] = TALKS if u < pi / attention * talks else NONE
            elif s == TALKS:
                if u >= F32(1.0) - lapse_rate * against:  # a lapse wins over a signature
                    new[i, j] = NONE
                elif u < signing * pi * (F32(1.0) - friction[i, j]):
                    new[i, j] = SIGNED
                else:
                    new[i, j] = TALKS
            else:
                new[i, j] = NONE if u < termination * against else SIGNED
    return new


@njit(cache=True, error_model="numpy")
def choose_rows(values, home_value, shocks, previous, previous_home, concentration,
                switching_cost, available, max_partners, min_weight):
    """Portfolios over home and the signed partners: :func:`sim.model.choice.choose_portfolios` row by row.

    Gumbel taste shocks (:func:`sim.model.choice.gumbel_shocks`, drawn by the caller as one array, which
    NumPy computes several times faster than per-pair logarithms) perturb the values first; only
    the options a buyer can choose get one: its signed partners, in row-major order, then home for
    every buyer.

    Args:
        values: Partner values ``V_ij``, (r, m) float32.
        home_value: Value of building at home ``V_i0``, (r,) float32.
        shocks: Gumbel shocks, float32: one per signed pair (row-major), then one per buyer; empty
            when the choice temperature is 0 (nothing is perturbed).
        previous: Last year's partner weights, (r, m) float32.
        previous_home: Last year's home weights, (r,) float32.
        concentration: ``g_i``, (r,) float64.
        switching_cost: ``kappa``.
        available: Signed partners, (r, m) bool.
        max_partners: Affordable number of partners ``k_i``, (r,) int.
        min_weight: Smallest weight that counts as a partnership.

    Returns:
        ``(partner weights (r, m), home weights (r,), theta (r,))``, float32.
    """
    rows, m = values.shape
    kappa, noisy = F32(switching_cost), shocks.size > 0
    k = min(max(max_partners.max(), 1), m)
    home_curvature = switching_cost + 1e-3
    smallest = max(min_weight, np.float64(TINY))
    weights = np.zeros((rows, m), dtype=np.float32)
    home = np.empty(rows, dtype=np.float32)
    theta = np.empty(rows, dtype=np.float32)
    linear = np.empty(m, dtype=np.float32)
    columns = np.empty(m, dtype=np.int64)
    best = np.empty(k, dtype=np.float32)
    theta_n = np.empty(k + 1)
    row_weights = np.empty(m)
    draw = 0
    for i in range(rows):
        count = min(max_partners[i], k)
        n_best = 0  # the signed partners, in column order; only they can get weight
        signed_row, value_row, previous_row = available[i], values[i], previous[i]
        for j in range(m):  # gather their columns without a branch
            columns[n_best] = j
            n_best += signed_row[j]
        for t in range(n_best):
            j = columns[t]
            value = value_row[j]
            if noisy:
                value = value + shocks[draw + t]
            linear[t] = previous_row[j] * kappa + value
            _keep_largest(best, t, count, linear[t])
        if noisy:
            draw += n_best
        for t in range(min(n_best, count), k):
            best[t] = F32(NEG_INF)
        cutoff = best[count - 1]
        own = home_value[i]
        if noisy:
            own = own + shocks[shocks.size - rows + i]
        home_linear = np.float64(own + kappa * previous_home[i])
        abroad_curvature = concentration[i] + switching_cost + 1e-3
        inverse_home, inverse_abroad = 1.0 / home_curvature, 1.0 / abroad_curvature
        position = 0
        for t in range(k):
            if best[t] > home_linear:
                position += 1
        sum_weighted, sum_inverse, n_active = 0.0, 0.0, 0
        for t in range(k + 1):
            if t == position:
                candidate, inverse = home_linear, inverse_home
            else:
                candidate = np.float64(best[t] if t < position else best[t - 1])
                inverse = inverse_abroad
            finite = np.isfinite(candidate)
            if finite:
                sum_weighted += candidate * inverse
                sum_inverse += inverse
            theta_n[t] = (sum_weighted - 1.0) / max(sum_inverse, 1e-300)
            if finite and candidate > theta_n[t]:
                n_active += 1
        threshold = theta_n[max(n_active, 1) - 1]
        total = 0.0
        for t in range(n_best):
            w = (np.float64(linear[t]) - threshold) / abroad_curvature
            keep = np.isfinite(linear[t]) and linear[t] >= cutoff and w >= smallest
            row_weights[t] = min(w, 1.0) if keep else 0.0
            total += row_weights[t]
        scale_down = max(total, 1.0)
        for t in range(n_best):
            weights[i, columns[t]] = F32(row_weights[t] / scale_down)
        home[i] = F32(max(1.0 - min(total, 1.0), 0.0))
        theta[i] = F32(threshold)
    return weights, home, theta


@njit(cache=True, error_model="numpy")
def portfolio_sums(foreign, gain, cost, stage, spend, same_bloc, seller_bloc, n_blocs):
    """Row and column sums of the buyer-by-seller block that the capability update and the outcomes use.

    Two passes over each row (the stage counts, then the weights) instead of one NumPy reduction
    per quantity; each sum adds its terms in the order NumPy's row-major reduction would.

    Args:
        foreign: Portfolio weights ``w_ij``, (r, m) float32.
        gain: Yields ``y_ij``, (r, m) float32.
        cost: Relative costs ``c_ij``, (r, m) float32.
        stage: Stages, (r, m) int8.
        spend: Buyers' spending ``S_i`` in USD, (r,) float64.
        same_bloc: Whether buyer and seller share a bloc, (r, m) bool.
        seller_bloc: Each seller's bloc code, (m,) int.
        n_blocs: Number of bloc codes.

    Returns:
        A tuple of
        ``transfer`` (r,): ``sum_j w_ij y_ij`` (products in float32, summed in float64);
        ``partners`` (r,): number of ``w_ij > 0``;
        ``squares`` (r,): ``sum_j w_ij^2``;
        ``by_bloc`` (r, blocs): portfolio weight on each bloc's sellers;
        ``paid`` (m,): ``sum_i w_ij c_ij S_i`` in USD, what each seller is paid;
        ``weight`` (m,): ``sum_i w_ij``;
        ``buyers`` (m,): number of ``w_ij > 0``;
        ``signed`` (m,) and ``talks`` (m,): pairs at each stage;
        ``signed_same_bloc``: signed pairs within a bloc.
    """
    rows, m = foreign.shape
    transfer = np.zeros(rows)
    partners = np.zeros(rows, dtype=np.int64)
    squares = np.zeros(rows)
    by_bloc = np.zeros((rows, n_blocs))
    paid = np.zeros(m)
    weight = np.zeros(m)
    buyers = np.zeros(m, dtype=np.int64)
    signed = np.zeros(m, dtype=np.int64)
    talks = np.zeros(m, dtype=np.int64)
    signed_same_bloc = 0
    held = np.empty(m, dtype=np.int64)
    for i in range(rows):
        stage_row, same_row, weight_row = stage[i], same_bloc[i], foreign[i]
        for j in range(m):  # counts without branches: this pass vectorises
            is_signed = stage_row[j] == SIGNED
            signed[j] += is_signed
            talks[j] += stage_row[j] == TALKS
            signed_same_bloc += is_signed and same_row[j]
        row_transfer, row_squares, row_partners = 0.0, 0.0, 0
        for j in range(m):  # gather the columns with weight without a branch
            held[row_partners] = j
            row_partners += weight_row[j] > F32(0.0)
        for t in range(row_partners):
            j = held[t]
            w = weight_row[j]
            row_transfer += np.float64(w * gain[i, j])
            paid[j] += np.float64(w * cost[i, j]) * spend[i]
            buyers[j] += 1
            row_squares += np.float64(w * w)
            weight[j] += np.float64(w)
            by_bloc[i, seller_bloc[j]] += np.float64(w)
        transfer[i], squares[i], partners[i] = row_transfer, row_squares, row_partners
    return transfer, partners, squares, by_bloc, paid, weight, buyers, signed, talks, signed_same_bloc


@njit(cache=True, error_model="numpy")
def value_peers(actor, closed, trust, distance, sanctions, controls, stage, kind, scalars):
    """Yields, values, kinds, consents and frictions of every pair of actors (leaders and providers).

    As the NumPy equations of :func:`sim.model.yields.science_spillover`,
    :func:`sim.model.yields.programme_yield`
    and :func:`sim.model.formation.consent` and :func:`sim.model.formation.friction` say, per ordered pair
    ``(a, b)``: the science spillover ``G_ab`` and the pooled yield ``Y_ab``; the value of a
    science exchange and of a joint programme to ``a`` (gain net of overheads over its own
    output, minus dependence and political distance); the kind a pair without partnership
    would form (the one with the larger smaller-side value; others keep theirs); each side's
    consent to the pair's kind (times ``1 - Sigma_ab``), their product, and the friction.

    Args:
        actor: (10, n) float64 rows: spending ``S``, home yield ``h``, efficiency ``eta``,
            absorptive capacity ``A``, openness ``o``, capability ``K``, sanctions exposure ``E``,
            sanctions status ``sigma``, dependence aversion ``lambda``, own output ``F``.
        closed: ``max(C_ba, Sigma_ba)`` indexed [b, a], (n, n).
        trust: ``T_ab``, (n, n).
        distance: ``D_ab``, (n, n).
        sanctions: ``Sigma_ab``, (n, n).
        controls: ``C_ab``, (n, n).
        stage: Stages, (n, n) int8.
        kind: Kind codes (0 science, 1 programme), (n, n) int8.
        scalars: (science_gain, trust_gain, critical scale in USD, overhead in USD, programme_share,
            alignment_weight, dependence_weight, temperature, ties of a science exchange, ties of a
            programme, dependence of a science exchange, dependence of a programme).

    Returns:
        ``(spillover, pooled yield, kind, consent, friction)``, (n, n) each.
    """
    n = stage.shape[0]
    (science_gain, trust_gain, critical, overhead_usd, programme_share, alignment_weight,
     dependence_weight, temperature, ties_science, ties_programme, dependence_science,
     dependence_programme) = scalars
    spend, home, efficiency, absorptive, openness = actor[0], actor[1], actor[2], actor[3], actor[4]
    capability, exposure, status, aversion, output = actor[5], actor[6], actor[7], actor[8], actor[9]
    total_capability = capability.sum()
    root = np.sqrt(np.maximum(output, 0.0))
    spillover = np.zeros((n, n))
    pooled = np.empty((n, n))
    values = np.empty((2, n, n))
    for a in range(n):
        spend_a = max(spend[a], 1.0)
        overhead = overhead_usd * home[a] / 1e9
        for b in range(n):
            if a != b:
                open_share = openness[b] * (1.0 - closed[b, a])
                spillover[a, b] = (science_gain * open_share * (absorptive[a] * root[a]) * root[b]
                                   * (1.0 + trust_gain * trust[a, b]))
            spend_b = max(spend[b], 1.0)
            scale = spend_a + spend_b
            weighted = efficiency[a] * spend_a + efficiency[b] * spend_b
            pooled[a, b] = weighted / scale * (max(scale, 0.0) / (max(scale, 0.0) + critical))
            pooling = programme_share * spend[a] * (pooled[a, b] - home[a]) / 1e9
            risk = (distance[a, b] + exposure[a] * status[b] + capability[b] / total_capability) / 3.0
            averse = dependence_weight * aversion[a] * risk
            penalty = alignment_weight * distance[a, b] * (1.0 - trust[a, b])
            values[0, a, b] = ((spillover[a, b] - ties_science * overhead) / output[a]
                               - dependence_science * averse - penalty)
            values[1, a, b] = ((spillover[a, b] + pooling - ties_programme * overhead) / output[a]
                               - dependence_programme * averse - penalty)
    new_kind = np.empty_like(kind)
    side = np.empty((n, n))
    for a in range(n):
        for b in range(n):
            if stage[a, b] == NONE:
                programme = min(values[1, a, b], values[1, b, a]) > min(values[0, a, b], values[0, b, a])
                new_kind[a, b] = 1 if programme else 0
            else:
                new_kind[a, b] = kind[a, b]
            chosen = values[new_kind[a, b], a, b]
            if temperature <= 0.0:
                probability = 1.0 if chosen > 0.0 else 0.0
            else:
                probability = 1.0 / (np.exp(min(max(chosen / -temperature, -60.0), 60.0)) + 1.0)
            side[a, b] = probability * (1.0 - sanctions[a, b])
    consent = np.zeros((n, n))
    friction = np.empty((n, n))
    for a in range(n):
        for b in range(n):
            if a != b:
                consent[a, b] = side[a, b] * side[b, a]
            payments = max(status[a] * exposure[b], status[b] * exposure[a])
            friction[a, b] = max(max(controls[a, b], controls[b, a]), payments)
    return spillover, pooled, new_kind, consent, friction


@njit(cache=True, error_model="numpy")
def advance_peers(stage, consent, friction, uniform, rates):
    """One year of formation among actors: :func:`advance_pairs` for the symmetric actor-by-actor array.

    Either side may open talks: a pair at none opens them with the mean of both sides'
    probabilities (:func:`sim.model.formation.talks_start` with ``symmetric=True``). One draw per
    pair, the upper triangle in row order.

    Args:
        stage: Stages, (n, n) int8, symmetric.
        consent: Joint consent, (n, n), symmetric with a zero diagonal.
        friction: Frictions, (n, n), symmetric.
        uniform: Uniform draws, one per pair ``a < b`` in row order.
        rates: (talks, signing, lapse, termination) rates.

    Returns:
        The new stages, (n, n) int8, symmetric.
    """
    n = stage.shape[0]
    talks, signing, lapse_rate, termination = rates[0], rates[1], rates[2], rates[3]
    attention = np.empty(n)
    for a in range(n):
        total = 0.0
        for b in range(n):
            if stage[a, b] == NONE:
                total += consent[a, b]
        attention[a] = max(1.0, total)
    new = np.zeros_like(stage)
    draw = 0
    for a in range(n):
        for b in range(a + 1, n):
            u, pi, s = uniform[draw], consent[a, b], stage[a, b]
            draw += 1
            against = 1.0 - pi
            moved = s
            if s == NONE:
                candidate = pi
                start = (candidate / attention[a] + candidate / attention[b]) / 2.0 * talks
                moved = TALKS if u < start else NONE
            elif s == TALKS:
                if u >= 1.0 - lapse_rate * against:
                    moved = NONE
                elif u < signing * pi * (1.0 - friction[a, b]):
                    moved = SIGNED
            elif u < termination * against:
                moved = NONE
            new[a, b] = moved
            new[b, a] = moved
    return new


@njit(cache=True, error_model="numpy")
def peer_sums(stage, kind, spillover, pooled, same_bloc, programme_share, programme_cap, ties):
    """Per-actor sums of the actor partnerships for the capability update, and their counts.

    An actor puts ``min(programme_share, cap / n_programmes)`` of its spending into each of its
    signed joint programmes.

    Args:
        stage: Stages, (n, n) int8, symmetric.
        kind: Kind codes (0 science, 1 programme), (n, n) int8.
        spillover: ``G_ab``, (n, n).
        pooled: Pooled yields ``Y_ab``, (n, n).
        same_bloc: Whether both actors are in one bloc, (n, n) bool.
        programme_share: Share of spending per programme.
        programme_cap: Largest share of spending in all programmes together.
        ties: Overheads a science exchange and a programme cost, (2,).

    Returns:
        A tuple of per-actor ``science`` (``sum_b G_ab`` over signed partners), ``pooled_yield``
        (``sum_b share_a Y_ab`` over signed programmes), ``programme_share`` (``sum_b share_a``),
        ``overheads`` (overheads owed), ``signed`` (signed partners); ``counts`` (4,): pairs in
        talks (science, programme), signed (science, programme); and ``signed_same_bloc`` pairs.
    """
    n = stage.shape[0]
    science = np.zeros(n)
    pooled_yield = np.zeros(n)
    share_total = np.zeros(n)
    overheads = np.zeros(n)
    signed = np.zeros(n, dtype=np.int64)
    counts = np.zeros(4, dtype=np.int64)
    signed_same_bloc = 0
    for a in range(n):
        n_programmes = 0
        for b in range(n):
            if stage[a, b] == SIGNED and kind[a, b] == 1:
                n_programmes += 1
        share = min(programme_share, programme_cap / max(n_programmes, 1)) if n_programmes else 0.0
        for b in range(n):
            if stage[a, b] == SIGNED:
                signed[a] += 1
                science[a] += spillover[a, b]
                overheads[a] += ties[kind[a, b]]
                if kind[a, b] == 1:
                    pooled_yield[a] += share * pooled[a, b]
                    share_total[a] += share
            if b > a and stage[a, b] != NONE:
                counts[2 * (stage[a, b] == SIGNED) + kind[a, b]] += 1
                if stage[a, b] == SIGNED and same_bloc[a, b]:
                    signed_same_bloc += 1
    return science, pooled_yield, share_total, overheads, signed, counts, signed_same_bloc


@njit(cache=True, error_model="numpy")
def adapt_policies(change, openness, price, provider_only, rate, sellers, seller_bloc, nonaligned,
                   leaders, leader_rows, leader_bloc, controls, scope, sanctions, closed, seller_column,
                   buyers, open_pair, seller_controls, response):
    """Providers' and leaders' policy responses to last year's share changes, in place.

    Providers as :func:`sim.model.dynamics.adapt_providers`; each leader with an actor row as
    :func:`sim.model.dynamics.tighten_controls`, on the combined share change of the sellers of the
    other camp (bloc neither its own nor nonaligned), after which its closure row and, if it
    sells, its column of the buyer-by-seller open shares and controls are refreshed
    as ``QuantumWorld._refresh_pairs`` would.

    Args:
        change: Share change of every country since last year, (n,).
        openness: Every country's openness, (n,), updated in place.
        price: Every country's price, (n,), updated in place.
        provider_only: Indices of the providers (not leaders).
        rate: Provider adaptation rate ``a``.
        sellers: Indices of all sellers.
        seller_bloc: Their bloc codes.
        nonaligned: The code of the nonaligned bloc.
        leaders: Leaders' indices.
        leader_rows: Their actor rows (-1 for none).
        leader_bloc: Their bloc codes.
        controls: Actors' stringency toward each country, (actors, n), updated in place.
        scope: Which countries each actor's controls can target, (actors, n).
        sanctions: Actors' sanctions severity toward each country, (actors, n).
        closed: ``max(controls, sanctions)``, (actors, n), updated in place.
        seller_column: Each actor row's column among the sellers (-1 for none).
        buyers: Indices of the second-wave countries.
        open_pair: Buyer-by-seller open shares, float32, updated in place.
        seller_controls: Buyer-by-seller controls of the seller, float32, updated in place.
        response: Leaders' control response ``rho_C``.
    """
    for t in range(provider_only.size):
        j = provider_only[t]
        if change[j] < 0.0:
            openness[j] = openness[j] + rate * (1.0 - openness[j])
            price[j] = price[j] * (1.0 - rate)
        elif change[j] > 0.0:
            price[j] = price[j] * (1.0 + rate)
    for t in range(leaders.size):
        row = leader_rows[t]
        if row < 0:
            continue
        gain = 0.0
        for s in range(sellers.size):
            if seller_bloc[s] != nonaligned and seller_bloc[s] != leader_bloc[t]:
                gain += change[sellers[s]]
        step = min(1.0, max(-1.0, response * gain))
        for c in range(controls.shape[1]):
            if scope[row, c]:
                if step >= 0:
                    controls[row, c] = controls[row, c] + step * (1.0 - controls[row, c])
                else:
                    controls[row, c] = controls[row, c] * (1.0 + step)
            closed[row, c] = max(controls[row, c], sanctions[row, c])
        column = seller_column[row]
        if column >= 0:
            for i in range(buyers.size):
                open_pair[i, column] = F32(1.0) - F32(closed[row, buyers[i]])
                seller_controls[i, column] = F32(controls[row, buyers[i]])


@njit(cache=True, error_model="numpy")
def country_outcomes(n, sellers, buyers, actors, weight, partners, squares, domestic, n_buyers, peer_signed):
    """Per-country outcomes of the year from the portfolio sums (:func:`portfolio_sums`, :func:`peer_sums`).

    Args:
        n: Number of countries.
        sellers: Indices of the sellers, (m,).
        buyers: Indices of the second-wave countries, (r,).
        actors: Indices of the actors of the data, (n_a,).
        weight: Total portfolio weight on each seller, (m,).
        partners: Partners of each buyer, (r,).
        squares: ``sum_j w_ij^2`` of each buyer, (r,).
        domestic: Home weight of each buyer, (r,) float32.
        n_buyers: Buyers of each seller, (m,).
        peer_signed: Signed actor partnerships of each actor, (n_a,).

    Returns:
        ``(share, portfolio_hhi, n_partners, n_peers, domestic_share)``, (n,) each, and the sum of the
        buyers' HHI with the number of buyers that have partners. A seller's share is its part of
        all portfolio weight (0 everywhere when there is none); a buyer's HHI is
        ``sum_j (w_ij / (1 - w_i0))^2``, at most 1, and 0 without partners.
    """
    share = np.zeros(n)
    hhi = np.zeros(n)
    n_partners = np.zeros(n, dtype=np.int64)
    n_peers = np.zeros(n, dtype=np.int64)
    domestic_share = np.ones(n)
    total = weight.sum()
    for j in range(sellers.size):
        if total > 0:
            share[sellers[j]] = weight[j] / total
        n_partners[sellers[j]] = n_buyers[j]
    hhi_sum, with_partners = 0.0, 0
    for i in range(buyers.size):
        abroad = 1.0 - np.float64(domestic[i])
        if partners[i] > 0:
            hhi[buyers[i]] = min(squares[i] / abroad**2, 1.0)
            hhi_sum += hhi[buyers[i]]
            with_partners += 1
        n_partners[buyers[i]] = partners[i]
        domestic_share[buyers[i]] = domestic[i]
    for a in range(actors.size):
        n_peers[actors[a]] = peer_signed[a]
    return share, hhi, n_partners, n_peers, domestic_share, hhi_sum, with_partners


@njit(cache=True, error_model="numpy")
def first_invalid(values):
    """Index of the first entry that is NaN, infinite or negative, or -1 if there is none.

    The model's yearly state check (``QuantumWorld._check_state``) calls it once per quantity:
    one compiled pass instead of four NumPy calls (``isfinite``, ``<``, ``|``, ``any``).

    Args:
        values: A state array, (n,) float.

    Returns:
        The index, or -1.
    """
    for i in range(values.size):
        value = values[i]
        if not (np.isfinite(value) and value >= 0.0):
            return i
    return -1
