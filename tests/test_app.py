"""Render-level tests of the explorer page (solara.render, no browser) and of its session logic."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

from sim.base.seeds import derive_seed
from sim.cli import main
from sim.cli.commands.ui import scenario_name, server_command, server_environment
from sim.engine.runner import simulate
from sim.engine.store import read_table
from sim.explorer import charts
from sim.explorer.app import Page
from sim.explorer.defaults import SCENARIO_ENV
from sim.explorer.ensemble import EnsembleRunner, run_ensemble
from sim.explorer.mathdoc import render
from sim.explorer.session import (
    PAGE_PARAMETERS,
    Explorer,
    ExplorerError,
    layout_positions,
    scenario_names,
)
from sim.inputs.scenario import SCENARIO_DIR, load_scenario
from sim.model.parameters import defaults
from sim.model.quantum_world import QuantumWorld
from sim.output.frames import model_frame


# ---------------------------------------------------------------- helpers
def text(rc, cls: str) -> str:
    """Text of the single element with CSS class ``cls``."""
    return str(rc.find(v.Html, class_=cls).widget.children[0])


def click(rc, cls: str) -> None:
    rc.find(v.Btn, class_=cls).widget.click()


def slider(rc, name: str):
    return rc.find(v.Slider, class_=f"qgeo-slider qgeo-slider-{name}").widget


def move(rc, name: str, value: float) -> None:
    """Drag a page slider to ``value`` and release it (the browser sends v_model, then "change")."""
    widget = slider(rc, name)
    widget.v_model = value
    widget.fire_event("change", value)


def echarts(rc) -> list:
    return rc.find(solara.components.echarts.EchartsWidget).widgets


def network(rc) -> dict:
    (chart,) = [w for w in echarts(rc) if w.option["series"][0]["type"] == "graph"]
    return chart.option


@pytest.fixture
def page(monkeypatch):
    """Render the page on the baseline; yields the render context and closes it."""
    monkeypatch.delenv(SCENARIO_ENV, raising=False)
    _, rc = solara.render(Page(), handle_error=False)
    yield rc
    rc.close()


# ---------------------------------------------------------------- the page
def test_page_opens_on_the_baseline_at_the_base_year_with_model_defaults(page):
    base = load_scenario("baseline")
    assert int(text(page, "qgeo-year")) == base.base_year
    assert text(page, "qgeo-step") == f"step 0 of {base.steps}"
    expected = {**defaults(), **base.params.as_dict()}
    for name in PAGE_PARAMETERS:
        readout = text(page, f"qgeo-readout-{name}")
        if expected[name] is None:  # leader_stringency from the data
            assert readout.endswith("(data)")
        else:
            assert float(readout) == pytest.approx(expected[name], abs=0.005)
    assert page.find(v.Select, class_="qgeo-scenario").widget.v_model == "baseline"
    assert set(page.find(v.Select, class_="qgeo-scenario").widget.items) == set(scenario_names())
    assert len(echarts(page)) == 4  # network + three live plots


def test_step_advances_the_year_and_grows_the_plots(page):
    before = len(network(page)["series"][0]["data"])
    plot = [w for w in echarts(page) if w.option["series"][0]["type"] == "line"][0]
    points = len(plot.option["series"][0]["data"])
    year = int(text(page, "qgeo-year"))
    click(page, "qgeo-step-button")
    click(page, "qgeo-step-button")
    assert int(text(page, "qgeo-year")) == year + 2
    assert text(page, "qgeo-step").startswith("step 2 ")
    plot = [w for w in echarts(page) if w.option["series"][0]["type"] == "line"][0]
    assert len(plot.option["series"][0]["data"]) == points + 2
    assert len(network(page)["series"][0]["data"]) == before


def test_moving_a_slider_rebuilds_the_model_at_the_base_year(page):
    base_year = int(text(page, "qgeo-year"))
    click(page, "qgeo-step-button")
    assert int(text(page, "qgeo-year")) == base_year + 1
    slider(page, "alignment_weight").v_model = 5.0  # dragging: nothing is rebuilt until release
    assert int(text(page, "qgeo-year")) == base_year + 1
    move(page, "alignment_weight", 3.7)
    assert int(text(page, "qgeo-year")) == base_year
    assert float(text(page, "qgeo-readout-alignment_weight")) == pytest.approx(3.7)
    assert slider(page, "alignment_weight").v_model == pytest.approx(3.7)


def test_leader_stringency_slider_replaces_the_data_value(page):
    assert text(page, "qgeo-readout-leader_stringency").endswith("(data)")
    move(page, "leader_stringency", 0.9)
    assert text(page, "qgeo-readout-leader_stringency") == "0.90"
    assert "controls 0.90" in text(page, "qgeo-metrics")


def test_scenario_picker_loads_the_scenario_and_its_events(page):
    page.find(v.Select, class_="qgeo-scenario").widget.v_model = "export_controls"
    scenario = load_scenario("export_controls")
    events = page.find(v.Html, class_="qgeo-event").widgets
    assert len(events) == len(scenario.events)
    for row, raw in zip(events, sorted(scenario.events, key=lambda e: e["year"]), strict=True):
        label = row.children[1].children[0]
        assert label.startswith(f"{raw['year']} · scenario: export controls by {raw['actors'][0]}")
    first = min(raw["year"] for raw in scenario.events)
    statuses = {scenario.base_year: "scheduled", first - 1: "next step", first: "applied"}
    year = int(text(page, "qgeo-year"))
    while year < first:
        click(page, "qgeo-step-button")
        year = int(text(page, "qgeo-year"))
        if year in statuses:
            chips = [row.children[0].children for row in page.find(v.Html, class_="qgeo-event").widgets]
            assert chips == [[statuses[year]]] * len(scenario.events)
    assert f"scenario export_controls · root seed {scenario.seed}" == text(page, "qgeo-run-label")


def test_country_sliders_override_the_chosen_country(page):
    page.find(v.Select, class_="qgeo-focus").widget.v_model = "EGY"
    move(page, "dependence_aversion", 4.5)
    assert float(text(page, "qgeo-readout-dependence_aversion")) == pytest.approx(4.5)
    move(page, "budget_usd", 7.0)  # log10 scale: 10 million USD per year
    assert text(page, "qgeo-readout-budget_usd") == "$10.0M/yr"
    # the selected country follows the focus, and its details show the new budget
    assert page.find(v.Select, class_="qgeo-selected").widget.v_model == "EGY"
    assert text(page, "qgeo-detail-dependence-aversion") == "4.50"
    assert text(page, "qgeo-detail-budget") == "$10.0M/yr"


def test_event_buttons_apply_now_and_partners_respond_next_step(page):
    year = int(text(page, "qgeo-year"))
    click(page, "qgeo-tighten")
    (row,) = page.find(v.Html, class_="qgeo-event").widgets
    chip, label = row.children
    assert chip.children == ["applied"]
    assert label.children[0].startswith(f"{year} · page: ")
    assert "tighten export controls" in label.children[0]
    # sanctions on the default target (RUS) apply at once: the node shows the sanctions marker
    click(page, "qgeo-sanction")
    node = {n["name"]: n for n in network(page)["series"][0]["data"]}["RUS"]
    assert node["itemStyle"]["borderType"] == "dashed"
    assert "Under sanctions (severity 0.80)" in node["tooltip"]["formatter"]
    click(page, "qgeo-step-button")
    assert len(page.find(v.Html, class_="qgeo-event").widgets) == 2


def test_clicking_a_node_selects_the_country(page):
    (chart,) = [w for w in echarts(page) if w.option["series"][0]["type"] == "graph"]
    chart.on_click({"dataType": "node", "name": "RUS"})
    assert page.find(v.Select, class_="qgeo-selected").widget.v_model == "RUS"
    node = {n["name"]: n for n in network(page)["series"][0]["data"]}["RUS"]
    assert node["itemStyle"]["borderColor"] == "#f1c40f"
    chart.on_click({"dataType": "edge", "name": "RUS > VNM"})  # edges do not change the selection
    assert page.find(v.Select, class_="qgeo-selected").widget.v_model == "RUS"


def test_invalid_seed_shows_an_error_and_keeps_the_run(page):
    year = text(page, "qgeo-year")
    field = page.find(v.TextField, class_="qgeo-seed").widget
    field.v_model = "-3"
    field.fire_event("keyup.enter", None)  # the input commits on Enter or when it loses focus
    message = page.find(v.Alert).widget
    assert "seed" in str(message.children).lower()
    assert text(page, "qgeo-year") == year


def test_play_steps_until_paused(page):
    base_year = int(text(page, "qgeo-year"))
    click(page, "qgeo-play-button")
    page.find(v.Html, class_="qgeo-year").assert_wait(
        lambda w: int(w.children[0]) >= base_year + 2, timeout=20
    )
    click(page, "qgeo-play-button")  # now "Pause"; the play thread may finish its redraw after the click
    page.find(v.Btn, class_="qgeo-play-button").assert_wait(lambda w: w.children[-1] == "Play", timeout=5)


def test_scenario_from_environment(monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, "open_leaders")
    _, rc = solara.render(Page(), handle_error=False)
    try:
        assert rc.find(v.Select, class_="qgeo-scenario").widget.v_model == "open_leaders"
        stringency = load_scenario("open_leaders").params.leader_stringency
        assert float(text(rc, "qgeo-readout-leader_stringency")) == pytest.approx(stringency)
    finally:
        rc.close()


# ---------------------------------------------------------------- the session
def test_explorer_runs_replication_zero_exactly_as_qgeo_run():
    explorer = Explorer("export_controls")
    while explorer.step():
        pass
    scenario = load_scenario("export_controls")
    expected = simulate(scenario, derive_seed(scenario.seed, 0), collect_agents=False).model
    got = explorer.snapshot().frame
    pd.testing.assert_frame_equal(got, expected.drop(columns=["replication", "seed"]))


def test_page_events_change_the_run_like_events_scheduled_for_the_next_year():
    """Tightening from the page in year Y gives the run of a scenario event in year Y + 1."""
    explorer = Explorer("baseline")
    explorer.step()
    event = explorer.change_controls(+1)
    assert explorer.model.event_log[-1]["kind"] == "export_controls"
    while explorer.step():
        pass
    scenario = load_scenario("baseline")
    raw = {"year": event.year + 1, "kind": event.kind, "actors": list(event.actors), **event.fields}
    twin = QuantumWorld(**{**scenario.model_kwargs(), "events": [raw]}, seed=derive_seed(scenario.seed, 0))
    while twin.running:
        twin.step()
    pd.testing.assert_frame_equal(explorer.snapshot().frame, model_frame(twin))


def test_tightening_and_easing_move_stringency_relative_to_a_twin_run():
    with_event, twin, eased = Explorer("baseline"), Explorer("baseline"), Explorer("baseline")
    with_event.change_controls(+1)
    eased.change_controls(-1)
    for explorer in (with_event, twin, eased):
        explorer.step()
    stringency = {name: e.model.metrics["leader_stringency"]
                  for name, e in (("tight", with_event), ("twin", twin), ("eased", eased))}
    assert stringency["tight"] > stringency["twin"] > stringency["eased"]
    # a second press in the same year goes on from the first one
    again = Explorer("baseline")
    first = again.change_controls(+1).fields["stringency"]
    second = again.change_controls(+1).fields["stringency"]
    assert second == pytest.approx(min(1.0, first + 0.25))


def test_events_are_refused_at_the_horizon_with_a_clear_error():
    explorer = Explorer("baseline")
    while explorer.step():
        pass
    with pytest.raises(ExplorerError, match="horizon"):
        explorer.change_controls(+1)
    with pytest.raises(ExplorerError, match="did you mean 'RUS'"):
        Explorer("baseline").sanction("RSU", 0.5)


def test_unknown_names_are_refused_with_the_nearest_name():
    with pytest.raises(ExplorerError, match="did you mean 'export_controls'"):
        Explorer("export_control")
    explorer = Explorer("baseline")
    with pytest.raises(ExplorerError, match="not a page parameter"):
        explorer.set_param("trust_gain", 1.0)
    with pytest.raises(ExplorerError, match="did you mean 'VNM'"):
        explorer.set_focus("VMN")


def test_layout_is_stable_and_geopolitical():
    explorer = Explorer("baseline")
    first = explorer.snapshot().positions
    for _ in range(3):
        explorer.step()
    assert explorer.snapshot().positions == first
    model = explorer.model
    assert layout_positions(model.iso3, model.role, model.alignment) == first
    for code in ("USA", "CHN", "RUS"):
        assert first[code][1] < 0  # leaders and providers on the upper arc
    assert first["VNM"][1] > 0
    assert first["USA"][0] < first["RUS"][0] < first["CHN"][0] + 1e-9


def test_network_option_colours_by_role_and_sizes_by_capability():
    explorer = Explorer("baseline")
    for _ in range(2):
        explorer.step()
    snap = explorer.snapshot()
    option = charts.network_option(snap, "VNM")
    series = option["series"][0]
    categories = [c["name"] for c in series["categories"]]
    for node in series["data"]:
        view = snap.country(node["name"])
        assert categories[node["category"]] == charts.ROLE_LABELS[view.role]
    by_capability = sorted(series["data"], key=lambda n: n["value"])
    sizes = [n["symbolSize"] for n in by_capability]
    assert sizes == sorted(sizes)
    graph_edges = {(a, b): w for a, b, w, kind in snap.edges if kind == "commercial"}
    peer_edges = {(a, b) for a, b, _, kind in snap.edges if kind != "commercial"}
    assert peer_edges, "the baseline has signed science exchanges among actors"
    assert {(link["source"], link["target"]) for link in series["links"]} == set(graph_edges) | peer_edges
    dashed = {(link["source"], link["target"]) for link in series["links"]
              if link["lineStyle"].get("type") == "dashed"}
    assert dashed == peer_edges
    widths = {(link["source"], link["target"]): link["lineStyle"]["width"] for link in series["links"]}
    untouched = [(k, w) for k, w in graph_edges.items() if "VNM" not in k]
    ranked = sorted(untouched, key=lambda kw: kw[1])
    assert [widths[k] for k, _ in ranked] == sorted(widths[k] for k, _ in ranked)


def test_node_size_is_monotone_and_bounded():
    values = np.logspace(-5, 2, 30)
    sizes = [charts.node_size(c, 1e-3, 10.0) for c in values]
    assert sizes == sorted(sizes)
    assert min(sizes) >= charts.MIN_NODE - 2 and max(sizes) <= charts.MAX_NODE + 10
    assert charts.node_size(1e-3, 1e-3, 10.0) == charts.MIN_NODE
    assert math.isclose(charts.node_size(10.0, 1e-3, 10.0), charts.MAX_NODE)


def test_live_plots_follow_model_frame():
    explorer = Explorer("baseline")
    for _ in range(3):
        explorer.step()
    snap = explorer.snapshot()
    frame = snap.frame
    shares = charts.shares_option(snap)
    lines = {s["name"]: s["data"] for s in shares["series"]}
    assert lines["Leaders combined"] == pytest.approx(list(frame["share_leaders"]), abs=1e-6)
    top = max(snap.actors, key=lambda code: frame[f"share_{code}"].iloc[-1])
    assert lines[top] == pytest.approx(list(frame[f"share_{top}"]), abs=1e-6)
    capability = {s["name"]: s["data"] for s in charts.capability_option(snap)["series"]}
    assert capability["Second wave"] == pytest.approx(list(frame["capability_second_wave"]), rel=1e-4)
    dependence = {s["name"]: s["data"] for s in charts.dependence_option(snap)["series"]}
    assert dependence["Portfolio HHI"] == pytest.approx(list(frame["hhi_second_wave"]), abs=1e-6)
    years = shares["xAxis"]["data"]
    assert years[0] == str(snap.base_year) and len(years) == snap.horizon + 1


# ---------------------------------------------------------------- qgeo ui
def test_ui_command_rejects_unknown_scenarios_and_ports(capsys):
    assert main(["ui", "exprt_controls"]) == 2
    assert "did you mean 'export_controls'" in capsys.readouterr().err
    assert main(["ui", "baseline", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_ui_command_refuses_a_port_in_use(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["ui", "--port", str(port)]) == 2
    assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_ui_command_serves_on_loopback_by_default():
    assert scenario_name("export_controls") == "export_controls"
    command = server_command(8765, "127.0.0.1", open_browser=False)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert "sim.explorer.app" in command and "--no-open" in command


def test_model_description_page_renders_the_odd(tmp_path, monkeypatch):
    import sim.explorer.app

    odd = tmp_path / "ODD.md"
    odd.write_text("# ODD\n\nPurpose: partnerships, $K_i \\ge 10^{-4}$ and `code $x$`.\n\n$$\\frac{a}{b}$$\n",
                   encoding="utf-8")
    monkeypatch.setattr(sim.explorer.app, "ODD_PATH", odd)
    _, rc = solara.render(sim.explorer.app.ModelDescription(), handle_error=False)
    try:
        (body,) = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets
                   if "Purpose" in (w.unsafe_innerHTML or "")]
        assert "<h1" in body and "Purpose: partnerships, <math" in body
        assert body.count("<math") == 2 and 'display="block"' in body and "<mfrac>" in body
        assert "<code>code $x$</code>" in body  # code spans stay as written
        templates = [str(w.template) for w in rc.find(v.VuetifyTemplate).widgets]
        assert not any("katex" in t.lower() for t in templates)  # no Markdown template that loads KaTeX
    finally:
        rc.close()
    monkeypatch.setattr(sim.explorer.app, "ODD_PATH", tmp_path / "missing.md")
    _, rc = solara.render(sim.explorer.app.ModelDescription(), handle_error=False)
    try:
        assert "missing.md" in str(rc.find(v.Alert).widget.children)
    finally:
        rc.close()


def test_the_whole_odd_converts_every_formula_to_mathml():
    from sim.explorer.app import ODD_PATH

    text = ODD_PATH.read_text(encoding="utf-8")
    body = render(text)
    assert "<merror" not in body
    assert "$" not in body.replace("<code>", "\0").split("\0")[0]  # no raw maths before the first code
    outside_code = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", body, flags=re.DOTALL)
    assert "$" not in outside_code
    assert body.count("<math") >= text.count("$$") // 2


# ---------------------------------------------------------------- issue 13: the explorer to teach with
def write_scenario(tmp_path, text: str, name: str = "mine.toml"):
    path = tmp_path / name
    path.write_text(f'extends = "{(SCENARIO_DIR / "baseline.toml").as_posix()}"\n' + text, encoding="utf-8")
    return path


def test_saved_scenario_replays_the_page_run_with_qgeo_run(tmp_path, capsys):
    """Settings, seed and page events saved from the page: `qgeo run` gives the page's model frame."""
    explorer = Explorer("sanctions_tightened")
    explorer.set_param("alignment_weight", 2.5)
    explorer.set_focus("EGY")
    explorer.set_country_attribute("budget_usd", 3e7)
    explorer.set_seed(11)
    explorer.step()
    explorer.change_controls(+1)
    explorer.sanction("RUS", 0.4)  # the same year as the scenario's own 2026 sanctions on Russia
    explorer.step()
    explorer.sanction("CHN", 0.6)
    while explorer.step():
        pass
    saved = tmp_path / "saved.toml"
    saved.write_text(explorer.saved_toml(), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(saved), "--replications", "1", "--no-plots", "--out", str(out)]) == 0
    replayed = read_table(out, "model").drop(columns=["replication", "seed"])
    page = explorer.snapshot().frame
    pd.testing.assert_frame_equal(page.reset_index(drop=True), replayed.reset_index(drop=True))
    scenario = load_scenario(saved)
    assert scenario.seed == 11 and scenario.params.alignment_weight == 2.5
    assert scenario.countries["EGY"]["budget_usd"] == 3e7
    assert [e["kind"] for e in scenario.events].count("sanctions") == 3


