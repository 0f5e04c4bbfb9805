"""Publication-quality figures of a scenario run, with 95% confidence bands.

Generic helpers (:func:`plot_band`, :func:`new_figure`, :func:`annotate`,
:func:`save_figure`, :data:`PALETTE`) work on any tidy frame with one row per
replication and x value; the figure functions below draw a run's standard
plots from its saved data, and :func:`draw_run_plots` re-draws them all from a
run directory. Figures are built with :class:`matplotlib.figure.Figure`
directly (no pyplot state), so they work without a display and in worker
processes. Their look (:data:`RC_STYLE`: no top and right spines, a light grid, stable SVG
ids) is applied per figure by :func:`styled`, a ``matplotlib.rc_context`` around each
function that makes, draws or saves a figure, so importing this module leaves the
matplotlib settings of the user's session alone. Every country keeps its own colour and
dash (:func:`sim.output.palette.country_style`) in every figure of every run; groups and roles
use the Okabe-Ito palette. Both are safe for colour-blind readers. Bands of shares stay
inside [0, 1] (:func:`sim.output.summary.mean_ci`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.base.errors import UserError
from sim.output.palette import (
    LEADERS_COLOUR,
    OTHER_COLOUR,
    PALETTE,
    PEER_COLOUR,
    ROLE_COLOURS,
    ROLE_LABELS,
    country_style,
)
from sim.output.summary import mean_ci, outcome_bounds, too_few_replications

DOMESTIC_COLOUR = "#DDDDDD"
LOG_SCALE_SPAN = 100.0
"""Use a log axis when the largest positive value exceeds the smallest by this factor."""
MAX_PROVIDER_LINES = 6
MIN_PROVIDER_SHARE = 0.005
"""Providers whose mean share never reaches this are left out of the share figures."""
MIN_RELIANCE = 0.02
"""A partner with at least this mean weight in some second-wave portfolio gets its own bar segment."""
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
"""Formats figures can be saved in."""
LEADERS_LABEL = "Leaders (USA + CHN)"
"""The fixed group ``share_USA_CHN``: the data's two leaders, whoever is promoted later."""


class FigureOptionError(UserError, ValueError):
    """A figure option (format, size, resolution) that is not valid."""


@dataclass(frozen=True)
class FigureStyle:
    """How figures are saved.

    Attributes:
        formats: File formats, each one of :data:`FORMATS`.
        dpi: Resolution of raster output (PNG), dots per inch.
        size: ``(width, height)`` in inches for every figure, or None for each figure's own size.
    """

    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = 150
    size: tuple[float, float] | None = None

    @classmethod
    def parse(cls, formats: str = "png,svg", dpi: int = 150, size: str | None = None) -> FigureStyle:
        """Build a style from command-line text, checking every value.

        Args:
            formats: Comma-separated formats, e.g. ``"png,pdf"``.
            dpi: Resolution, 30 to 1200.
            size: ``"WIDTHxHEIGHT"`` in inches, e.g. ``"6.5x4"``, or None.

        Returns:
            The style.

        Raises:
            FigureOptionError: Naming the option, what was expected and what was found.
        """
        chosen = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in formats.split(",") if f.strip()))
        unknown = [f for f in chosen if f not in FORMATS]
        if unknown or not chosen:
            raise FigureOptionError(f"--format: expected a comma-separated list of {', '.join(FORMATS)}, "
                                    f"found {formats!r}")
        if not 30 <= dpi <= 1200:
            raise FigureOptionError(f"--dpi: expected a resolution from 30 to 1200 dots per inch, "
                                    f"found {dpi}")
        parsed = None
        if size is not None:
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[xX]\s*(\d+(?:\.\d+)?)\s*", size)
            parsed = (float(match[1]), float(match[2])) if match else None
            if parsed is None or not all(1.0 <= v <= 40.0 for v in parsed):
                raise FigureOptionError(f"--size: expected WIDTHxHEIGHT in inches, each from 1 to 40 "
                                        f"(e.g. 6.5x4), found {size!r}")
        return cls(chosen, dpi, parsed)

