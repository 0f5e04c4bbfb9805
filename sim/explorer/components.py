"""Solara components of the explorer page.

Each component draws part of a :class:`sim.explorer.session.Snapshot` and calls
back into the page on user actions; none of them touches the model. Widgets the
browser test needs to find carry a ``qgeo-*`` CSS class.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import reacton.ipyvuetify as rv
import solara

from sim.explorer import charts
from sim.explorer.defaults import DEFAULT_SCENARIO
from sim.explorer.ensemble import DEFAULT_REPLICATIONS, MAX_REPLICATIONS
from sim.explorer.mathdoc import render
from sim.explorer.session import (
    AVERSION_RANGE,
    BUDGET_LOG10_RANGE,
    CONTROL_STEP,
    LAYOUT_ASPECT,
    PAGE_PARAMETERS,
    CountryView,
    EventView,
    Snapshot,
    parameter_doc,
    parameter_label,
)

ODD_LINK = "odd"
"""Route of the page that shows docs/ODD.md."""
PLOT_HEIGHT = "height: 300px; width: 100%;"
NETWORK_STYLE = f"width: 100%; height: clamp(280px, calc(100vh - 370px), {round(700 / LAYOUT_ASPECT)}px);"
"""The network fills the height the viewport leaves under the run controls (so it stays in view)."""
NO_COMPARISON = "none"
"""The comparison picker's entry for no comparison."""
CARD_STYLE = "margin-bottom: 12px;"
MAX_PARTNERS_SHOWN = 12
"""Partners listed in the country card (the network tooltip lists them all)."""


@solara.component
def ValueSlider(
    name: str,
    label: str,
    readout: str,
    value: float,
    low: float,
    high: float,
    step: float,
    on_value: Callable[[float], None],
    hint: str = "",
    disabled: bool = False,
):
    """A labelled slider whose readout shows the value the current model was built with.

    The slider reports a new value when it is released (or moved with the keyboard),
    so dragging it rebuilds the model once; its thumb shows the value while dragging.

    Args:
        name: Identifier; the slider gets the CSS class ``qgeo-slider-<name>``.
        label: Label.
        readout: Formatted current value (from the model, not from the slider).
        value: Slider position.
        low: Smallest position.
        high: Largest position.
        step: Increment.
        on_value: Called with the new position.
        hint: One-line explanation shown under the slider.
        disabled: Whether the slider is inactive.
    """
    with solara.Column(gap="0px", style="margin-bottom: 6px;"):
        with solara.Row(justify="space-between", style="align-items: baseline;"):
            solara.Text(label, style="font-weight: 500;")
            solara.Text(readout, classes=[f"qgeo-readout-{name}"], style="font-family: monospace;")
        slider = rv.Slider(
            v_model=value,
            min=low,
            max=high,
            step=step,
            thumb_label=True,
            hide_details=True,
            dense=True,
            disabled=disabled,
            class_=f"qgeo-slider qgeo-slider-{name}",
        )
        # rebuild once on release (or per arrow key), not at every pixel of a drag
        rv.use_event(slider, "change", lambda widget, event, data: on_value(float(data)))
        if hint:
            solara.Text(hint, style="font-size: 0.75rem; color: #666; line-height: 1.1;")


@solara.component
def ScenarioPicker(
    names: tuple[str, ...],
    scenario: str,
    description: str,
    on_scenario: Callable[[str], None],
    on_restore: Callable[[], None],
):
    """Choose a shipped scenario; shows its question.

    Args:
        names: Shipped scenario names.
        scenario: The current scenario.
        description: Its question.
        on_scenario: Called with the chosen scenario name.
        on_restore: Called to drop every page change.
    """
    with solara.Card("Scenario", style=CARD_STYLE):
        rv.Select(
            label="Shipped scenario",
            items=list(names),
            v_model=scenario,
            on_v_model=on_scenario,
            dense=True,
            hide_details=True,
            class_="qgeo-scenario",
        )
        solara.Text(description, style="font-size: 0.85rem; color: #444; display: block; margin: 8px 0;")
        solara.Button("Restore scenario values", icon_name="mdi-restore", on_click=on_restore,
                      text=True, small=True, classes=["qgeo-restore"])


