"""The input language: one key-path grammar, one bounds object, one "did you mean", one trial model."""

from __future__ import annotations

import pytest

from sim.base.bounds import Bounds
from sim.base.suggest import closest, did_you_mean
from sim.inputs import keypath
from sim.inputs.experiment import EXPERIMENT_DIR, load_experiment
from sim.inputs.scenario import ScenarioError, load_scenario
from sim.model.events import EventError, parse_event
from sim.model.parameters import PARAMETERS, defaults
from sim.model.quantum_world import QuantumWorld
from sim.world.data import DataError, load_world


@pytest.fixture(scope="module")
def world():
    return load_world()


# ----------------------------------------------------------------------------- did you mean
@pytest.mark.parametrize(("given", "expected"),
                         [("RUZ", "RUS"), ("EGX", "EGY"), ("VMN", "VNM"), ("RSU", "RUS")])
def test_nearest_country_code(world, given, expected):
    assert closest(given, world.iso3) == expected


def test_did_you_mean_ignores_case_and_order_and_says_nothing_when_far():
    assert closest("MOU", ["joint_statement", "mou"]) == "mou"
    assert closest("UZA", ["UZB", "USA"]) == closest("UZA", ["USA", "UZB"])
    assert closest("zzzz", ["alpha", "beta"]) is None
    assert did_you_mean("zzzz", ["alpha"]) == ""
    assert did_you_mean("alpah", ["alpha", "beta"]) == " (did you mean 'alpha'?)"


def test_every_layer_suggests_the_same_country_for_uza(world):
    """The data layer, the events, the model and the scenario files give one answer."""
    expected = closest("UZA", world.iso3)
    assert expected is not None
    hint = f"did you mean '{expected}'"
    with pytest.raises(DataError) as info:
        world.with_overrides({"UZA": {"openness": 0.5}})
    assert info.value.suggestion == expected
    with pytest.raises(EventError, match=hint):
        parse_event({"year": 2026, "kind": "breakthrough", "actors": ["UZA"], "capability_gain": 0.1},
                    list(world.iso3), 2025, 2030)
    with pytest.raises(KeyError, match=hint):
        QuantumWorld(steps=1, collect_agents=False, seed=1).index_of("UZA")
    with pytest.raises(ScenarioError, match=hint):
        load_scenario("baseline", sets=["countries.UZA.openness=0.5"])


# ----------------------------------------------------------------------------- key paths
@pytest.mark.parametrize("text", ["steps", "params.dependence_weight", "countries.VNM.budget_usd",
                                  "events[2].year"])
def test_key_paths_read_back_as_written(text):
    assert str(keypath.parse(text)) == text


@pytest.mark.parametrize("text", ["params.", "params.a.b", "countries.VNM", "events[x].year", "events[0]",
                                  "a b", ""])
def test_malformed_key_paths_are_refused(text):
    with pytest.raises(keypath.KeyPathError, match="expected a top-level key"):
        keypath.parse(text)


def test_apply_sets_each_kind_of_key_path_and_keeps_one_horizon():
    values = {"params": {}, "countries": {}, "events": [{"kind": "breakthrough"}], "end_year": 2040}
    for text, value in [("params.trust_gain", 1.0), ("countries.VNM.openness", 0.2), ("events[0].year", 2027),
                        ("steps", 12)]:
        keypath.apply(values, keypath.parse(text), value)
    assert values == {"params": {"trust_gain": 1.0}, "countries": {"VNM": {"openness": 0.2}},
                      "events": [{"kind": "breakthrough", "year": 2027}], "steps": 12}
    with pytest.raises(keypath.KeyPathError, match="expected an index below 1"):
        keypath.apply(values, keypath.parse("events[1].year"), 2027)


def test_set_experiment_input_and_engine_accept_the_same_paths():
    """A key path ``--set`` accepts is one an experiment can vary and the engine can apply."""
    from sim.engine.plan import apply_inputs

    scenario = load_scenario("export_controls")
    values = {"params.dependence_weight": 2.5, "countries.VNM.dependence_aversion": 3.0,
              "events[0].year": 2028}
    via_set = load_scenario("export_controls", sets=[f"{key}={value}" for key, value in values.items()])
    via_engine = apply_inputs(scenario, values)
    assert via_engine.params.as_dict() == via_set.params.as_dict()
    assert via_engine.countries == via_set.countries
    assert via_engine.events == via_set.events


# ----------------------------------------------------------------------------- bounds
def test_bounds_words_and_checks_open_and_closed_ends():
    closed = Bounds(0.0, 20.0, unit="log points")
    half_open = Bounds(0.0, 1.0, low_open=True)
    unbounded = Bounds(0.0, None, low_open=True)
    assert closed.contains(0.0) and closed.contains(20.0) and not closed.contains(20.5)
    assert not half_open.contains(0.0) and half_open.contains(1.0)
    assert unbounded.contains(1e300) and not unbounded.contains(0.0) and not unbounded.contains(float("inf"))
    assert closed.problem(-1, "a value") == "expected a value in [0, 20] (log points), found -1"
    assert half_open.expected() == "a number in (0, 1]" and unbounded.expected() == "a number > 0"
    assert Bounds(1, 5, integer=True).problem(2.5) == "expected a whole number, found 2.5"
    assert Bounds(0, 1).problem(True) == "expected a number, found True"


def test_an_open_event_bound_is_refused_by_the_event_and_the_experiment_alike(world):
    with pytest.raises(EventError, match=r"'factor' expected a number in \(0, 100\], found 0"):
        parse_event({"year": 2026, "kind": "budget_change", "actors": ["VNM"], "factor": 0},
                    list(world.iso3), 2025, 2030)


