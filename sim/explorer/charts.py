"""ECharts options for the explorer: the partnership network and the live time-series plots.

Each function turns a :class:`sim.explorer.session.Snapshot` into a plain dict
that :func:`solara.FigureEcharts` draws in the browser (hover tooltips, click to
select a country). Nothing here touches the model.
"""

from __future__ import annotations

import html
import math
from typing import Any

from sim.explorer.session import LAYOUT_ASPECT, CountryView, Snapshot
from sim.palette import LEADERS_COLOUR, PEER_COLOUR, ROLE_COLOURS, ROLE_LABELS, country_style

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
            "top": 44,
            "bottom": 34,
            "left": "center",
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


def _years_axis(snapshot: Snapshot) -> dict[str, Any]:
    """Category axis over the whole horizon, so the lines grow from left to right as the run goes."""
    years = range(snapshot.base_year, snapshot.base_year + snapshot.horizon + 1)
    return {"type": "category", "boundaryGap": False, "data": [str(year) for year in years]}


def _line(name: str, values: list[float], color: str, **style: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "line",
        "showSymbol": False,
        "data": [float(f"{float(value):.6g}") for value in values],
        "itemStyle": {"color": color},
        "lineStyle": {"color": color, "width": 2, **style},
    }


def _plot(
    title: str, series: list[dict[str, Any]], snapshot: Snapshot, y_axis: dict[str, Any]
) -> dict[str, Any]:
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0, "itemWidth": 16, "itemGap": 6, "textStyle": {"fontSize": 11}},
        "grid": {"left": 52, "right": 16, "top": 36, "bottom": 28 + 20 * math.ceil(len(series) / 3)},
        "xAxis": _years_axis(snapshot),
        "yAxis": y_axis,
        "series": series,
    }


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
    series = [
        _line("Leaders combined", list(frame["share_leaders"]), LEADERS_COLOUR, type="dashed", width=3),
        _line("Leaders' controls", list(frame["leader_stringency"]), "#999", type="dotted"),
    ]
    series += [
        _line(code, list(frame[f"share_{code}"]), country_style(code).colour,
              type=country_style(code).echarts_type())
        for code in sorted(shown, key=actors.index)
    ]
    y_axis = {"type": "value", "min": 0, "max": 1, "name": "share", "nameGap": 8}
    return _plot("Provider shares of second-wave partnerships", series, snapshot, y_axis)


def capability_option(snapshot: Snapshot) -> dict[str, Any]:
    """Mean capability of leaders, providers and second-wave countries (log scale).

    Args:
        snapshot: The run.

    Returns:
        An ECharts line-chart option.
    """
    frame = snapshot.frame
    series = [
        _line(ROLE_LABELS[role], list(frame[column].clip(lower=1e-6)), ROLE_COLOURS[role])
        for role, column in (
            ("leader", "capability_leaders"),
            ("provider", "capability_providers"),
            ("second_wave", "capability_second_wave"),
        )
    ]
    y_axis = {"type": "log", "name": "capability", "nameGap": 8, "logBase": 10}
    return _plot("Capability by group (mean)", series, snapshot, y_axis)


def dependence_option(snapshot: Snapshot) -> dict[str, Any]:
    """Second-wave dependence: mean portfolio concentration and the share built at home.

    Args:
        snapshot: The run.

    Returns:
        An ECharts line-chart option.
    """
    frame = snapshot.frame
    series = [
        _line("Portfolio HHI", list(frame["hhi_second_wave"]), "#8e44ad", width=3),
        _line("Built at home", list(frame["domestic_share_second_wave"]), "#1e8449"),
        _line("Bloc modularity", list(frame["bloc_modularity"]), "#7f8c8d", type="dotted"),
    ]
    low = min(0.0, math.floor(round(float(frame["bloc_modularity"].min()), 6) * 10.0) / 10.0)
    y_axis = {"type": "value", "min": low, "max": 1, "name": "index", "nameGap": 8}
    return _plot("Second-wave dependence", series, snapshot, y_axis)