@solara.component
def ParameterControls(
    params: dict[str, float], stringency_from_data: bool, on_param: Callable[[str, float], None]
):
    """Sliders for the choice weights, noise, inertia and the leaders' export controls.

    Args:
        params: Each page parameter's value in the current model (the readouts show these).
        stringency_from_data: Whether the leaders' stringency is the data's (not set).
        on_param: Called with a parameter name and its new value.
    """
    with solara.Card("Parameters", style=CARD_STYLE):
        for name, span in PAGE_PARAMETERS.items():
            value = params[name]
            readout = f"{value:.2f}"
            if name == "leader_stringency" and stringency_from_data:
                readout += " (data)"
            ValueSlider(
                name=name,
                label=parameter_label(name),
                readout=readout,
                value=value,
                low=span.low,
                high=max(span.high, value),
                step=span.step,
                on_value=lambda new, name=name: on_param(name, new),
                hint=parameter_doc(name),
            )


@solara.component
def CountryControls(
    focus: str,
    values: dict[str, float],
    choices: tuple[tuple[str, str], ...],
    on_focus: Callable[[str], None],
    on_attribute: Callable[[str, float], None],
):
    """A chosen second-wave country's dependence aversion and budget.

    Args:
        focus: The chosen country.
        values: Its ``dependence_aversion`` and ``budget_usd`` in the current run.
        choices: (ISO3, name) of the countries to choose from.
        on_focus: Called with the chosen country.
        on_attribute: Called with ``dependence_aversion`` or ``budget_usd`` and its new value.
    """
    with solara.Card("One second-wave country", style=CARD_STYLE):
        rv.Select(
            label="Country",
            items=[{"text": f"{name} ({code})", "value": code} for code, name in choices],
            v_model=focus,
            on_v_model=on_focus,
            dense=True,
            hide_details=True,
            class_="qgeo-focus",
        )
        if not values:
            return
        aversion = values["dependence_aversion"]
        ValueSlider(
            name="dependence_aversion",
            label="Dependence aversion",
            readout=f"{aversion:.2f}",
            value=aversion,
            low=AVERSION_RANGE.low,
            high=max(AVERSION_RANGE.high, aversion),
            step=AVERSION_RANGE.step,
            on_value=lambda new: on_attribute("dependence_aversion", new),
            hint="weight this country puts on dependence risk (1 = typical)",
        )
        budget = values["budget_usd"]
        position = min(max(math.log10(budget), BUDGET_LOG10_RANGE.low), BUDGET_LOG10_RANGE.high)
        ValueSlider(
            name="budget_usd",
            label="Announced budget",
            readout=charts.usd(budget),
            value=round(position, 4),
            low=BUDGET_LOG10_RANGE.low,
            high=BUDGET_LOG10_RANGE.high,
            step=BUDGET_LOG10_RANGE.step,
            on_value=lambda new: on_attribute("budget_usd", round(10.0 ** new, -3)),
            hint="public quantum budget, USD per year (log scale)",
        )


@solara.component
def SeedControl(root_seed: int, seed: int, on_seed: Callable[[int], None]):
    """The root seed; the page shows replication 0 of it, as ``qgeo run`` computes it.

    Args:
        root_seed: The scenario's root seed.
        seed: The model's seed.
        on_seed: Called with a new root seed.
    """
    with solara.Card("Seed", style=CARD_STYLE):
        with solara.Row(style="align-items: center;"):
            solara.InputInt("Root seed", value=root_seed, on_value=on_seed,
                            continuous_update=False, classes=["qgeo-seed"])
            solara.Button("Next", icon_name="mdi-dice-multiple", text=True, small=True,
                          on_click=lambda: on_seed(root_seed + 1), classes=["qgeo-next-seed"])
        solara.Text(f"model seed {seed} (replication 0 of the root seed)",
                    style="font-size: 0.75rem; color: #666;")