def test_sanctions_from_the_page_are_imposed_by_the_targets_coalition():
    coalitions = {}
    for row in pd.read_csv(SCENARIO_DIR / "data" / "sanctions.csv").itertuples():
        coalitions[row.target] = set(row.imposed_by.split(";"))
    explorer = Explorer("baseline")
    actors = set(explorer.snapshot().actors)
    for target in ("RUS", "CHN"):
        event = explorer.sanction(target, 0.9)
        assert set(event.actors) == coalitions[target] & actors
    assert set(explorer.sanction("RUS", 0.0).actors) == coalitions["RUS"] & actors  # lifting: the same
    assert set(explorer.snapshot().sanctioners["CHN"]) == {"USA"}
    # nobody sanctions India in the data: the leaders impose
    assert set(explorer.sanction("IND", 0.5).actors) == set(explorer.leaders())


def test_header_control_level_updates_when_an_event_is_applied(page):
    assert "controls 0.55" in text(page, "qgeo-metrics")
    click(page, "qgeo-tighten")
    assert "controls 0.80" in text(page, "qgeo-metrics")
    click(page, "qgeo-ease")
    click(page, "qgeo-ease")
    assert "controls 0.30" in text(page, "qgeo-metrics")
    click(page, "qgeo-step-button")
    assert "controls 0.30" in text(page, "qgeo-metrics")


