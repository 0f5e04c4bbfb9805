"""Scenario files: resolution (extends, --set, overrides) and every class of bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pydantic
import pytest

from sim.base.errors import ParameterError
from sim.base.seeds import derive_seeds
from sim.cli import main
from sim.inputs.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    find_scenario,
    load_scenario,
    shipped_scenarios,
)
from sim.model.parameters import PARAMETERS, defaults
from sim.world.data import BASE_YEAR, load_world

EXPORT_EVENT = """
[[events]]
year = 2027
kind = "export_controls"
actors = ["USA"]
stringency = 0.9
"""


def error_of(*args, **kwargs) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(*args, **kwargs)
    return str(info.value)


def test_find_scenario_by_name_with_or_without_suffix():
    assert find_scenario("baseline") == SCENARIO_DIR / "baseline.toml"
    assert find_scenario("baseline.toml") == SCENARIO_DIR / "baseline.toml"


def test_every_shipped_scenario_loads_and_asks_a_question():
    names = {path.stem for path in shipped_scenarios()}
    assert {"baseline", "export_controls", "open_leaders", "sanctions_tightened", "dependence_averse",
            "rosatom_breakthrough"} <= names
    for path in shipped_scenarios():
        scenario = load_scenario(path)
        assert scenario.name == path.stem
        assert scenario.description.rstrip().endswith("?"), path
        assert scenario.source == path


def test_extends_merges_params_countries_and_appends_events(write_scenario):
    parent = write_scenario(
        'name = "parent"\nsteps = 10\n[params]\ndependence_weight = 3.0\nalignment_weight = 4.0\n'
        '[countries.VNM]\nbudget_usd = 2e7\n' + EXPORT_EVENT, name="parent.toml")
    child = write_scenario(
        f'extends = "{parent.name}"\nname = "child"\n[params]\ndependence_weight = 5.0\n'
        '[countries.VNM]\ndependence_aversion = 3.0\n'
        '[[events]]\nyear = 2030\nkind = "breakthrough"\nactors = ["RUS"]\ncapability_gain = 0.5\n',
        name="child.toml", extends=False)
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.steps == 10
    assert scenario.params.as_dict() == {"dependence_weight": 5.0, "alignment_weight": 4.0}
    assert scenario.countries == {"VNM": {"budget_usd": 2e7, "dependence_aversion": 3.0}}
    assert [event["kind"] for event in scenario.events] == ["export_controls", "breakthrough"]


def test_end_year_gives_steps_and_child_horizon_replaces_parent(write_scenario):
    assert load_scenario(write_scenario("end_year = 2040\n")).steps == 2040 - BASE_YEAR
    assert load_scenario(write_scenario("steps = 7\n")).steps == 7
    assert load_scenario("baseline", ["end_year=2030"]).steps == 2030 - BASE_YEAR


def test_sets_and_overrides_apply_in_order(write_scenario):
    path = write_scenario(EXPORT_EVENT)
    scenario = load_scenario(
        path,
        ["params.dependence_weight=4.5", "countries.EGY.openness=0.25", "events[0].stringency=0.3",
         'name="tight"', "steps=12", "replications=3"],
        overrides={"params.dependence_weight": 6.0, "seed": 7},
    )
    assert scenario.params.dependence_weight == 6.0
    assert scenario.countries["EGY"] == {"openness": 0.25}
    assert scenario.events[0]["stringency"] == 0.3
    assert (scenario.name, scenario.steps, scenario.replications, scenario.seed) == ("tight", 12, 3, 7)


def test_model_kwargs_build_the_model_and_seeds_derive_from_root():
    from sim import QuantumWorld

    scenario = load_scenario("baseline", ["steps=3", "params.max_partners=2", "countries.VNM.budget_usd=5e7"])
    kwargs = scenario.model_kwargs()
    assert kwargs["steps"] == 3 and kwargs["max_partners"] == 2
    model = QuantumWorld(**kwargs, seed=1)
    assert model.horizon == 3
    assert model.params["max_partners"] == 2
    assert scenario.replication_seeds() == derive_seeds(scenario.seed, scenario.replications)


def test_params_are_typed_from_the_registry_and_keep_what_the_scenario_set():
    scenario = load_scenario("baseline", ["params.max_partners=2"])
    assert scenario.params.as_dict() == {"max_partners": 2} and type(scenario.params.max_partners) is int
    assert scenario.params.dependence_weight == PARAMETERS["dependence_weight"].default  # not set: default
    assert scenario.params.leader_stringency is None and "dependence_weight" not in scenario.model_kwargs()
    moved = scenario.with_params({"talks_rate": 0.25})
    assert moved.params.as_dict() == {"talks_rate": 0.25, "max_partners": 2}
    assert scenario.params.as_dict() == {"max_partners": 2}
    with pytest.raises(ParameterError, match=r"params\.talks_rate: .*expected a value in \[0, 1\].*found 4"):
        scenario.with_params({"talks_rate": 4})
    with pytest.raises(ParameterError, match="params.talks_rat: unknown key .*did you mean 'talks_rate'"):
        scenario.with_params({"talks_rat": 0.5})
    with pytest.raises(pydantic.ValidationError, match=r"dependence_weight.*\[0, 20\]"):  # built in code
        Scenario(name="coded", steps=3, seed=1, replications=1, params={"dependence_weight": 25.0})


def test_digest_is_stable_and_tracks_content(write_scenario):
    a = load_scenario("baseline")
    assert a.digest() == load_scenario(SCENARIO_DIR / "baseline.toml").digest()
    assert a.digest() != load_scenario("baseline", ["params.dependence_weight=2.75"]).digest()
    assert a.digest() != load_scenario("baseline", ["seed=1"]).digest()
    round_trip = Scenario(**{**a.to_toml_dict(), "source": None})
    assert round_trip.digest() == a.digest()


def test_scenario_object_forbids_extra_keys():
    values = load_scenario("baseline").to_toml_dict()
    with pytest.raises(ValueError, match="extra"):
        Scenario(**values, colour="red")


# ----------------------------------------------------------------------------- error classes
def test_toml_syntax_error_names_file_and_line(write_scenario):
    path = write_scenario('name = "x"\nseed = = 3\n', extends=False)
    message = error_of(path)
    assert path.name in message and "not valid TOML" in message and "line 2" in message


def test_unknown_top_level_key_suggests_nearest(write_scenario):
    message = error_of(write_scenario("replicatons = 3\n"))
    assert "test.toml" in message and "unknown key 'replicatons'" in message
    assert "did you mean 'replications'" in message


def test_misspelled_parameter_suggests_nearest(write_scenario):
    message = error_of(write_scenario("[params]\ndependence_wieght = 2.0\n"))
    assert "test.toml" in message and "params.dependence_wieght" in message
    assert "expected a model parameter" in message and "did you mean 'dependence_weight'" in message


def test_parameter_out_of_range(write_scenario):
    high = PARAMETERS["dependence_weight"].high
    message = error_of(write_scenario(f"[params]\ndependence_weight = {high * 10}\n"))
    assert "test.toml" in message and "params.dependence_weight" in message
    assert f"{high:g}]" in message and f"found {high * 10}" in message


@pytest.mark.parametrize(("body", "key_path", "expected", "found"), [
    ('seed = "abc"\n', "seed", "an integer", "'abc'"),
    ("replications = 2.5\n", "replications", "an integer", "2.5"),
    ('[params]\ndependence_weight = "high"\n', "params.dependence_weight", "a number", "'high'"),
    ("[countries.VNM]\nbudget_usd = true\n", "countries.VNM.budget_usd", "a number", "True"),
    ("params = 3\n", "params", "a table", "3"),
])
def test_wrong_type(write_scenario, body, key_path, expected, found):
    message = error_of(write_scenario(body))
    assert "test.toml" in message and key_path in message
    assert f"expected {expected}" in message and f"found {found}" in message


def test_misspelled_iso3_in_countries(write_scenario):
    message = error_of(write_scenario("[countries.VNN]\ndependence_aversion = 3.0\n"))
    assert "test.toml" in message and "countries.VNN" in message and "did you mean 'VNM'" in message


def test_misspelled_iso3_in_event_actors(write_scenario):
    message = error_of(write_scenario(EXPORT_EVENT.replace('["USA"]', '["USA", "RUSS"]')))
    assert "test.toml" in message and "events[0]" in message and "'actors'" in message
    assert "'RUSS'" in message and "did you mean 'RUS'" in message


def test_unknown_attribute(write_scenario):
    message = error_of(write_scenario("[countries.VNM]\ndependence_aversio = 3.0\n"))
    assert "countries.VNM.dependence_aversio" in message and "did you mean 'dependence_aversion'" in message


def test_country_attribute_out_of_range(write_scenario):
    message = error_of(write_scenario("[countries.EGY]\nopenness = 1.5\n"))
    assert "test.toml" in message and "countries.EGY.openness" in message
    assert "[0, 1]" in message and "1.5" in message


def test_second_wave_country_cannot_impose_export_controls(write_scenario):
    message = error_of(write_scenario(EXPORT_EVENT.replace('["USA"]', '["VNM"]')))
    assert "test.toml" in message and "events[0].actors" in message
    assert "leaders or providers" in message and "found 'VNM'" in message


def test_unknown_event_kind(write_scenario):
    message = error_of(write_scenario(EXPORT_EVENT.replace('"export_controls"', '"export_control"')))
    assert "test.toml" in message and "events[0]" in message and "'kind'" in message
    assert "did you mean 'export_controls'" in message


def test_event_year_outside_horizon(write_scenario):
    world = load_world()
    message = error_of(write_scenario("steps = 5\n" + EXPORT_EVENT.replace("2027", "2035")))
    assert "events[0]" in message and "'year'" in message
    assert f"{world.base_year}-{world.base_year + 4}" in message and "found 2035" in message


def test_event_value_out_of_range(write_scenario):
    message = error_of(write_scenario(EXPORT_EVENT.replace("0.9", "1.5")))
    assert "events[0]" in message and "'stringency'" in message and "found 1.5" in message


@pytest.mark.parametrize(("sets", "fragment"), [
    (["params.dependence_weight"], "expected key=value"),
    (["=3"], "expected key=value"),
    (["foo.bar=1"], "key 'foo.bar'"),
    (["dependence_weight=2"], "did you mean 'params.dependence_weight'"),
    (["events[3].stringency=0.5"], "events[3]: expected an index below 0"),
])
def test_bad_set_syntax(sets, fragment):
    message = error_of("baseline", sets)
    assert fragment in message and "--set" in message


def test_bad_set_value_names_the_set():
    message = error_of("baseline", ["params.choice_temperatur=0.3"])
    assert "--set params.choice_temperatur=0.3" in message and "did you mean 'choice_temperature'" in message


def test_extends_cycle(write_scenario):
    write_scenario('extends = "b.toml"\n', name="a.toml", extends=False)
    b = write_scenario('extends = "a.toml"\n', name="b.toml", extends=False)
    message = error_of(b)
    assert "cycle" in message and "a.toml" in message and "b.toml" in message


def test_extends_missing_file(write_scenario):
    write_scenario('name = "base"\n', name="base.toml")
    message = error_of(write_scenario('extends = "bsae.toml"\n', extends=False))
    assert "test.toml" in message and "'bsae.toml'" in message and "does not exist" in message
    assert "did you mean 'base.toml'" in message


def test_unknown_scenario_name():
    message = error_of("baselin")
    assert "'baselin'" in message and "did you mean 'baseline'" in message


# ----------------------------------------------------------------------------- README reference
def readme_table_rows(first_header: str) -> list[list[str]]:
    text = (SCENARIO_DIR.parent / "README.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def test_readme_parameter_reference_matches_the_code():
    rows = readme_table_rows("parameter")
    assert {row[0] for row in rows} == set(PARAMETERS) - {"steps"}
    model_defaults = defaults()
    for name, unit, bounds, default, _ in rows:
        low, high = (float(x) for x in bounds.split(" to "))
        assert (unit, low, high) == (PARAMETERS[name].unit, PARAMETERS[name].low, PARAMETERS[name].high), name
        if model_defaults[name] is None:
            assert default == "not set", name
        else:
            assert float(default) == model_defaults[name], name


def test_readme_event_and_scenario_references_match_the_code():
    from sim.model.events import EVENT_FIELDS

    rows = readme_table_rows("kind")
    assert [row[0] for row in rows] == list(EVENT_FIELDS)
    for kind, fields in rows:
        for field in EVENT_FIELDS[kind]:
            assert f"{field}`" in fields, (kind, field)
    assert {row[0] for row in readme_table_rows("scenario")} == {path.stem for path in shipped_scenarios()}


# ----------------------------------------------------------------------------- required keys and horizon
def test_a_standalone_file_reports_every_missing_key_at_once(write_scenario):
    message = error_of(write_scenario('name = "alone"\n[params]\ndependence_weight = 2.0\n', extends=False))
    assert "test.toml" in message
    for key in ("'steps' (or 'end_year')", "'seed'", "'replications'"):
        assert key in message
    assert 'extends = "baseline"' in message
    only_seed = error_of(write_scenario("steps = 4\nreplications = 2\n", extends=False))
    assert "found no 'seed'" in only_seed and "no 'steps'" not in only_seed


def test_missing_keys_can_come_from_the_options(write_scenario):
    path = write_scenario('name = "alone"\n', extends=False)
    scenario = load_scenario(path, overrides={"steps": 3, "seed": 5, "replications": 2})
    assert (scenario.steps, scenario.seed, scenario.replications) == (3, 5, 2)


def test_steps_and_end_year_in_one_file_is_an_error(write_scenario):
    message = error_of(write_scenario("steps = 5\nend_year = 2040\n"))
    assert "test.toml" in message and "steps = 5" in message and "end_year = 2040" in message
    message = error_of("baseline", ["steps=5", "end_year=2040"])
    assert "found both" in message


def test_extends_a_shipped_name_from_any_directory(tmp_path, monkeypatch):
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    (elsewhere / "mine.toml").write_text('extends = "baseline"\nname = "mine"\n[params]\ntalks_rate = 0.5\n')
    monkeypatch.chdir(tmp_path)
    mine = load_scenario(elsewhere / "mine.toml")
    baseline = load_scenario("baseline")
    horizon = ("steps", "seed", "replications")
    assert [getattr(mine, key) for key in horizon] == [getattr(baseline, key) for key in horizon]
    assert mine.params.as_dict() == {"talks_rate": 0.5}
    (elsewhere / "suffix.toml").write_text('extends = "export_controls.toml"\n')
    assert len(load_scenario(elsewhere / "suffix.toml").events) == 2


def test_a_file_next_to_the_child_wins_over_a_shipped_name(write_scenario):
    write_scenario('name = "local"\nsteps = 3\nseed = 1\nreplications = 1\n', name="baseline.toml",
                   extends=False)
    child = load_scenario(write_scenario('extends = "baseline.toml"\n', extends=False))
    assert (child.name, child.steps) == ("local", 3)
    shipped = load_scenario(write_scenario('extends = "baseline"\n', name="other.toml", extends=False))
    assert (shipped.name, shipped.steps) == ("baseline", load_scenario("baseline").steps)


def test_extends_an_unknown_name_suggests_a_shipped_one(write_scenario):
    message = error_of(write_scenario('extends = "baselin"\n', extends=False))
    assert "did you mean 'baseline'" in message and "shipped scenario name" in message


# ----------------------------------------------------------------------------- show: every parameter
def test_annotated_toml_lists_every_parameter_and_resolves_to_the_same_scenario(tmp_path):
    scenario = load_scenario("baseline", ["params.dependence_weight=3.5"])
    text = scenario.to_toml(annotated=True)
    model_defaults = defaults()
    for name, spec in PARAMETERS.items():
        if name == "steps":
            continue
        line = next(line for line in text.splitlines() if line.lstrip("# ").startswith(f"{name} "))
        assert spec.unit in line and spec.doc in line, name
        shown = "not set" if model_defaults[name] is None else repr(model_defaults[name])
        assert f"default {shown} |" in line, name
        assert line.startswith("#") == (name != "dependence_weight"), name
    path = tmp_path / "shown.toml"
    path.write_text(text)
    assert load_scenario(path).digest() == scenario.digest()


@pytest.mark.parametrize("name", ["../../x", "/abs/x", "..", ".hidden", "a/b", "x" * 101])
def test_a_scenario_name_is_a_name_not_a_path(tmp_path, capsys, name):
    path = tmp_path / "named.toml"
    path.write_text(f'extends = "baseline"\nname = {name!r}\n'.replace("'", '"'))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "name: expected a name of at most 100 letters" in err and repr(name) in err
    assert "Traceback" not in err


def test_an_experiment_name_is_a_name_not_a_path(tmp_path, capsys):
    shipped = (Path(__file__).resolve().parents[1] / "experiments" / "openness_vs_dependence.toml")
    shipped = shipped.read_text()
    path = tmp_path / "dots.toml"
    path.write_text(re.sub(r'(?m)^name = .*$', 'name = ".."', shipped))
    assert main(["experiment", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "name: expected a name of at most 100 letters" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