@solara.component
def RunControls(
    snapshot: Snapshot,
    playing: bool,
    on_step: Callable[[], None],
    on_play: Callable[[bool], None],
    on_reset: Callable[[], None],
    saved_toml: Callable[[], str],
):
    """The current year with Step, Play/Pause, Reset and Save as scenario.

    Args:
        snapshot: The run.
        playing: Whether the page is playing.
        on_step: Called to take one step.
        on_play: Called with True to play, False to pause.
        on_reset: Called to rebuild the model at the base year.
        saved_toml: Gives the page's run as a scenario file (when the download is clicked).
    """
    with solara.Card(style=CARD_STYLE + " padding: 0;", classes=["qgeo-run"]):
        with solara.Row(style="align-items: center; flex-wrap: wrap; row-gap: 4px;", gap="12px"):
            with solara.Column(gap="0px", style="min-width: 110px;"):
                solara.Text(str(snapshot.year), classes=["qgeo-year"],
                            style="font-size: 2rem; font-weight: 600; line-height: 1.05;")
                solara.Text(f"step {snapshot.step} of {snapshot.horizon}", classes=["qgeo-step"],
                            style="color: #555;")
            solara.Button("Step", icon_name="mdi-step-forward", on_click=on_step, color="primary",
                          disabled=playing or not snapshot.running, classes=["qgeo-step-button"])
            if playing:
                solara.Button("Pause", icon_name="mdi-pause", on_click=lambda: on_play(False),
                              color="warning", classes=["qgeo-play-button"])
            else:
                solara.Button("Play", icon_name="mdi-play", on_click=lambda: on_play(True),
                              disabled=not snapshot.running, color="success", classes=["qgeo-play-button"])
            solara.Button("Reset", icon_name="mdi-restore", on_click=on_reset, outlined=True,
                          classes=["qgeo-reset-button"])
            with solara.FileDownload(saved_toml, filename=f"{snapshot.name}_explored.toml",
                                     mime_type="application/toml"):
                solara.Button("Save as scenario", icon_name="mdi-content-save", text=True, small=True,
                              classes=["qgeo-save"])
            with solara.Column(gap="0px", style="margin-left: auto; text-align: right; line-height: 1.25;"):
                solara.Text(f"scenario {snapshot.name} · root seed {snapshot.root_seed}",
                            classes=["qgeo-run-label"], style="color: #333;")
                m = snapshot.metrics
                solara.Text(
                    f"{m['n_partnerships']} partnerships · leaders hold {m['share_leaders']:.0%} · "
                    f"controls {snapshot.controls:.2f}",
                    classes=["qgeo-metrics"],
                    style="color: #555; font-size: 0.9rem;",
                )
                if not snapshot.running:
                    solara.Text(f"end of the horizon ({snapshot.year}): press Reset to run again",
                                classes=["qgeo-horizon"], style="color: #b03a2e; font-size: 0.9rem;")


RING_LEGEND = (
    '<svg width="16" height="16" style="vertical-align: middle"><circle cx="8" cy="8" r="6" fill="#bbb" '
    'stroke="#000" stroke-width="1.5" stroke-dasharray="3 2"/></svg> dashed ring: under sanctions '
    '(hover for the severity) &nbsp; <svg width="16" height="16" style="vertical-align: middle">'
    '<circle cx="8" cy="8" r="5.5" fill="#bbb" stroke="#f1c40f" stroke-width="3"/></svg> yellow ring: '
    "the selected country"
)
"""What the node rings mean (the network draws them; its own legend shows only the roles)."""