RC_STYLE: dict[str, object] = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "svg.hashsalt": "qgeo",  # stable SVG ids
}
"""matplotlib settings of every qgeo figure, applied by :func:`styled` (never to ``matplotlib.rcParams``)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


def styled(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``function`` with :data:`RC_STYLE` in force (``matplotlib.rc_context``).

    matplotlib reads its settings when a figure's parts are made (axes, spines, ticks, grid
    lines, some at drawing time) and when it is saved, so every function that makes, draws
    on or saves a figure carries this decorator; nested calls are harmless. On return the
    settings are what they were before the call.

    Args:
        function: A function that makes, draws on or saves figures.

    Returns:
        The function, run inside the style context.
    """

    @functools.wraps(function)
    def in_style(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with matplotlib.rc_context(RC_STYLE):
            return function(*args, **kwargs)

    return in_style


def plot_band(
    ax: Axes,
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    label: str | None = None,
    color: str | None = None,
    level: float = 0.95,
    scale: float = 1.0,
    band_alpha: float = 0.2,
    bounds: tuple[float, float] | None = None,
    **line_kwargs,
) -> Line2D:
    """Draw the mean of ``y`` per ``x`` across replications, with a t-based confidence band.

    The band of a bounded outcome (``bounds``, by default :func:`sim.output.summary.outcome_bounds` of
    ``y``) is clipped to its bounds.

    Args:
        ax: The axes.
        frame: Tidy data with one row per replication (or run) and value of ``x``.
        x: Column on the horizontal axis.
        y: Column to summarise.
        label: Legend label of the line.
        color: Line and band colour (default: the axes' next colour).
        level: Confidence level of the band.
        scale: Factor applied to ``y`` (e.g. 100 for percent).
        band_alpha: Opacity of the band.
        bounds: ``(low, high)`` of the values (before ``scale``), or None for :func:`outcome_bounds`.
        **line_kwargs: Passed to :meth:`Axes.plot` (e.g. ``linestyle``).

    Returns:
        The mean line.
    """
    table = mean_ci(frame.groupby(x)[y], level=level, bounds=bounds or outcome_bounds(y))
    xs = table.index.to_numpy()
    (line,) = ax.plot(xs, table["mean"] * scale, label=label, color=color, linewidth=2, **line_kwargs)
    ax.fill_between(
        xs, table["ci_low"] * scale, table["ci_high"] * scale, color=line.get_color(),
        alpha=band_alpha, linewidth=0,
    )
    return line


@styled
def new_figure(width: float = 8.0, height: float = 4.8) -> tuple[Figure, Axes]:
    """A figure with one axes, sized for a page.

    Args:
        width: Width in inches.
        height: Height in inches.

    Returns:
        The figure and its axes.
    """
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def annotate(ax: Axes, title: str, scenario: str, replications: int, what: str = "mean and 95% CI") -> None:
    """Title an axes and name the scenario and the number of replications under the title.

    Args:
        ax: The axes.
        title: The figure's title.
        scenario: The scenario's name.
        replications: Number of replications summarised.
        what: What the figure shows of them.
    """
    ax.figure.suptitle(title, fontsize=13, fontweight="bold")
    warning = too_few_replications(replications)
    ax.set_title(f"Scenario '{scenario}': {what} over {replications} "
                 f"replication{'s' if replications != 1 else ''}"
                 + (f"\nWarning: {warning.split(' (')[0]}" if warning else ""), fontsize=9.5,
                 color="#444444" if warning is None else "#B00000")


METADATA: dict[str, dict[str, None]] = {"png": {"Software": None}, "svg": {"Date": None},
                                         "pdf": {"CreationDate": None, "ModDate": None}}
"""Metadata left out of each format, so the same figure gives the same file."""


@styled
def save_figure(figure: Figure, directory: Path, name: str, style: FigureStyle | None = None) -> list[Path]:
    """Save a figure in the style's formats (default PNG at 150 dpi and SVG).

    Args:
        figure: The figure.
        directory: Output directory (created if needed).
        name: File name without extension.
        style: Formats, resolution and size (default :class:`FigureStyle`).

    Returns:
        The written paths.

    Raises:
        FigureOptionError: If the directory cannot be created.
    """
    style = style or FigureStyle()
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FigureOptionError(f"{directory}: cannot create the directory for figures "
                                f"({error.strerror})") from None
    if style.size is not None:
        figure.set_size_inches(*style.size)
    paths = []
    for fmt in style.formats:
        path = directory / f"{name}.{fmt}"
        try:
            figure.savefig(path, dpi=style.dpi, metadata=METADATA[fmt])
        except OSError as error:  # a full disk, say: no half figure, and the error names it
            path.unlink(missing_ok=True)
            raise OSError(error.errno, error.strerror, str(path)) from error
        paths.append(path)
    return paths


def use_log_scale(values: Sequence[float] | np.ndarray) -> bool:
    """Whether positive values span enough decades to need a log axis.

    Args:
        values: The values to show.

    Returns:
        True if the largest positive value is at least :data:`LOG_SCALE_SPAN` times the smallest.
    """
    positive = np.asarray(values, dtype=float)
    positive = positive[np.isfinite(positive) & (positive > 0)]
    return positive.size > 0 and positive.max() / positive.min() >= LOG_SCALE_SPAN


# --------------------------------------------------------------------------- run figures
def provider_ranking(model_data: pd.DataFrame) -> list[str]:
    """Providers and leaders ranked by mean share of second-wave partnership weight in the last year.

    Ties in the last year are broken by mean share over all years; countries with no share
    reaching :data:`MIN_PROVIDER_SHARE` in any year are left out.

    Args:
        model_data: Model-level data of all replications.

    Returns:
        ISO3 codes, largest share first.
    """
    columns = [c for c in model_data.columns if re.fullmatch(r"share_[A-Z]{3}", c)]  # not the group shares
    means = model_data.groupby("step")[columns].mean()
    last, overall, peak = means.iloc[-1], means.mean(), means.max()
    order = sorted(columns, key=lambda c: (-last[c], -overall[c], c))
    return [c.removeprefix("share_") for c in order if peak[c] >= MIN_PROVIDER_SHARE]


def promotions(agents: pd.DataFrame | None) -> dict[str, tuple[int, int]]:
    """Countries promoted to leader during a run (a provider of the data whose capability caught up).

    Args:
        agents: Agent-level data of all replications, or None.

    Returns:
        ISO3 -> (earliest year it is a leader in any replication, number of replications in which
        it is promoted), for countries that are not leaders at the start.
    """
    if agents is None or agents.empty:
        return {}
    start = agents[agents["step"] == agents["step"].min()]
    initial = set(start.loc[start["role"] == "leader", "iso3"])
    later = agents[(agents["role"] == "leader") & ~agents["iso3"].isin(initial)]
    grouped = later.groupby("iso3").agg(year=("year", "min"), runs=("replication", "nunique"))
    return {str(code): (int(row.year), int(row.runs)) for code, row in grouped.iterrows()}


def country_label(code: str, promoted: dict[str, tuple[int, int]], replications: int) -> str:
    """A country's legend entry: its code, and when it is promoted to leader.

    Args:
        code: ISO3 code.
        promoted: From :func:`promotions`.
        replications: Replications of the run.

    Returns:
        E.g. ``"KOR"`` or ``"KOR (leader from 2041 in 3 of 10 runs)"``.
    """
    if code not in promoted:
        return code
    year, count = promoted[code]
    return f"{code} (leader from {year} in {count} of {replications} runs)"


@styled
def figure_provider_shares(
    model_data: pd.DataFrame, scenario: str, agents: pd.DataFrame | None = None
) -> Figure:
    """Shares of second-wave partnership weight over time: top providers and the leaders.

    "Leaders (USA + CHN)" is the fixed group of the data's two leaders (``share_USA_CHN``).
    When a provider is promoted to leader in some replication, the share of every current
    leader (``share_leaders``) is drawn too, and the country's legend entry says from when;
    the share of second-wave countries promoted to provider is drawn when it is ever positive.

    Args:
        model_data: Model-level data of all replications.
        scenario: Scenario name.
        agents: Agent-level data (to name promoted countries), or None.

    Returns:
        The figure.
    """
    figure, ax = new_figure()
    replications = model_data["replication"].nunique()
    fixed = "share_USA_CHN" in model_data  # runs written before model v2 only have the current leaders
    plot_band(ax, model_data, "year", "share_USA_CHN" if fixed else "share_leaders",
              label=LEADERS_LABEL if fixed else "Leaders", color=LEADERS_COLOUR, scale=100,
              linestyle="--")
    promoted = promotions(agents)
    if fixed and promoted:
        names = "; ".join(f"{code} from {year}, {runs} of {replications} runs"
                          for code, (year, runs) in sorted(promoted.items()))
        plot_band(ax, model_data, "year", "share_leaders", label=f"All leaders, incl. promoted\n{names}",
                  color=LEADERS_COLOUR, scale=100, linestyle=":", band_alpha=0.1)
    if "share_promoted" in model_data and model_data["share_promoted"].max() > 0:
        plot_band(ax, model_data, "year", "share_promoted", label="Second wave promoted to provider",
                  color=OTHER_COLOUR, scale=100, linestyle="-.")
    for code in provider_ranking(model_data)[:MAX_PROVIDER_LINES]:
        style = country_style(code)
        plot_band(ax, model_data, "year", f"share_{code}", label=country_label(code, promoted, replications),
                  color=style.colour, linestyle=style.linestyle, scale=100)
    ax.set_xlabel("Year")
    ax.set_ylabel("Share of second-wave partnership weight (%)")
    ax.set_ylim(bottom=0)
    ax.legend(title="Partner", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    annotate(ax, "Provider shares of second-wave partnerships", scenario, replications)
    if promoted:
        ax.text(0.0, -0.16, "A provider is promoted to leader when its capability reaches the weakest "
                "leader of the data.", transform=ax.transAxes, fontsize=8, color="#444444")
    return figure


@styled
def figure_capability(model_data: pd.DataFrame, scenario: str) -> Figure:
    """Mean capability of leaders, providers and second-wave countries over time.

    Args:
        model_data: Model-level data of all replications.
        scenario: Scenario name.

    Returns:
        The figure.
    """
    figure, ax = new_figure()
    groups = {"capability_leaders": "Leaders", "capability_providers": "Providers",
              "capability_second_wave": "Second wave"}
    colours = {"capability_leaders": ROLE_COLOURS["leader"], "capability_providers": ROLE_COLOURS["provider"],
               "capability_second_wave": ROLE_COLOURS["second_wave"]}
    for column, label in groups.items():
        plot_band(ax, model_data, "year", column, label=label, color=colours[column])
    log = use_log_scale(model_data[list(groups)].to_numpy().ravel())
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("Year")
    ax.set_ylabel("Mean capability (knowledge-stock units" + (", log scale)" if log else ")"))
    ax.legend(title="Group", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    annotate(ax, "Quantum capability by group", scenario, model_data["replication"].nunique())
    return figure


@styled
def figure_dependence(model_data: pd.DataFrame, scenario: str) -> Figure:
    """Second-wave portfolio concentration (Herfindahl-Hirschman index) over time.

    Args:
        model_data: Model-level data of all replications.
        scenario: Scenario name.

    Returns:
        The figure.
    """
    figure, ax = new_figure(7.0, 4.5)
    plot_band(ax, model_data, "year", "hhi_second_wave", label="Mean HHI of second-wave portfolios",
              color=PALETTE[0])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Year")
    ax.set_ylabel("Portfolio HHI (index 0-1; 1 = a single partner)")
    annotate(ax, "Second-wave dependence on partners", scenario, model_data["replication"].nunique())
    return figure


def shell_layout(nodes: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """A stable layout by role: leaders inside, providers in the middle ring, second wave outside.

    Within a ring, countries are ordered by bloc and then by their order in the data, so the
    layout depends only on the data, not on the run.

    Args:
        nodes: One row per country with columns ``iso3``, ``role`` and optionally ``bloc``, in data order.

    Returns:
        ISO3 -> (x, y).
    """
    positions: dict[str, tuple[float, float]] = {}
    radii = {"leader": 0.25, "provider": 0.62, "second_wave": 1.0}
    for role, radius in radii.items():
        ring = nodes[nodes["role"] == role]
        if "bloc" in ring:
            ring = ring.assign(_order=range(len(ring))).sort_values(["bloc", "_order"], kind="stable")
        codes = ring["iso3"].tolist()
        offset = np.pi / 2 if role != "leader" else 0.0
        for k, code in enumerate(codes):
            angle = offset + 2 * np.pi * k / max(len(codes), 1)
            positions[code] = (radius * np.cos(angle), radius * np.sin(angle))
    return positions


@styled
def figure_network(agents: pd.DataFrame, edges: pd.DataFrame, scenario: str, replication: int = 0) -> Figure:
    """The partnership network in the final year of one replication.

    Args:
        agents: Agent-level data (at least the chosen replication).
        edges: Partnership data (at least the chosen replication).
        scenario: Scenario name.
        replication: Which replication to draw.

    Returns:
        The figure.
    """
    nodes = agents[(agents["replication"] == replication)]
    final = int(nodes["step"].max())
    nodes = nodes[nodes["step"] == final]
    year = int(nodes["year"].iloc[0])
    links = edges[(edges["replication"] == replication) & (edges["step"] == final) & (edges["weight"] > 0)]
    kinds = links["kind"] if "kind" in links else pd.Series("commercial", index=links.index)
    graph = nx.DiGraph()
    for row in nodes.itertuples():
        graph.add_node(row.iso3, role=row.role, capability=row.capability)
    commercial = links[kinds == "commercial"]
    graph.add_weighted_edges_from(commercial[["provider", "receiver", "weight"]].itertuples(index=False))
    peers = nx.Graph()
    peers.add_nodes_from(graph.nodes)
    peers.add_edges_from(links.loc[kinds != "commercial", ["provider", "receiver"]].itertuples(index=False))
    initial = agents[(agents["replication"] == replication) & (agents["step"] == 0)]
    positions = shell_layout(initial)
    initial_receivers = set(initial.loc[initial["role"] == "second_wave", "iso3"])

    figure = Figure(figsize=(8.5, 8.0), layout="constrained")
    ax = figure.add_subplot()
    capability = np.array([graph.nodes[n]["capability"] for n in graph.nodes])
    sizes = 60 + 1400 * np.sqrt(np.clip(capability, 0, None) / max(capability.max(), 1e-12))
    widths = [0.4 + 3.0 * graph.edges[e]["weight"] for e in graph.edges]
    nx.draw_networkx_edges(graph, positions, ax=ax, width=widths, edge_color="#555555", alpha=0.45,
                           arrows=True, arrowstyle="-|>", arrowsize=8, node_size=sizes,
                           connectionstyle="arc3,rad=0.08")
    nx.draw_networkx_edges(peers, positions, ax=ax, width=1.2, edge_color=PEER_COLOUR, alpha=0.6, style="--")
    nx.draw_networkx_nodes(graph, positions, ax=ax, node_size=sizes, linewidths=0.6, edgecolors="white",
                           node_color=[ROLE_COLOURS.get(graph.nodes[n]["role"], OTHER_COLOUR)
                                       for n in graph.nodes])
    inner = {n: n for n in graph.nodes if n not in initial_receivers}
    nx.draw_networkx_labels(graph, positions, labels=inner, ax=ax, font_size=7)
    for code in initial_receivers:  # outer ring: labels just outside the node
        x, y = positions[code]
        ax.text(x * 1.09, y * 1.09, code, ha="center", va="center", fontsize=7)
    ax.set_axis_off()
    ax.set_aspect("equal")
    handles = [Patch(color=colour, label=ROLE_LABELS[role]) for role, colour in ROLE_COLOURS.items()]
    handles.append(Line2D([], [], color="#555555", linewidth=3.4,
                          label="Commercial partnership (width = buyer's portfolio weight)"))
    handles.append(Line2D([], [], color=PEER_COLOUR, linewidth=1.2, linestyle="--",
                          label="Science exchange or joint programme (signed)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(-0.02, 0.02), frameon=False, fontsize=8)
    note = (f"Colour: role in {year}; rings: role at the start.\n"
            "Node area grows with capability (knowledge-stock units).\n"
            "Arrows point from seller to second-wave buyer.")
    ax.text(1.02, 0.0, note, transform=ax.transAxes, ha="right", va="top", fontsize=7.5, color="#444444")
    figure.suptitle(f"Partnership network in {year}", fontsize=13, fontweight="bold")
    ax.set_title(f"Scenario '{scenario}': replication {replication} of "
                 f"{agents['replication'].nunique()}, {graph.number_of_edges()} commercial and "
                 f"{peers.number_of_edges()} actor partnerships",
                 fontsize=9.5, color="#444444")
    return figure


def reliance_table(agents: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """Mean final-year portfolio weight of each second-wave country on each provider.

    Second-wave countries are those with that role at the start. Weights are averaged over
    replications (a missing partnership counts as 0); ``domestic`` is the mean domestic share.

    Args:
        agents: Agent-level data of all replications.
        edges: Partnership data of all replications.

    Returns:
        Rows = second-wave ISO3 codes, columns = provider ISO3 codes and ``domestic``.
    """
    replications = agents["replication"].nunique()
    final = agents["step"].max()
    receivers = agents[(agents["step"] == 0) & (agents["role"] == "second_wave")]["iso3"].unique()
    links = edges[(edges["step"] == final) & edges["receiver"].isin(receivers)]
    table = links.pivot_table(index="receiver", columns="provider", values="weight", aggfunc="sum",
                              fill_value=0.0) / replications
    table = table.reindex(index=receivers, fill_value=0.0)
    last = agents[(agents["step"] == final) & agents["iso3"].isin(receivers)]
    table["domestic"] = last.groupby("iso3")["domestic_share"].mean().reindex(receivers)
    table.index.name = "iso3"
    table.columns.name = None
    return table


@styled
def figure_reliance(
    agents: pd.DataFrame, edges: pd.DataFrame, model_data: pd.DataFrame, scenario: str
) -> Figure:
    """Ranked stacked bars: on whom each second-wave country relies in the final year.

    Args:
        agents: Agent-level data of all replications.
        edges: Partnership data of all replications.
        model_data: Model-level data (for the provider ranking and colours).
        scenario: Scenario name.

    Returns:
        The figure.
    """
    table = reliance_table(agents, edges)
    providers = [c for c in table.columns if c != "domestic"]
    ranking = provider_ranking(model_data)
    leaders = set(agents.loc[(agents["step"] == 0) & (agents["role"] == "leader"), "iso3"])
    own = [c for c in providers if table[c].max() >= MIN_RELIANCE or (c in leaders and table[c].max() > 0)]
    own.sort(key=lambda c: (-table[c].sum(), ranking.index(c) if c in ranking else len(ranking), c))
    main = table[providers].idxmax(axis=1) if providers else pd.Series("", index=table.index)
    top = table[providers].max(axis=1) if providers else pd.Series(0.0, index=table.index)
    order = sorted(table.index, key=lambda c: (-top[c], c))
    table = table.loc[order[::-1]]
    stacks = [(code, [code], country_style(code).colour, country_style(code).hatch) for code in own]
    others = [c for c in providers if c not in own]
    if others:
        stacks.append(("Other providers", others, OTHER_COLOUR, ""))
    stacks.append(("Domestic (build at home)", ["domestic"], DOMESTIC_COLOUR, ""))

    figure, ax = new_figure(8.5, max(4.0, 0.27 * len(table) + 1.6))
    left = np.zeros(len(table))
    for label, columns, colour, hatch in stacks:
        values = table[columns].sum(axis=1).to_numpy()
        ax.barh(table.index, values, left=left, color=colour, label=label, height=0.75, hatch=hatch,
                edgecolor="white", linewidth=0.4)
        left += values
    for y, code in enumerate(table.index):
        if top[code] > 0:
            ax.text(min(left[y], 1.0) + 0.01, y, f"{main[code]} {top[code]:.0%}", va="center", fontsize=7.5)
    ax.set_xlim(0, 1.15)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize=8)
    year = int(agents["year"].max())
    ax.set_xlabel(f"Mean share of the country's partnership portfolio in {year} (%)")
    ax.set_ylabel("Second-wave country (ISO3)")
    ax.legend(title="Partner", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8.5,
              ncols=2 if len(stacks) > 14 else 1)
    annotate(ax, "Whom second-wave countries rely on", scenario, agents["replication"].nunique(),
             what="mean final-year weight (label: main partner)")
    return figure


@styled
def draw_run_plots(
    model_data: pd.DataFrame,
    agents: pd.DataFrame,
    edges: pd.DataFrame,
    scenario: str,
    directory: Path,
    style: FigureStyle | None = None,
) -> list[Path]:
    """Draw and save every standard figure of a run.

    Args:
        model_data: Model-level data of all replications.
        agents: Agent-level data of all replications.
        edges: Partnership data of all replications.
        scenario: Scenario name.
        directory: Where to write the files.
        style: Formats, resolution and size (default PNG and SVG at 150 dpi).

    Returns:
        The written files.
    """
    figures = {
        "provider_shares": figure_provider_shares(model_data, scenario, agents),
        "capability": figure_capability(model_data, scenario),
        "dependence_hhi": figure_dependence(model_data, scenario),
        "network": figure_network(agents, edges, scenario, replication=int(agents["replication"].min())),
        "reliance": figure_reliance(agents, edges, model_data, scenario),
    }
    written: list[Path] = []
    for name, figure in figures.items():
        written += save_figure(figure, directory, name, style)
    return written