def test_sanction_card_names_the_coalition_of_the_chosen_target(page):
    assert "RUS's sanctioning coalition: USA, EUU" in text(page, "qgeo-coalition")
    page.find(v.Select, class_="qgeo-target").widget.v_model = "IND"
    assert text(page, "qgeo-coalition") == "nobody sanctions IND now: the leaders would impose (USA, CHN)"
    click(page, "qgeo-sanction")
    assert text(page, "qgeo-coalition") == "imposed and lifted by IND's sanctioning coalition: USA, CHN"


def test_play_turns_back_to_play_at_the_horizon(tmp_path, monkeypatch):
    monkeypatch.setenv(SCENARIO_ENV, str(write_scenario(tmp_path, "steps = 3\n")))
    _, rc = solara.render(Page(), handle_error=False)
    try:
        base_year = int(text(rc, "qgeo-year"))
        click(rc, "qgeo-play-button")
        rc.find(v.Html, class_="qgeo-year").assert_wait(lambda w: int(w.children[0]) == base_year + 3,
                                                        timeout=30)
        button = rc.find(v.Btn, class_="qgeo-play-button")
        button.assert_wait(lambda w: w.children[-1] == "Play" and w.disabled, timeout=15)
        assert "end of the horizon" in text(rc, "qgeo-horizon")
    finally:
        rc.close()