@solara.component
def NetworkView(snapshot: Snapshot, selected: str | None, on_select: Callable[[str], None]):
    """The partnership network; hover a country for details, click to select it.

    Args:
        snapshot: The run.
        selected: Selected country, highlighted with its partnerships.
        on_select: Called with the ISO3 code of a clicked country.
    """

    def clicked(event: dict) -> None:
        if event.get("dataType") == "node" and event.get("name"):
            on_select(str(event["name"]))

    with solara.Card(style=CARD_STYLE, classes=["qgeo-network"]):
        solara.Text("Partnership network. ", style="font-weight: 500; font-size: 1.05rem;")
        solara.Text(
            "Arrows: seller → second-wave buyer, width = share of the buyer's partnerships. Dashed lines: "
            "science exchanges and joint programmes among leaders and providers. Size = capability (log). "
            "US camp left, China/Russia camp right. Hover for details, click to select.",
            style="font-size: 0.78rem; color: #555; line-height: 1.25;",
        )
        solara.FigureEcharts(
            option=charts.network_option(snapshot, selected),
            on_click=clicked,
            attributes={"style": NETWORK_STYLE, "class": "qgeo-network-chart"},
            responsive=True,
        )
        solara.HTML(tag="div", classes=["qgeo-ring-legend"], style="font-size: 0.78rem; color: #444;",
                    unsafe_innerHTML=RING_LEGEND)


@solara.component
def CountryDetails(
    view: CountryView, choices: tuple[tuple[str, str], ...], on_select: Callable[[str], None]
):
    """Partners, budget, capability and dependence of the selected country.

    Args:
        view: The selected country.
        choices: (ISO3, name) of every country.
        on_select: Called with another country chosen in the list or among the partners.
    """
    items = [{"text": f"{name} ({code})", "value": code} for code, name in choices]
    with solara.Card("Country", style=CARD_STYLE, classes=["qgeo-country"]):
        rv.Select(label="Selected country", items=items, v_model=view.iso3, on_v_model=on_select,
                  dense=True, hide_details=True, class_="qgeo-selected")
        rows = [
            ("role", "Role", f"{charts.ROLE_LABELS[view.role]} ({view.bloc})"),
            ("capability", "Capability", f"{view.capability:.3g}"),
            ("budget", "Budget (announced)", charts.usd(view.budget)),
            ("spending", "Spending (disbursed)", charts.usd(view.spending)),
            ("openness", "Openness", f"{view.openness:.2f}"),
            ("dependence-aversion", "Dependence aversion", f"{view.dependence_aversion:.2f}"),
        ]
        if view.role == "second_wave":
            rows += [
                ("partners", "Partners", str(view.n_partners)),
                ("hhi", "Portfolio HHI", f"{view.portfolio_hhi:.2f}"),
                ("domestic", "Built at home", f"{view.domestic_share:.0%}"),
            ]
        else:
            rows.append(("partners", "Second-wave partners", str(view.n_partners)))
        if view.sanctioned > 0:
            rows.append(("sanctioned", "Under sanctions", f"severity {view.sanctioned:.2f}"))
        body = [
            rv.Html(tag="tr", children=[
                rv.Html(tag="td", children=[label]),
                rv.Html(tag="td", children=[value], class_=f"qgeo-detail-{slug}",
                        style_="text-align: right;"),
            ])
            for slug, label, value in rows
        ]
        rv.SimpleTable(dense=True, class_="qgeo-details", children=[rv.Html(tag="tbody", children=body)])
        heading = "Partners (share of its portfolio)" if view.role == "second_wave" else (
            "Serves (share of each receiver's portfolio)")
        solara.Text(heading, style="font-weight: 500; display: block;")
        if not view.partners:
            solara.Text("none", style="color: #777;")
        for code, weight in view.partners[:MAX_PARTNERS_SHOWN]:
            with solara.Row(style="align-items: center;", gap="6px"):
                solara.Button(code, text=True, small=True, on_click=lambda code=code: on_select(code),
                              style="min-width: 48px;")
                rv.ProgressLinear(value=100.0 * weight, height=10, color="#5d6d7e",
                                  style_="flex: 1; max-width: 200px;")
                solara.Text(f"{weight:.0%}", style="font-size: 0.85rem; width: 36px;")
        if len(view.partners) > MAX_PARTNERS_SHOWN:
            solara.Text(f"and {len(view.partners) - MAX_PARTNERS_SHOWN} more (hover the node for all)",
                        style="font-size: 0.8rem; color: #666;")