# ----------------------------------------------------------------------------- parameter registry
def test_the_model_takes_its_defaults_from_the_registry():
    import inspect

    signature = inspect.signature(QuantumWorld.__init__)
    assert {name: signature.parameters[name].default for name in PARAMETERS} == defaults()
    model = QuantumWorld(steps=1, collect_agents=False, seed=1)
    assert {name: model.params[name] for name in PARAMETERS if name != "steps"} == {
        name: value for name, value in defaults().items() if name != "steps"}


def test_every_explorer_slider_lies_within_its_parameters_range():
    from sim.explorer.session import PAGE_PARAMETERS

    assert PAGE_PARAMETERS
    for name, slider in PAGE_PARAMETERS.items():
        spec = PARAMETERS[name]
        assert spec.slider is slider
        assert spec.contains(slider.low) and spec.contains(slider.high) and slider.step > 0, name


# ----------------------------------------------------------------------------- trial models
@pytest.fixture
def constructions(monkeypatch):
    """Count QuantumWorld constructions (the real constructor runs)."""
    count = {"n": 0}
    original = QuantumWorld.__init__

    def counting(self, *args, **kwargs):
        count["n"] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(QuantumWorld, "__init__", counting)
    return count


@pytest.mark.parametrize("name", sorted(path.stem for path in EXPERIMENT_DIR.glob("*.toml")))
def test_loading_a_shipped_experiment_builds_the_model_once(constructions, name):
    experiment = load_experiment(name)
    assert experiment.inputs
    assert constructions["n"] == 1


def test_loading_a_scenario_builds_the_model_once(constructions):
    load_scenario("export_controls", sets=["params.dependence_weight=2"])
    assert constructions["n"] == 1


# ----------------------------------------------------------------------------- JSON schemas
@pytest.mark.parametrize("name", ["scenario.schema.json", "experiment.schema.json"])
def test_shipped_schemas_are_in_sync_with_the_registries(name):
    from sim.inputs.schema import DOCS_DIR, schema_text

    assert (DOCS_DIR / name).read_text(encoding="utf-8") == schema_text(name), (
        f"docs/{name} is out of date: run `python -m sim.inputs.schema` (or `make schemas`)"
    )


def test_every_shipped_file_matches_its_schema_and_the_schema_follows_the_registries():
    import json
    import tomllib

    import jsonschema

    from sim.inputs.scenario import SCENARIO_DIR, TOP_LEVEL_KEYS
    from sim.inputs.schema import DOCS_DIR
    from sim.model.events import KINDS

    scenario = json.loads((DOCS_DIR / "scenario.schema.json").read_text(encoding="utf-8"))
    experiment = json.loads((DOCS_DIR / "experiment.schema.json").read_text(encoding="utf-8"))
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        jsonschema.validate(tomllib.loads(path.read_text(encoding="utf-8")), scenario)
    for path in sorted(EXPERIMENT_DIR.glob("*.toml")):
        jsonschema.validate(tomllib.loads(path.read_text(encoding="utf-8")), experiment)
    assert tuple(scenario["properties"]) == TOP_LEVEL_KEYS
    params = scenario["$defs"]["ScenarioParams"]["properties"]
    assert set(params) == set(PARAMETERS) - {"steps"}
    for name, entry in params.items():  # every parameter with its registry type, range, unit, default
        spec = PARAMETERS[name]
        assert entry["type"] == ("integer" if spec.integer else "number")
        assert (entry["minimum"], entry["maximum"], entry["unit"]) == (spec.low, spec.high, spec.unit)
        assert (entry["default"], entry["description"]) == (spec.default, spec.doc)
    kinds = {definition["properties"]["kind"]["const"] for definition in scenario["$defs"].values()
             if "kind" in definition.get("properties", {})}
    assert kinds == set(KINDS)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"params": {"dependence_weight": 25.0}}, scenario)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"events": [{"year": 2027, "kind": "budget_change", "actors": ["VNM"], "factor": 0}]}, scenario)


# ----------------------------------------------------------------------------- event-kind registry
def test_a_new_event_kind_is_one_registry_entry(monkeypatch, world):
    """One entry of sim.model.events.KINDS: the model applies it, validation and the explorer know it."""
    from sim.explorer.session import describe_event
    from sim.model.events import KINDS, EventKind, FieldSpec

    def grant(model, actors, targets, fields):
        model.capability[actors] += fields["amount"]

    monkeypatch.setitem(KINDS, "grant", EventKind(
        {"amount": FieldSpec(low=0.0, high=10.0, doc="capability added")}, imposed=True, apply=grant))
    event = {"kind": "grant", "actors": ["USA"], "amount": 1.5}
    model = QuantumWorld(steps=2, seed=1, collect_agents=False)
    usa = model.index_of("USA")
    before = float(model.capability[usa])
    model.apply_event(event)
    assert float(model.capability[usa]) == pytest.approx(before + 1.5)
    assert describe_event({"year": 2026, **event}) == "grant by USA: amount 1.5"
    with pytest.raises(EventError, match=r"'amount' expected a number in \[0, 10\], found 11"):
        QuantumWorld(steps=2, seed=1, collect_agents=False, events=[{"year": 2026, **event, "amount": 11}])
    by_second_wave = {"year": 2026, **event, "actors": ["VNM"]}
    with pytest.raises(EventError, match="only they can impose grant"):
        QuantumWorld(steps=2, seed=1, collect_agents=False, events=[by_second_wave])
    facts = keypath.ScenarioFacts(tuple(world.iso3), (), ({"year": 2026, **event},), 2025, 2, ())
    assert keypath.resolve("events[0].amount", facts).high == 10.0
