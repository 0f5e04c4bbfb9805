"""ECharts options for the explorer: the partnership network and the live time-series plots.

Each function turns a :class:`sim.explorer.session.Snapshot` into a plain dict
that :func:`solara.FigureEcharts` draws in the browser (hover tooltips, click to
select a country). Nothing here touches the model.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.explorer.session import LAYOUT_ASPECT, CountryView, Snapshot
from sim.output.palette import LEADERS_COLOUR, PEER_COLOUR, ROLE_COLOURS, ROLE_LABELS, country_style

MIN_NODE, MAX_NODE = 7.0, 40.0
"""Node diameters (px) of the smallest and largest capability at build time."""
TOP_PROVIDERS = 6
"""Providers drawn individually in the shares plot (the largest at the current year)."""


def usd(value: float) -> str:
    """Format a USD amount per year for people.

    Args:
        value: USD per year.

    Returns:
        E.g. ``"$2.4M/yr"`` or ``"$1.20bn/yr"``.
    """
    if value >= 1e9:
        return f"${value / 1e9:.2f}bn/yr"
    if value >= 1e6:
        return f"${value / 1e6:.1f}M/yr"
    return f"${value / 1e3:.0f}k/yr"


def node_size(capability: float, low: float, high: float) -> float:
    """Node diameter on a log scale of capability, fixed per build so growth shows.

    Args:
        capability: Current capability.
        low: Capability drawn at :data:`MIN_NODE`.
        high: Capability drawn at :data:`MAX_NODE`.

    Returns:
        Diameter in px, clipped to [MIN_NODE - 2, MAX_NODE + 10].
    """
    if capability <= 0 or high <= low:
        return MIN_NODE
    fraction = (math.log(capability) - math.log(low)) / (math.log(high) - math.log(low))
    return round(min(MAX_NODE + 10.0, max(MIN_NODE - 2.0, MIN_NODE + fraction * (MAX_NODE - MIN_NODE))), 2)


def country_tooltip(view: CountryView) -> str:
    """HTML tooltip of a node: role, capability, budget, partners and dependence.

    Args:
        view: The country.

    Returns:
        HTML text.
    """
    lines = [
        f"<b>{html.escape(view.name)} ({view.iso3})</b>",
        f"{ROLE_LABELS[view.role]} · {view.bloc}",
        f"Capability {view.capability:.3g}",
        f"Budget {usd(view.budget)} (spending {usd(view.spending)})",
    ]
    items = [f"{code} {weight:.0%}" for code, weight in view.partners]
    partners = ",<br/>&nbsp;&nbsp;".join(", ".join(items[i:i + 6]) for i in range(0, len(items), 6))
    if view.role == "second_wave":
        lines.append(f"Partners: {partners or 'none'}")
        lines.append(f"Portfolio HHI {view.portfolio_hhi:.2f} · builds at home {view.domestic_share:.0%}")
    else:
        lines.append(f"Serves: {partners or 'nobody'}")
    if view.sanctioned > 0:
        lines.append(f"Under sanctions (severity {view.sanctioned:.2f})")
    return "<br/>".join(lines)


def label_position(x: float, y: float) -> str:
    """Where a node's label goes: outside the ellipse (sideways near its left and right ends).

    Args:
        x: Node x (layout coordinates, centre 0).
        y: Node y (screen coordinates, centre 0).

    Returns:
        An ECharts label position.
    """
    if abs(y) < 0.5 * abs(x) / LAYOUT_ASPECT:
        return "left" if x < 0 else "right"
    return "top" if y <= 0 else "bottom"


def network_option(snapshot: Snapshot, selected: str | None = None) -> dict[str, Any]:
    """The partnership network: nodes coloured by role, sized by capability, edges by intensity.

    Args:
        snapshot: The run.
        selected: ISO3 of the selected country (highlighted with its partnerships), if any.

    Returns:
        An ECharts option with one ``graph`` series in fixed positions.
    """
    low, high = snapshot.capability_range
    roles = list(ROLE_COLOURS)
    nodes = []
    for view in snapshot.countries:
        x, y = snapshot.positions[view.iso3]
        node: dict[str, Any] = {
            "name": view.iso3,
            "x": x,
            "y": y,
            "value": float(f"{view.capability:.6g}"),
            "symbolSize": node_size(view.capability, low, high),
            "category": roles.index(view.role),
            "label": {"position": label_position(x, y)},
            "tooltip": {"formatter": country_tooltip(view)},
        }
        if view.sanctioned > 0:
            node["itemStyle"] = {"borderColor": "#000", "borderWidth": 1.5, "borderType": "dashed"}
        if view.iso3 == selected:
            node["itemStyle"] = {"borderColor": "#f1c40f", "borderWidth": 4}
            node["label"] = {**node["label"], "fontWeight": "bold", "fontSize": 13}
        nodes.append(node)
    role_of = {view.iso3: view.role for view in snapshot.countries}
    links = []
    for source, target, weight, kind in snapshot.edges:
        touches = selected in (source, target)
        faded = selected is not None and not touches
        if kind != "commercial":
            links.append({
                "source": source,
                "target": target,
                "value": 1,
                "symbol": ["none", "none"],
                "lineStyle": {"width": 1.2 + (1.0 if touches else 0.0), "color": PEER_COLOUR,
                              "type": "dashed",
                              "opacity": 0.12 if faded else 0.55, "curveness": 0.2},
                "tooltip": {"formatter": f"{source} – {target}: {kind} (signed)"},
            })
            continue
        links.append({
            "source": source,
            "target": target,
            "value": round(weight, 4),
            "lineStyle": {
                "width": round(0.6 + 5.0 * weight, 2) + (1.0 if touches else 0.0),
                "color": ROLE_COLOURS[role_of[source]],
                "opacity": 0.12 if faded else round(0.35 + 0.5 * weight, 2),
                "curveness": 0.12,
            },
            "tooltip": {"formatter": f"{source} → {target}: {weight:.0%} of {target}'s partnerships"},
        })
    return {
        "animation": False,
        "tooltip": {"trigger": "item", "confine": True, "enterable": False},
        "legend": {"data": [ROLE_LABELS[r] for r in roles], "top": 0, "selectedMode": False},
        "series": [{
            "type": "graph",
            "layout": "none",
            "roam": False,
            "top": 40,
            "bottom": 26,
            "left": 52,
            "right": 52,
            "categories": [
                {"name": ROLE_LABELS[r], "itemStyle": {"color": ROLE_COLOURS[r]}} for r in roles
            ],
            "label": {"show": True, "fontSize": 10, "color": "#222"},
            "labelLayout": {"hideOverlap": False},
            "emphasis": {"focus": "adjacency", "lineStyle": {"opacity": 0.9}},
            "edgeSymbol": ["none", "arrow"],
            "edgeSymbolSize": 5,
            "data": nodes,
            "links": links,
        }],
    }


PLOT_TITLES: dict[str, str] = {
    "shares": "Provider shares of second-wave partnerships",
    "capability": "Capability by group (mean)",
    "dependence": "Second-wave dependence",
}
"""Title of each live plot (the page writes it above the chart, where it wraps instead of being clipped)."""
BAND_OPACITY = 0.2
"""Opacity of an ensemble's 95% band."""
LOG_FLOOR = 1e-6
"""Smallest value drawn on a log axis."""