def test_page_opens_any_scenario_file_and_offers_it_in_the_picker(tmp_path, monkeypatch):
    path = write_scenario(tmp_path, 'name = "my_world"\nseed = 5\n[params]\nalignment_weight = 3.5\n')
    monkeypatch.setenv(SCENARIO_ENV, str(path))
    _, rc = solara.render(Page(), handle_error=False)
    try:
        picker = rc.find(v.Select, class_="qgeo-scenario").widget
        assert picker.v_model == str(path.resolve())
        assert picker.items[-1] == str(path.resolve()) and set(scenario_names()) < set(picker.items)
        assert float(text(rc, "qgeo-readout-alignment_weight")) == pytest.approx(3.5)
        assert text(rc, "qgeo-run-label") == "scenario my_world · root seed 5"
        picker.v_model = "baseline"
        assert text(rc, "qgeo-run-label").startswith("scenario baseline ·")
        picker.v_model = str(path.resolve())
        assert float(text(rc, "qgeo-readout-alignment_weight")) == pytest.approx(3.5)
    finally:
        rc.close()


def test_ui_command_takes_a_scenario_file_and_refuses_a_bad_one(tmp_path, capsys):
    good = write_scenario(tmp_path, "steps = 4\n")
    assert scenario_name(str(good)) == str(good.resolve())
    bad = write_scenario(tmp_path, "[params]\nalignment_weigth = 2\n", name="bad.toml")
    assert main(["ui", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "alignment_weigth" in err and "did you mean 'alignment_weight'" in err
    assert main(["ui", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text("steps = = 3\n", encoding="utf-8")
    assert main(["ui", str(broken)]) == 2
    assert "broken.toml" in capsys.readouterr().err


def test_ensemble_bands_are_the_summary_of_qgeo_run_on_the_saved_scenario(tmp_path):
    explorer = Explorer("baseline")
    explorer.set_seed(3)
    explorer.step()
    explorer.sanction("RUS", 0.95)
    scenario = explorer.saved_scenario()
    ensemble = run_ensemble(scenario, 3, "these settings")
    saved = tmp_path / "saved.toml"
    saved.write_text(explorer.saved_toml(), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(saved), "--replications", "3", "--no-plots", "--out", str(out)]) == 0
    summary = pd.read_csv(out / "summary.csv")
    for outcome in ("share_leaders", "share_RUS", "hhi_second_wave", "capability_second_wave"):
        rows = summary[summary["outcome"] == outcome].set_index("year")
        years = list(rows.index)
        for statistic in ("mean", "ci_low", "ci_high"):
            expected = list(rows[statistic])
            assert ensemble.column(outcome, statistic, years) == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match="2 to"):
        run_ensemble(scenario, 1, "one")


def test_ensemble_button_draws_bands_behind_the_live_run_and_the_comparison_over_it(page):
    click(page, "qgeo-step-button")
    page.find(v.TextField, class_="qgeo-replications").widget.v_model = "3"
    page.find(v.TextField, class_="qgeo-replications").widget.fire_event("keyup.enter", None)
    page.find(v.Select, class_="qgeo-compare").widget.v_model = "sanctions_tightened"
    click(page, "qgeo-ensemble-run")

    def shares():
        (chart,) = [w for w in echarts(page)
                    if any(s.get("id") == "live-share_leaders" for s in w.option["series"])]
        return chart

    deadline = time.monotonic() + 60
    while not any(s.get("id", "").startswith("overlay-") for s in shares().option["series"]):
        assert time.monotonic() < deadline, "the ensemble did not finish within 60 s"
        time.sleep(0.1)  # polling a background thread's result, not waiting for a fixed time
    series = shares().option["series"]
    ids = [s.get("id", "") for s in series]
    first_live = ids.index("live-share_leaders")
    assert all(i.startswith("band-") for i in ids[:first_live])  # bands are drawn first (behind)
    assert ids[-1].startswith("overlay-")  # the comparison last (over)
    low = next(s for s in series if s["id"] == "band-low-share_leaders")["data"]
    width = next(s for s in series if s["id"] == "band-width-share_leaders")["data"]
    assert len(low) == page_horizon() + 1 and all(w is not None and w >= 0 for w in width)
    assert "3 replications of these settings" in text(page, "qgeo-ensemble-status")
    assert "sanctions_tightened" in text(page, "qgeo-ensemble-status")
    # any change of the run drops its bands (they belong to other settings); the comparison stays
    move(page, "alignment_weight", 2.0)
    ids = [s.get("id", "") for s in shares().option["series"]]
    assert not any(i.startswith("band-") for i in ids) and any(i.startswith("overlay-") for i in ids)


def page_horizon() -> int:
    return load_scenario("baseline").steps


def test_ensemble_runner_delivers_in_job_order_and_never_after_a_cancel():
    explorer = Explorer("baseline")
    revision, jobs = explorer.ensemble_jobs("open_leaders")
    results: list = []
    runner = EnsembleRunner(on_change=lambda: None)
    runner.start(jobs, 2, results.append).join(timeout=120)
    (ensembles,) = results
    assert [e.label for e in ensembles] == ["these settings", "open_leaders"]
    assert runner.total == 0 and explorer.set_ensembles(revision, ensembles)
    assert explorer.snapshot().overlay.label == "open_leaders"
    explorer.step()  # stepping keeps the bands (same settings and events); an event drops them
    assert explorer.snapshot().bands is ensembles[0]
    explorer.change_controls(+1)
    assert explorer.snapshot().bands is None and not explorer.set_ensembles(revision, ensembles)

    cancelled: list = []

    def cancel_after_the_first_replication() -> None:
        if runner.done == 1:
            runner.cancel()

    runner = EnsembleRunner(on_change=cancel_after_the_first_replication)
    runner.start(jobs, 3, cancelled.append).join(timeout=120)
    assert cancelled == [] and runner.total == 0


def test_ui_sessions_of_vanished_browsers_are_freed_after_the_timeout(capsys):
    env = server_environment("baseline", 7)
    code = ("import solara.server.settings as s, solara.util as u; "
            "print(u.parse_timedelta(s.kernel.cull_timeout))")
    seconds = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             check=True).stdout.strip()
    assert float(seconds) == 7 * 60  # the real Solara settings read the timeout qgeo sets
    assert main(["ui", "baseline", "--session-timeout", "0"]) == 2
    assert "--session-timeout expected a number of minutes >= 1, found 0" in capsys.readouterr().err