@solara.component
def EventControls(
    year: int,
    running: bool,
    actors: tuple[str, ...],
    leaders: tuple[str, ...],
    sanctioners: dict[str, tuple[str, ...]],
    sanctioned: frozenset[str],
    on_controls: Callable[[int], None],
    on_sanction: Callable[[str, float], None],
):
    """Buttons that apply an event in the current year.

    Args:
        year: The current year (events apply in the step that simulates it).
        running: Whether the run can step further (events need a step to apply in).
        actors: Leaders and providers of the data.
        leaders: Current leaders among them.
        sanctioners: Each actor's sanctioning coalition (who imposes and lifts sanctions on it).
        sanctioned: Countries under sanctions now (their coalition is real, not the leaders by default).
        on_controls: Called with +1 to tighten or -1 to ease the leaders' controls.
        on_sanction: Called with a target and a severity (0 lifts).
    """
    targets = [code for code in actors if code not in leaders] or list(actors)
    default_target = "RUS" if "RUS" in targets else targets[0]
    target = solara.use_reactive(default_target)
    severity = solara.use_reactive(0.8)
    if target.value not in targets:
        target.set(default_target)
    disabled = not running
    with solara.Card("Apply an event now", style=CARD_STYLE, classes=["qgeo-events"]):
        solara.Text(
            f"Events apply at once, in {year}; second-wave countries respond in the next step, "
            f"as to an event a scenario schedules for {year + 1}.",
            style="font-size: 0.8rem; color: #555;",
        )
        imposers = ", ".join(leaders) or "no leader"
        with solara.Row(style="flex-wrap: wrap; margin-top: 8px;"):
            solara.Button(f"Tighten export controls (+{CONTROL_STEP:g})", icon_name="mdi-lock",
                          on_click=lambda: on_controls(+1), disabled=disabled, color="error", outlined=True,
                          classes=["qgeo-tighten"])
            solara.Button(f"Ease export controls (−{CONTROL_STEP:g})", icon_name="mdi-lock-open-variant",
                          on_click=lambda: on_controls(-1), disabled=disabled, color="success",
                          outlined=True, classes=["qgeo-ease"])
        solara.Text(f"by the leaders ({imposers}), on their control scope (all but their exempt club)",
                    style="font-size: 0.75rem; color: #666;")
        with solara.Row(style="align-items: center; flex-wrap: wrap; margin-top: 8px;"):
            rv.Select(label="Sanction target", items=targets, v_model=target.value, on_v_model=target.set,
                      dense=True, hide_details=True, style_="max-width: 150px;", class_="qgeo-target")
            with solara.Column(gap="0px", style="min-width: 160px;"):
                solara.Text(f"severity {severity.value:.2f}", style="font-size: 0.8rem;")
                rv.Slider(v_model=severity.value, on_v_model=lambda v: severity.set(float(v)), min=0.05,
                          max=1.0, step=0.05, dense=True, hide_details=True, class_="qgeo-severity")
            solara.Button("Impose sanctions", icon_name="mdi-cancel", disabled=disabled, color="error",
                          outlined=True, on_click=lambda: on_sanction(target.value, severity.value),
                          classes=["qgeo-sanction"])
            solara.Button("Lift", icon_name="mdi-check", disabled=disabled, text=True,
                          on_click=lambda: on_sanction(target.value, 0.0), classes=["qgeo-lift"])
        coalition = ", ".join(sanctioners.get(target.value, ())) or "nobody"
        solara.Text(
            f"imposed and lifted by {target.value}'s sanctioning coalition: {coalition}"
            if target.value in sanctioned else
            f"nobody sanctions {target.value} now: the leaders would impose ({coalition})",
            classes=["qgeo-coalition"], style="font-size: 0.75rem; color: #666;",
        )


@solara.component
def EventList(events: tuple[EventView, ...], year: int):
    """The run's events, scheduled by the scenario or applied from the page, with their status.

    Args:
        events: The events.
        year: The current year.
    """
    with solara.Card("Events of this run", style=CARD_STYLE, classes=["qgeo-event-list"]):
        if not events:
            solara.Text("none scheduled", style="color: #777; font-size: 0.85rem;")
        for event in events:
            EventRow(event, year)


