"""The explorer page: students vary parameters and watch the partnership world change.

Serve it with ``qgeo ui [SCENARIO] [--port N]`` (or ``solara run sim.app``). Each
browser session gets its own :class:`sim.explorer.session.Explorer`; every
action (a slider, Step, an event button) changes it and bumps a version
counter, and the page redraws from one immutable snapshot per version. The
``QGEO_UI_SCENARIO`` environment variable names the scenario the page opens
with (``qgeo ui`` sets it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.errors import UserError
from sim.explorer.components import (
    CountryControls,
    CountryDetails,
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
from sim.explorer.session import DEFAULT_SCENARIO, SCENARIO_ENV, Explorer

PLAY_INTERVAL_S = 0.4
"""Pause between years while playing, seconds."""
ODD_PATH = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
TITLE = "qgeo explorer: quantum-technology partnerships"


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
            if not self.explorer.step():
                self._playing.set(False)
                break
            self._version.set(self._version.value + 1)
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
    with solara.AppBarTitle():
        solara.Text(TITLE)
    with solara.ColumnsResponsive(default=[12], large=[3, 9], xlarge=[3, 9]):
        with solara.Column(gap="0px", classes=["qgeo-controls"]):
            ScenarioPicker(snapshot.scenario_names, snapshot.scenario, snapshot.description,
                           on_scenario=actions.select_scenario, on_restore=actions.restore)
            ParameterControls(dict(snapshot.params), snapshot.stringency_from_data,
                              on_param=actions.set_param)
            CountryControls(snapshot.focus, dict(snapshot.focus_values), second_wave,
                            on_focus=actions.set_focus, on_attribute=actions.set_country_attribute)
            SeedControl(snapshot.root_seed, snapshot.seed, on_seed=actions.set_seed)
        with solara.Column(gap="0px", classes=["qgeo-main"]):
            if message.value:
                solara.Error(message.value, classes=["qgeo-message"])
            RunControls(snapshot, playing=playing.value, on_step=actions.step, on_play=actions.set_playing,
                        on_reset=actions.reset)
            with solara.ColumnsResponsive(default=[12], large=[8, 4]):
                NetworkView(snapshot, selected.value, on_select=actions.select)
                CountryDetails(snapshot.country(selected.value), names, on_select=actions.select)
            LivePlots(snapshot)
            with solara.ColumnsResponsive(default=[12], large=[6, 6]):
                with solara.Column(gap="0px"):
                    EventControls(snapshot.year, snapshot.running, snapshot.actors, snapshot.leaders,
                                  on_controls=actions.change_controls, on_sanction=actions.sanction)
                    EventList(snapshot.events, snapshot.year)
                Explanation()


@solara.component
def ModelDescription():
    """docs/ODD.md, the full model description, rendered."""
    solara.Title("qgeo: model description (ODD)")
    with solara.Column(style="max-width: 960px; margin: 0 auto;"):
        with solara.Link("/"):
            solara.Button("Back to the explorer", icon_name="mdi-arrow-left", text=True,
                          classes=["qgeo-back"])
        if ODD_PATH.exists():
            solara.Markdown(ODD_PATH.read_text(encoding="utf-8"))
        else:
            solara.Warning(f"docs/ODD.md is not part of this installation (looked in {ODD_PATH}).")


routes = [
    solara.Route(path="/", component=Page, label="Explorer"),
    solara.Route(path="odd", component=ModelDescription, label="Model description (ODD)"),
]
