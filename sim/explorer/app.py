"""The explorer page: students vary parameters and watch the partnership world change.

Serve it with ``qgeo ui [SCENARIO | FILE.toml] [--port N]`` (or ``solara run sim.explorer.app``).
Each browser session gets its own :class:`sim.explorer.session.Explorer`; every
action (a slider, Step, an event button) changes it and bumps a version
counter, and the page redraws from one immutable snapshot per version. The
``QGEO_UI_SCENARIO`` environment variable names the scenario (or file) the page
opens with (``qgeo ui`` sets it). Ensembles run in a background thread
(:class:`sim.explorer.ensemble.EnsembleRunner`) and redraw the page as they progress.
Nothing on the pages is fetched from outside the server: the equations of the
model description are converted to MathML on the server (:mod:`sim.explorer.mathdoc`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import solara
import solara.lab

from sim.base.errors import UserError
from sim.base.paths import PROJECT_ROOT
from sim.explorer.components import (
    CountryControls,
    CountryDetails,
    EnsembleControls,
    EventControls,
    EventList,
    Explanation,
    LivePlots,
    NetworkView,
    ParameterControls,
    RunControls,
    ScenarioPicker,
    SeedControl,
)
from sim.explorer.defaults import DEFAULT_SCENARIO, SCENARIO_ENV
from sim.explorer.ensemble import EnsembleRunner
from sim.explorer.mathdoc import render
from sim.explorer.session import Explorer

PLAY_INTERVAL_S = 0.4
"""Pause between years while playing, seconds."""
ODD_PATH = PROJECT_ROOT / "docs" / "ODD.md"
TITLE = "qgeo explorer: quantum-technology partnerships"
CSS = """
.qgeo-layout { display: grid; grid-template-columns: 290px minmax(0, 1fr); gap: 16px; align-items: start; }
.qgeo-controls { position: sticky; top: 0; max-height: calc(100vh - 90px); overflow-y: auto; padding: 2px; }
.qgeo-top { display: grid; grid-template-columns: minmax(0, 2.2fr) minmax(250px, 1fr); gap: 12px;
            align-items: start; }