@solara.component
def EventRow(event: EventView, year: int):
    """One event with a status chip: applied, in the next step, or scheduled later.

    Args:
        event: The event.
        year: The current year.
    """
    if event.applied:
        status, color = "applied", "grey"
    elif event.year == year + 1:
        status, color = "next step", "orange"
    else:
        status, color = "scheduled", "blue"
    with solara.Div(classes=["qgeo-event"], style="display: flex; align-items: center; gap: 6px;"):
        rv.Chip(children=[status], small=True, color=color, text_color="white")
        solara.Text(f"{event.year} · {event.origin}: {event.text}", style="font-size: 0.85rem;")


def legend_html(items: list[tuple[str, str, str | list[float]]]) -> str:
    """The legend under a live plot: a short line in each series' colour and style, then its name.

    Args:
        items: (name, colour, line type) from :func:`sim.explorer.charts.legend_items`; the type is
            ECharts' ``lineStyle.type``: a name or a list of dash and gap lengths.

    Returns:
        HTML.
    """
    def entry(name: str, colour: str, kind: str | list[float]) -> str:
        if isinstance(kind, list):
            dash = " ".join(f"{length:g}" for length in kind)
        else:
            dash = {"dashed": "6 3", "dotted": "2 2"}.get(kind, "")
        line = (f'<svg width="22" height="10"><line x1="1" y1="5" x2="21" y2="5" stroke="{colour}" '
                f'stroke-width="3" stroke-dasharray="{dash}"/></svg>')
        return f'<span style="white-space: nowrap; margin-right: 10px;">{line} {html.escape(name)}</span>'

    return " ".join(entry(*item) for item in items)


@solara.component
def LivePlots(snapshot: Snapshot):
    """Provider shares, capability by group and second-wave dependence over the run so far.

    Each card has its title above the chart and its legend below it (HTML, so both wrap
    instead of being clipped or drawn over the axes).

    Args:
        snapshot: The run.
    """
    with solara.Div(classes=["qgeo-plots"]):
        for name, option in (
            ("shares", charts.shares_option(snapshot)),
            ("capability", charts.capability_option(snapshot)),
            ("dependence", charts.dependence_option(snapshot)),
        ):
            with solara.Card(style=CARD_STYLE, classes=[f"qgeo-plot-{name}"]):
                solara.Text(charts.PLOT_TITLES[name], classes=["qgeo-plot-title"],
                            style="font-weight: 500; font-size: 0.95rem; display: block;")
                solara.FigureEcharts(option=option, responsive=True,
                                     attributes={"style": PLOT_HEIGHT, "class": "qgeo-plot-chart"})
                solara.HTML(tag="div", classes=["qgeo-plot-legend"], style="font-size: 0.78rem; color: #333;",
                            unsafe_innerHTML=legend_html(charts.legend_items(option)))