@dataclass(frozen=True)
class Curve:
    """One outcome drawn as a line of the live run (and as a band and an overlay when the page has them).

    Attributes:
        column: Its column in the model frame.
        name: Legend name.
        colour: Line colour.
        style: Extra ``lineStyle`` entries (``type``, ``width``).
    """

    column: str
    name: str
    colour: str
    style: Mapping[str, Any] = field(default_factory=dict)


def _years(snapshot: Snapshot) -> list[int]:
    """Every year of the horizon, so the lines grow from left to right as the run goes."""
    return list(range(snapshot.base_year, snapshot.base_year + snapshot.horizon + 1))


def _number(value: float | None, floor: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return float(f"{max(float(value), floor) if floor is not None else float(value):.6g}")


def _line(name: str, values: list[float | None], color: str, **style: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "line",
        "showSymbol": False,
        "data": values,
        "itemStyle": {"color": color},
        "lineStyle": {"color": color, "width": 2, **style},
    }


def _band(curve: Curve, low: list[float | None], high: list[float | None]) -> list[dict[str, Any]]:
    """A filled 95% band: the lower bound, and the width stacked on it (ECharts fills between them)."""
    width = [None if a is None or b is None else float(f"{b - a:.6g}")
             for a, b in zip(low, high, strict=True)]
    common = {"type": "line", "showSymbol": False, "stack": f"band-{curve.column}", "silent": True,
              "lineStyle": {"opacity": 0}, "itemStyle": {"color": curve.colour}, "z": 1}
    return [
        {**common, "id": f"band-low-{curve.column}", "name": f"{curve.name}: 95% CI low", "data": low},
        {**common, "id": f"band-width-{curve.column}", "name": f"{curve.name}: 95% CI width", "data": width,
         "areaStyle": {"color": curve.colour, "opacity": BAND_OPACITY}},
    ]


def _plot(
    curves: list[Curve], snapshot: Snapshot, y_axis: dict[str, Any], floor: float | None = None
) -> dict[str, Any]:
    """A live plot: the run so far, behind it the bands of the page's ensemble, over it the comparison's mean.

    Args:
        curves: The outcomes.
        snapshot: The run.
        y_axis: ECharts y axis.
        floor: Smallest value drawn (for a log axis).

    Returns:
        An ECharts option; the live lines have ids ``live-<column>`` (the page's legend lists them).
    """
    frame, years = snapshot.frame, _years(snapshot)
    series: list[dict[str, Any]] = []
    if snapshot.bands is not None:
        for curve in curves:
            low, high = (
                [_number(value, floor) for value in snapshot.bands.column(curve.column, statistic, years)]
                for statistic in ("ci_low", "ci_high")
            )
            series += _band(curve, low, high)
    for curve in curves:
        line = _line(curve.name, [_number(value, floor) for value in frame[curve.column]], curve.colour,
                     **curve.style)
        series.append({**line, "id": f"live-{curve.column}", "z": 3})
    if snapshot.overlay is not None:
        for curve in curves:
            mean = [_number(value, floor) for value in snapshot.overlay.column(curve.column, "mean", years)]
            line = _line(f"{curve.name}: {snapshot.overlay.label} (mean)", mean, curve.colour,
                         type="dashed", width=1.2, opacity=0.85)
            series.append({**line, "id": f"overlay-{curve.column}", "z": 2})
    return {
        "animation": False,
        "tooltip": {"trigger": "axis", "confine": True},
        "legend": {"show": False},
        "grid": {"left": 52, "right": 16, "top": 28, "bottom": 28},
        "xAxis": {"type": "category", "boundaryGap": False, "data": [str(year) for year in years]},
        "yAxis": y_axis,
        "series": series,
    }


def legend_items(option: dict[str, Any]) -> list[tuple[str, str, str | list[float]]]:
    """The live lines of a plot, for the legend the page draws under it.

    Args:
        option: A live plot's ECharts option.

    Returns:
        (name, colour, line type) of each live line.
    """
    return [
        (item["name"], item["lineStyle"]["color"], item["lineStyle"].get("type", "solid"))
        for item in option["series"] if str(item.get("id", "")).startswith("live-")
    ]


def shares_option(snapshot: Snapshot) -> dict[str, Any]:
    """Provider shares of second-wave partnership weight, with the leaders' combined share and controls.

    Args:
        snapshot: The run.

    Returns:
        An ECharts line-chart option.
    """
    frame = snapshot.frame
    latest = frame.iloc[-1]
    actors = list(snapshot.actors)
    ranked = sorted(actors, key=lambda code: (-float(latest[f"share_{code}"]), actors.index(code)))
    shown = [code for code in ranked[:TOP_PROVIDERS] if frame[f"share_{code}"].max() > 0]
    curves = [
        Curve("share_leaders", "Leaders combined", LEADERS_COLOUR, {"type": "dashed", "width": 3}),
        Curve("leader_stringency", "Leaders' controls", "#999", {"type": "dotted"}),
    ]
    curves += [
        Curve(f"share_{code}", code, country_style(code).colour, {"type": country_style(code).echarts_type()})
        for code in sorted(shown, key=actors.index)
    ]
    y_axis = {"type": "value", "min": 0, "max": 1, "name": "share", "nameGap": 8}
    return _plot(curves, snapshot, y_axis)


def capability_option(snapshot: Snapshot) -> dict[str, Any]:
    """Mean capability of leaders, providers and second-wave countries (log scale).

    Args:
        snapshot: The run.

    Returns:
        An ECharts line-chart option.
    """
    curves = [
        Curve(column, ROLE_LABELS[role], ROLE_COLOURS[role])
        for role, column in (
            ("leader", "capability_leaders"),
            ("provider", "capability_providers"),
            ("second_wave", "capability_second_wave"),
        )
    ]
    y_axis = {"type": "log", "name": "capability", "nameGap": 8, "logBase": 10}
    return _plot(curves, snapshot, y_axis, floor=LOG_FLOOR)


def dependence_option(snapshot: Snapshot) -> dict[str, Any]:
    """Second-wave dependence: mean portfolio concentration and the share built at home.

    Args:
        snapshot: The run.

    Returns:
        An ECharts line-chart option.
    """
    frame = snapshot.frame
    curves = [
        Curve("hhi_second_wave", "Portfolio HHI", "#8e44ad", {"width": 3}),
        Curve("domestic_share_second_wave", "Built at home", "#1e8449"),
        Curve("bloc_modularity", "Bloc modularity", "#7f8c8d", {"type": "dotted"}),
    ]
    low = min(0.0, math.floor(round(float(frame["bloc_modularity"].min()), 6) * 10.0) / 10.0)
    y_axis = {"type": "value", "min": low, "max": 1, "name": "index", "nameGap": 8}
    return _plot(curves, snapshot, y_axis)