.qgeo-plots { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 12px; }
.qgeo-bottom { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
@media (max-width: 1263px) { .qgeo-top { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 800px) {
  .qgeo-layout { grid-template-columns: minmax(0, 1fr); }
  .qgeo-controls { position: static; max-height: none; }
}
.qgeo-markdown table { border-collapse: collapse; margin: 8px 0; font-size: 0.85rem; }
.qgeo-markdown th, .qgeo-markdown td { border: 1px solid #ccc; padding: 3px 6px; vertical-align: top; }
.qgeo-markdown math[display="block"] { margin: 10px 0; overflow-x: auto; }
.qgeo-markdown pre { background: #f6f6f6; padding: 8px; overflow-x: auto; }
"""
"""Page layout: the controls in a narrow column that scrolls by itself, so the run controls and the
network stay at the top of the main column at 1024 px and wider."""


class PageActions:
    """What the page's controls do: change the session's explorer, then redraw.

    One instance per browser session, so its bound methods stay equal from render to
    render and components whose data did not change are not redrawn.

    Attributes:
        explorer: The session's run.
    """

    def __init__(
        self,
        explorer: Explorer,
        version: solara.Reactive[int],
        playing: solara.Reactive[bool],
        message: solara.Reactive[str],
        selected: solara.Reactive[str],
    ) -> None:
        self.explorer = explorer
        self._version, self._playing, self._message, self._selected = version, playing, message, selected
        self._generation = 0
        self.ensembles = EnsembleRunner(on_change=self._redraw)

    def _redraw(self) -> None:
        self._version.set(self._version.value + 1)

    def _act(self, action: Callable[..., Any], *args: Any) -> None:
        """Run an explorer action and redraw; a user error is shown on the page, not raised."""
        try:
            action(*args)
            self._message.set("")
        except UserError as error:
            self._message.set(str(error))
        self._version.set(self._version.value + 1)

    def _rebuild(self, action: Callable[..., Any], *args: Any) -> None:
        self._playing.set(False)
        self._act(action, *args)

    def step(self) -> None:
        """Advance one year."""
        self._act(self.explorer.step)

    def set_playing(self, playing: bool) -> None:
        """Start or stop playing."""
        self._playing.set(playing)

    def play(self) -> None:
        """While playing, step and redraw every PLAY_INTERVAL_S (runs in a thread; the explorer locks)."""
        self._generation += 1
        mine = self._generation  # a newer play() (pause and play again quickly) ends this one
        while self._playing.value and self._generation == mine:
            stepped = self.explorer.step()
            if not stepped or not self.explorer.model.running:  # the horizon: back to Play at once
                self._redraw()  # first the last year (Play disabled), then the button
                self._playing.set(False)
                break
            self._redraw()
            time.sleep(PLAY_INTERVAL_S)

    def reset(self) -> None:
        """Rebuild the model at the base year."""
        self._rebuild(self.explorer.reset)

    def select_scenario(self, name: str) -> None:
        """Switch scenario."""
        self._rebuild(self.explorer.select_scenario, name)

    def restore(self) -> None:
        """Drop every page change."""
        self._rebuild(self.explorer.restore_scenario)

    def set_param(self, name: str, value: float) -> None:
        """Move a parameter slider."""
        self._rebuild(self.explorer.set_param, name, value)

    def set_focus(self, iso3: str) -> None:
        """Choose the country whose attributes the page sets (and show it)."""
        self._rebuild(self.explorer.set_focus, iso3)
        self.select(iso3)

    def set_country_attribute(self, attribute: str, value: float) -> None:
        """Move the focus country's aversion or budget slider."""
        self._rebuild(self.explorer.set_country_attribute, attribute, value)

    def set_seed(self, seed: int | None) -> None:
        """Change the root seed."""
        if seed is not None:
            self._rebuild(self.explorer.set_seed, seed)

    def select(self, iso3: str | None) -> None:
        """Show a country in the details card and highlight it in the network."""
        if iso3:
            self._selected.set(iso3)

    def change_controls(self, direction: int) -> None:
        """Tighten (+1) or ease (-1) the leaders' export controls now."""
        self._act(self.explorer.change_controls, direction)

    def sanction(self, target: str, severity: float) -> None:
        """Impose (severity > 0) or lift sanctions on a provider now."""
        self._act(self.explorer.sanction, target, severity)

    def run_ensemble(self, replications: int, compare: str | None) -> None:
        """Start N replications of the page's run (and of ``compare``) in the background."""
        def start() -> None:
            revision, jobs = self.explorer.ensemble_jobs(compare)
            self.ensembles.start(jobs, replications,
                                 lambda results: self.explorer.set_ensembles(revision, results))

        self._act(start)

    def cancel_ensemble(self) -> None:
        """Stop the running ensemble."""
        self.ensembles.cancel()
        self._redraw()


@solara.component
def Page():
    """The explorer: controls on the left; year, network, country, events and plots on the right."""
    explorer = solara.use_memo(lambda: Explorer(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO), [])
    version = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    message = solara.use_reactive("")
    selected = solara.use_reactive(explorer.settings.focus)
    actions = solara.use_memo(lambda: PageActions(explorer, version, playing, message, selected), [])
    snapshot = solara.use_memo(explorer.snapshot, [version.value])
    names = solara.use_memo(
        lambda: tuple((view.iso3, view.name) for view in snapshot.countries), [snapshot.build]
    )
    second_wave = solara.use_memo(
        lambda: tuple((code, name) for code, name in names if code in snapshot.second_wave), [snapshot.build]
    )
    solara.lab.use_task(actions.play, dependencies=[playing.value], prefer_threaded=True)
    if selected.value not in dict(names):
        selected.set(snapshot.focus or names[0][0])

    solara.Title(TITLE)
    solara.Style(CSS)
    with solara.AppBarTitle():
        solara.Text(TITLE)
    with solara.AppBar():
        with solara.Link("/odd"):
            solara.Button("Model description", icon_name="mdi-book-open-variant", text=True, dark=True,
                          classes=["qgeo-odd-link"])
    with solara.Div(classes=["qgeo-layout"]):
        with solara.Column(gap="0px", classes=["qgeo-controls"]):
            ScenarioPicker(snapshot.scenario_names, snapshot.scenario, snapshot.description,
                           on_scenario=actions.select_scenario, on_restore=actions.restore)
            ParameterControls(dict(snapshot.params), snapshot.stringency_from_data,
                              on_param=actions.set_param)
            CountryControls(snapshot.focus, dict(snapshot.focus_values), second_wave,
                            on_focus=actions.set_focus, on_attribute=actions.set_country_attribute)
            SeedControl(snapshot.root_seed, snapshot.seed, on_seed=actions.set_seed)
        with solara.Column(gap="0px", classes=["qgeo-main"], style="min-width: 0;"):
            if message.value:
                solara.Error(message.value, classes=["qgeo-message"])
            RunControls(snapshot, playing=playing.value, on_step=actions.step, on_play=actions.set_playing,
                        on_reset=actions.reset, saved_toml=explorer.saved_toml)
            with solara.Div(classes=["qgeo-top"]):
                NetworkView(snapshot, selected.value, on_select=actions.select)
                CountryDetails(snapshot.country(selected.value), names, on_select=actions.select)
            EnsembleControls(snapshot, actions.ensembles.done, actions.ensembles.total,
                             on_run=actions.run_ensemble, on_cancel=actions.cancel_ensemble)
            LivePlots(snapshot)
            with solara.Div(classes=["qgeo-bottom"]):
                with solara.Column(gap="0px"):
                    EventControls(snapshot.year, snapshot.running, snapshot.actors, snapshot.leaders,
                                  dict(snapshot.sanctioners),
                                  frozenset(view.iso3 for view in snapshot.countries if view.sanctioned > 0),
                                  on_controls=actions.change_controls,
                                  on_sanction=actions.sanction)
                    EventList(snapshot.events, snapshot.year)
                Explanation()


@solara.component
def ModelDescription():
    """docs/ODD.md, the full model description, rendered with its equations as MathML (no network)."""
    solara.Title("qgeo: model description (ODD)")
    solara.Style(CSS)
    with solara.Column(style="max-width: 1000px; margin: 0 auto;"):
        with solara.Link("/"):
            solara.Button("Back to the explorer", icon_name="mdi-arrow-left", text=True,
                          classes=["qgeo-back"])
        if ODD_PATH.exists():
            solara.HTML(tag="div", classes=["qgeo-markdown", "qgeo-odd"],
                        unsafe_innerHTML=render(ODD_PATH.read_text(encoding="utf-8")))
        else:
            solara.Warning(f"docs/ODD.md is not part of this installation (looked in {ODD_PATH}).")


@solara.component
def Layout(children: list | None = None):
    """The app frame: a one-line app bar, without route tabs, so that the network keeps its height."""
    return solara.AppLayout(children=children or [], navigation=False)


routes = [
    solara.Route(path="/", component=Page, label="Explorer", layout=Layout),
    solara.Route(path="odd", component=ModelDescription, label="Model description (ODD)"),
]