@solara.component
def EnsembleControls(
    snapshot: Snapshot,
    done: int,
    total: int,
    on_run: Callable[[int, str | None], None],
    on_cancel: Callable[[], None],
):
    """Run N replications of the current settings (bands behind the live run) and of a comparison scenario.

    Args:
        snapshot: The run.
        done: Replications finished by the running ensemble.
        total: Replications it runs (0 when idle).
        on_run: Called with N and the comparison scenario (None for none).
        on_cancel: Called to stop the running ensemble.
    """
    replications = solara.use_reactive(DEFAULT_REPLICATIONS)
    compare = solara.use_reactive(DEFAULT_SCENARIO)
    choices = [NO_COMPARISON, *snapshot.scenario_names]
    with solara.Card("Ensemble and comparison", style=CARD_STYLE, classes=["qgeo-ensemble"]):
        with solara.Row(style="align-items: center; flex-wrap: wrap;", gap="12px"):
            solara.InputInt("Replications", value=replications, continuous_update=False,
                            classes=["qgeo-replications"], style="max-width: 110px;")
            rv.Select(label="Compare with", items=choices, v_model=compare.value, on_v_model=compare.set,
                      dense=True, hide_details=True, style_="max-width: 220px;", class_="qgeo-compare")
            if total:
                solara.Button("Stop", icon_name="mdi-stop", on_click=on_cancel, outlined=True,
                              classes=["qgeo-ensemble-stop"])
                rv.ProgressLinear(value=100.0 * done / total, height=8, style_="max-width: 160px;")
                solara.Text(f"{done} of {total} runs", classes=["qgeo-ensemble-progress"],
                            style="font-size: 0.85rem;")
            else:
                solara.Button(
                    "Run ensemble", icon_name="mdi-chart-bell-curve", color="primary", outlined=True,
                    disabled=not 2 <= replications.value <= MAX_REPLICATIONS,
                    on_click=lambda: on_run(replications.value,
                                            None if compare.value == NO_COMPARISON else compare.value),
                    classes=["qgeo-ensemble-run"],
                )
        status = []
        if snapshot.bands is not None:
            status.append(f"Shaded: 95% confidence band of the mean of {snapshot.bands.replications} "
                          "replications of these settings and events (replication 0 is the live run).")
        if snapshot.overlay is not None:
            status.append(f"Thin dashed: mean of {snapshot.overlay.replications} replications of "
                          f"{snapshot.overlay.label}.")
        if not status:
            status.append(f"Runs 2-{MAX_REPLICATIONS} replications in the background, as qgeo run "
                          "would: the band shows how much of the live run is chance. Any change clears it.")
        solara.Text(" ".join(status), classes=["qgeo-ensemble-status"],
                    style="font-size: 0.8rem; color: #555;")


@solara.component
def Explanation():
    """What the model is and what each control does, with a link to the model description."""
    controls = "\n".join(
        f"- **{parameter_label(name)}**: "
        f"{parameter_doc(name)}."
        for name in PAGE_PARAMETERS
    )
    with solara.Card("About this model", style=CARD_STYLE, classes=["qgeo-explanation"]):
        solara.HTML(tag="div", unsafe_innerHTML=render(
            f"""
**qgeo** is an agent-based model of international quantum-technology partnerships. Two leaders
(the United States and China) hold most of the money and keep core technology closed; providers
(the EU and its members, the UK, Japan, Korea, India, Russia and others) sell or share what they
have; second-wave countries (Vietnam, Egypt, Brazil and others) have small budgets. **Every country
chooses partners**: leaders and providers sign science exchanges and joint programmes with each
other; second-wave countries buy from leaders and providers, splitting their effort between home and
the partners they have signed with, by weighing a partner's **openness**, its **cost** relative to
their own budget and the **dependence risk** it brings; sellers decide whom they accept. A partnership
needs both sides' consent and passes through talks before it is signed. Every option is valued by
what it adds to the chooser's own capability (a noisy logit choice, with inertia), so countries go
abroad only where a dollar yields more there. Providers adapt openness and price to win partners, and
leaders tighten controls when rivals gain. One step is one year.

**Controls**

{controls}
- **One second-wave country**: change the dependence aversion or budget of a chosen country
  (a scenario override, as in `[countries.VNM]` of a scenario file).
- **Seed**: the root seed; the page runs replication 0, the same run `qgeo run` writes first.
- **Step / Play / Reset**: advance one year, run continuously, or rebuild at the base year.
  Moving any control rebuilds the model at the base year.
- **Apply an event now**: the event changes this run at once, in the current year; partners respond
  from the next step on. Sanctions are imposed (and lifted) by the target's actual sanctioning
  coalition (`scenarios/data/sanctions.csv` and the events so far).
- **Save as scenario**: downloads these settings and the events applied so far as a scenario file;
  `qgeo run FILE` replays this run as its replication 0 (and `qgeo ui FILE` opens it again).
- **Run ensemble**: N replications of these settings in the background; their 95% band is drawn
  behind the live run, and the mean of the scenario chosen under "Compare with" over it.

The full model description (purpose, entities, process, submodels, data sources) is in
[docs/ODD.md]({ODD_LINK}).
""",
        ), classes=["qgeo-markdown"])
