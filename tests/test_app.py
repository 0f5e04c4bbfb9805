"""Render-level tests of the explorer page (solara.render, no browser) and of its session logic."""

from __future__ import annotations

import math

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara

from sim.app import Page
from sim.cli import main
from sim.commands.ui import scenario_name, server_command
from sim.explorer import charts
from sim.explorer.session import (
    PAGE_PARAMETERS,
    SCENARIO_ENV,
    Explorer,
    ExplorerError,
    layout_positions,
    scenario_names,
)
from sim.model import QuantumWorld
from sim.parameters import defaults
from sim.results import model_frame
from sim.runner import simulate
from sim.scenario import load_scenario
from sim.seeds import derive_seed


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
    expected = {**defaults(), **base.params}
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
        stringency = load_scenario("open_leaders").params["leader_stringency"]
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
    assert scenario_name("scenarios/export_controls.toml") == "export_controls"
    command = server_command(8765, "127.0.0.1", open_browser=False)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert "sim.app" in command and "--no-open" in command


def test_model_description_page_renders_the_odd(tmp_path, monkeypatch):
    import sim.app

    odd = tmp_path / "ODD.md"
    odd.write_text("# ODD\n\nPurpose: partnerships between countries.\n", encoding="utf-8")
    monkeypatch.setattr(sim.app, "ODD_PATH", odd)
    _, rc = solara.render(sim.app.ModelDescription(), handle_error=False)
    try:
        widgets = rc.find(v.VuetifyTemplate).widgets
        templates = [str(getattr(w.template, "template", w.template)) for w in widgets]
        assert any("Purpose: partnerships between countries." in t for t in templates)
    finally:
        rc.close()
    monkeypatch.setattr(sim.app, "ODD_PATH", tmp_path / "missing.md")
    _, rc = solara.render(sim.app.ModelDescription(), handle_error=False)
    try:
        assert "missing.md" in str(rc.find(v.Alert).widget.children)
    finally:
        rc.close()
