"""The compiled kernels of sim.model.kernels against the NumPy functions they implement.

Each kernel is fed the arguments the model passes it in a real state (the baseline
world, a 2019 world and a synthetic one after some years), and its outputs are
compared with the whole-array NumPy specification in sim.model.yields, sim.model.choice,
sim.model.formation and sim.model.metrics. Float32 arithmetic may differ in the last bits between
NumPy's vectorised log/exp and the compiled code; discrete outcomes (stages, which
partners get weight) must agree except where a draw or a value is within rounding of
a threshold.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import QuantumWorld
from sim.model import formation, kernels, yields
from sim.model.choice import PAIR_DTYPE, choose_portfolios, dependence_risk, gumbel_shocks, partner_values
from sim.world.data import DEFAULT_DATA_DIR

WORLDS = {
    "baseline": {},
    "data_2019": {"data": DEFAULT_DATA_DIR.parent / "data_2019"},
    "synthetic": {"n_countries": 400},
}


@pytest.fixture(params=sorted(WORLDS), scope="module")
def model(request):
    world = QuantumWorld(seed=11, **WORLDS[request.param])
    for _ in range(6):
        world.step()
    return world


def recorded_call(monkeypatch, model, kernel_name, method, *args):
    """Run a model method and return the arguments and result of its call to a kernel."""
    kernel = getattr(kernels, kernel_name)
    calls = []

    def record(*arguments):
        result = kernel(*arguments)
        calls.append((tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments), result))
        return result

    monkeypatch.setattr(kernels, kernel_name, record)
    getattr(model, method)(*args)
    monkeypatch.setattr(kernels, kernel_name, kernel)
    assert len(calls) == 1
    return calls[0]


def reference_values(args):
    """``QuantumWorld._value_commercial`` in whole-array NumPy (the code the kernel replaced)."""
    (pairs, spend, buyer_log_k, absorptive, floor, affordable, risk_weight, price, openness,
     seller_log_k, seller_home, leverage, stage, scalars) = args
    transfer_gain, trust_gain, temperature, overhead = scalars
    field = dict(zip(kernels.PAIR_FIELDS, pairs, strict=True))
    pair_price = field["exposure"] * price + price
    cost = yields.relative_cost(pair_price, spend).astype(PAIR_DTYPE)
    gain = yields.commercial_yield(
        cost=cost, absorptive=absorptive, open_share=field["open"] * openness,
        partner_home_yield=seller_home, buyer_capability=np.exp(buyer_log_k.astype(np.float64)),
        partner_capability=np.exp(seller_log_k.astype(np.float64)), trust=field["trust"],
        transfer_gain=transfer_gain, trust_gain=trust_gain)
    risk = dependence_risk(field["distance"], field["exposure"], leverage)
    value = partner_values(gain, risk, risk_weight, 1.0)
    signed = stage == formation.SIGNED
    ranked = np.sort(np.where(signed, value, -np.inf), axis=1)
    kth = ranked[np.arange(len(affordable)), ranked.shape[1] - np.minimum(affordable, ranked.shape[1])]
    reference = np.where(signed, floor[:, None], np.maximum(floor, kth)[:, None])
    buyer = formation.consent(value - reference, temperature)
    seller_value = np.log(pair_price / PAIR_DTYPE(overhead)) - field["seller_alignment"]
    seller_value -= field["selling_risk"]
    seller = formation.consent(seller_value, temperature) * field["seller_open"]
    friction = np.maximum(field["seller_controls"], field["payment_friction"])
    return cost, gain, value, buyer * seller, friction


def test_value_pairs_matches_the_numpy_specification(monkeypatch, model):
    args, result = recorded_call(monkeypatch, model, "value_pairs", "_value_commercial")
    # gain is recomputed from ln K (the kernel's input); the rest from the same inputs.
    for name, got, want in zip(("cost", "yield", "value", "consent", "friction"), result,
                               reference_values(args), strict=True):
        assert got.dtype == np.float32, name
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=name)


def test_advance_pairs_matches_the_numpy_specification(monkeypatch, model):
    model._value_options()
    args, new = recorded_call(monkeypatch, model, "advance_pairs", "_form_partnerships")
    stage, consent, friction, uniform, rates = args
    start = formation.talks_start(consent, rates[0], stage, symmetric=False)
    want = formation.advance(stage, consent, friction, uniform, start=start, signing_rate=rates[1],
                             lapse_rate=rates[2], termination_rate=rates[3])
    # Every threshold a draw is compared with; a draw within rounding of one may go either way.
    against = 1.0 - consent
    thresholds = [start, 1.0 - rates[2] * against, rates[1] * consent * (1.0 - friction), rates[3] * against]
    close = np.any([np.abs(uniform - t) < 1e-5 for t in thresholds], axis=0)
    assert np.array_equal(new[~close], want[~close])
    assert (new != stage).any()  # the draws did move pairs, so the comparison has content


def test_choose_rows_without_noise_matches_choose_portfolios(model):
    rng = np.random.default_rng(5)
    rows, m = model.commercial_stage.shape
    values = model._partner_value + rng.normal(0.0, 0.3, (rows, m)).astype(PAIR_DTYPE)
    home = model._home_value.copy()
    available = rng.random((rows, m)) < 0.4
    previous, previous_home = model.foreign, model.domestic
    concentration = rng.uniform(0.0, 2.0, rows)
    affordable = rng.integers(1, 5, rows)
    for switching_cost in (0.0, 1.0):
        got = kernels.choose_rows(values, home, np.empty(0, dtype=PAIR_DTYPE), previous, previous_home,
                                  concentration, switching_cost, available, affordable, 0.05)
        want = choose_portfolios(values, home, previous, previous_home, concentration, switching_cost,
                                 available, affordable, 0.05)
        for got_part, want_part in zip(got, want, strict=True):
            np.testing.assert_allclose(got_part, want_part, rtol=1e-5, atol=1e-6)
        assert (got[0] > 0).sum() > rows / 4  # some partners get weight


def test_choose_rows_perturbs_signed_partners_then_home_with_gumbel_shocks(model):
    rng = np.random.default_rng(6)
    rows, m = model.commercial_stage.shape
    available = rng.random((rows, m)) < 0.5
    temperature = 0.3
    uniform = rng.random(int(available.sum()) + rows, dtype=PAIR_DTYPE)
    affordable = np.full(rows, 3)
    args = (model.foreign, model.domestic, np.full(rows, 0.5), 1.0, available, affordable, 0.05)
    drawn = gumbel_shocks(uniform.copy(), temperature)
    got = kernels.choose_rows(model._partner_value, model._home_value, drawn, *args)
    shocks = -(np.log(-np.log(np.maximum(uniform, np.finfo(PAIR_DTYPE).tiny))) * PAIR_DTYPE(temperature))
    values = model._partner_value.copy()
    values[available] += shocks[: available.sum()]  # boolean indexing is row-major, as the kernel draws
    home = model._home_value + shocks[available.sum():]
    want = choose_portfolios(values, home, *args[:2], args[2], args[3], available, affordable, 0.05)
    for got_part, want_part in zip(got, want, strict=True):
        np.testing.assert_allclose(got_part, want_part, rtol=1e-5, atol=1e-6)


def test_portfolio_sums_match_numpy_reductions(model):
    foreign, gain, cost, stage = model.foreign, model._yield, model._cost, model.commercial_stage
    spend = model.spending[model._choosers]
    bloc = model._bloc_code[model._providers]
    sums = kernels.portfolio_sums(foreign, gain, cost, stage, spend, model._same_bloc_pair, bloc, 4)
    transfer, partners, squares, by_bloc, paid, weight, buyers, signed, talks, same = sums
    w = foreign.astype(np.float64)
    np.testing.assert_allclose(transfer, (foreign * gain).astype(np.float64).sum(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(partners, (foreign > 0).sum(axis=1))
    np.testing.assert_allclose(squares, (w * w).sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(by_bloc, w @ np.eye(4)[bloc], rtol=1e-12)
    np.testing.assert_allclose(paid, ((foreign * cost).astype(np.float64) * spend[:, None]).sum(axis=0),
                               rtol=1e-12)
    np.testing.assert_allclose(weight, w.sum(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(buyers, (foreign > 0).sum(axis=0))
    np.testing.assert_array_equal(signed, (stage == formation.SIGNED).sum(axis=0))
    np.testing.assert_array_equal(talks, (stage == formation.TALKS).sum(axis=0))
    assert same == ((stage == formation.SIGNED) & model._same_bloc_pair).sum()
    assert signed.sum() > 0 and partners.sum() > 0


def test_kernels_divide_by_zero_as_numpy_does():
    stage = np.full((1, 1), formation.NONE, dtype=np.int8)
    pairs = np.zeros((len(kernels.PAIR_FIELDS), 1, 1), dtype=PAIR_DTYPE)
    pairs[1] = pairs[6] = 1.0
    one, zero32, one32 = np.ones(1), np.zeros(1, PAIR_DTYPE), np.ones(1, PAIR_DTYPE)
    affordable = np.ones(1, dtype=np.int64)
    out = kernels.value_pairs(pairs, one * 1e8, zero32, one * 0.5, zero32, affordable, zero32, one32 * 1e6,
                              one32, zero32, one, one32, stage,
                              np.array([0.3, 0.5, 0.3, 0.0]))  # zero overhead: an infinitely good sale
    assert np.isfinite(out[3]).all() and out[3][0, 0] > 0


def reference_peers(model):
    """``QuantumWorld._value_peers`` in whole-array NumPy (the code the kernel replaced)."""
    p, actors = model.params, model.actors
    spend, home = model.spending[actors], model._home_yield[actors]
    output = np.maximum(home * spend / yields.USD_PER_UNIT, yields.CAPABILITY_FLOOR)
    open_share = model.openness[actors][None, :] * (1.0 - model._closed[:, actors].T)
    spillover = yields.science_spillover(
        coefficient=p["science_gain"], open_share=open_share, absorptive=model._absorptive[actors],
        output=output, trust=model._peer_trust, trust_gain=p["trust_gain"])
    pooled = yields.programme_yield(model.efficiency[actors], spend, p["build_threshold_usd"])
    overhead = p["partnership_overhead_usd"] * home / yields.USD_PER_UNIT
    pooling = p["programme_share"] * spend[:, None] * (pooled - home[:, None]) / yields.USD_PER_UNIT
    leverage = model.capability[actors] / model.capability[actors].sum()
    exposure = model._exposure[actors][:, None] * model._status[actors][None, :]
    risk = (model._peer_distance + exposure + leverage[None, :]) / 3.0
    penalty = p["alignment_weight"] * model._peer_distance * (1.0 - model._peer_trust)
    aversion = p["dependence_weight"] * model.dependence_aversion[actors][:, None] * risk
    values = np.stack([
        (gain - formation.KIND_TIES[kind] * overhead[:, None]) / output[:, None]
        - formation.KIND_DEPENDENCE[kind] * aversion - penalty
        for kind, gain in (("science", spillover), ("programme", spillover + pooling))])
    joint = np.minimum(values, values.transpose(0, 2, 1))
    undecided = model.peer_stage == formation.NONE
    kind = np.where(undecided, (joint[1] > joint[0]).astype(np.int8), model.peer_kind)
    chosen = np.where(kind == 1, values[1], values[0])
    side = formation.consent(chosen, p["choice_temperature"]) * (1.0 - model.sanctions[:, actors])
    consent = side * side.T
    np.fill_diagonal(consent, 0.0)
    controls, status, own = model.controls[:, actors], model._status[actors], model._exposure[actors]
    friction = formation.friction(controls, controls.T, status, status, own, own)
    return spillover, pooled, kind, consent, friction


def test_value_peers_matches_the_numpy_specification(monkeypatch, model):
    want = reference_peers(model)  # before the call: it replaces the kinds of undecided pairs
    _, got = recorded_call(monkeypatch, model, "value_peers", "_value_peers")
    for name, got_part, want_part in zip(("spillover", "pooled", "kind", "consent", "friction"), got, want,
                                         strict=True):
        np.testing.assert_allclose(got_part, want_part, rtol=1e-12, atol=1e-15, err_msg=name)
    assert (got[3] > 0.01).any() and (got[2] == 1).any() and (got[2] == 0).any()


def test_advance_peers_matches_the_numpy_specification(monkeypatch, model):
    model._value_options()
    args, new = recorded_call(monkeypatch, model, "advance_peers", "_form_partnerships")
    stage, consent, friction, draws, rates = args
    uniform = np.zeros(stage.shape)
    upper = np.triu(np.ones(stage.shape, dtype=bool), 1)
    uniform[upper] = draws
    uniform = uniform + uniform.T
    start = formation.talks_start(consent, rates[0], stage, symmetric=True)
    want = formation.advance(stage, consent, friction, uniform, start=start, signing_rate=rates[1],
                             lapse_rate=rates[2], termination_rate=rates[3])
    np.fill_diagonal(want, formation.NONE)
    np.testing.assert_array_equal(new, want)
    np.testing.assert_array_equal(new, new.T)


def test_adapt_policies_matches_the_numpy_specification(model):
    from sim.model import dynamics
    from sim.model.quantum_world import NONALIGNED

    rng = np.random.default_rng(8)
    n = len(model.iso3)
    change = rng.normal(0.0, 0.02, n)  # shares moved both ways, so every branch runs
    got = {name: getattr(model, name).copy() for name in
           ("openness", "price", "controls", "_closed", "_open_pair", "_seller_controls_pair")}
    want = {name: array.copy() for name, array in got.items()}
    sellers, leaders = model._providers, model._leaders
    kernels.adapt_policies(
        change, got["openness"], got["price"], model._provider_only, 0.05, sellers, model._bloc_code[sellers],
        NONALIGNED, leaders, model._actor_row[leaders], model._bloc_code[leaders], got["controls"],
        model.control_scope, model.sanctions, got["_closed"], model._provider_column, model._choosers,
        got["_open_pair"], got["_seller_controls_pair"], 2.0)
    providers = model._provider_only
    want["openness"][providers], want["price"][providers] = dynamics.adapt_providers(
        want["openness"][providers], want["price"][providers], change[providers], 0.05)
    rival_camp = model._bloc_code[sellers] != NONALIGNED
    for leader in leaders:
        row = model._actor_row[leader]
        rival = rival_camp & (model._bloc_code[sellers] != model._bloc_code[leader])
        want["controls"][row] = dynamics.tighten_controls(
            want["controls"][row], model.control_scope[row], float(change[sellers][rival].sum()), 2.0)
        want["_closed"][row] = np.maximum(want["controls"][row], model.sanctions[row])
        column = model._provider_column[row]
        want["_open_pair"][:, column] = 1.0 - want["_closed"][row, model._choosers]
        want["_seller_controls_pair"][:, column] = want["controls"][row, model._choosers]
    for name in got:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-7, err_msg=name)
    assert not np.array_equal(got["controls"], model.controls)  # the leaders did respond


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, -1e-300, None])
@pytest.mark.parametrize("where", [0, 7, 45])
def test_first_invalid_finds_the_first_nan_infinity_or_negative(bad, where):
    values = np.random.default_rng(where).uniform(0.0, 5.0, 46)
    values[3] = 0.0  # zero is a valid stock
    if bad is not None:
        values[where] = bad
        values[min(where + 1, 45)] = -2.0  # a later bad entry must not be reported first
    invalid = np.flatnonzero(~np.isfinite(values) | (values < 0))
    assert kernels.first_invalid(values) == (invalid[0] if invalid.size else -1)
