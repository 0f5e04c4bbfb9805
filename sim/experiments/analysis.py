"""Analysis of an experiment's results: tables and figures (``qgeo analyze DIR``).

Reads only the columns it needs from the Parquet parts written by
:mod:`sim.engine.execute` and writes, under ``DIR/analysis``:

- ``point_summary.csv``: mean, sd and 95% CI across replications of every
  final/mean outcome at every design point;
- ``explained.csv``: which inputs best explain each outcome, over all runs:
  standardized regression coefficients (SRC) and the linear model's R^2,
  Spearman rank correlations, and for grids the main-effect share of variance
  (eta squared: variance of the input's level means over total variance);
- grids: heatmaps of each outcome over two inputs and line plots of each
  outcome against one input, with 95% confidence bands across replications;
- Sobol' and Morris: ``sobol_indices.csv`` (S1, ST and their 95% intervals) or
  ``morris_indices.csv`` (mu*, its interval, sigma) with bar charts; outcomes
  are averaged over replications per design point before SALib's analysis, so
  the indices describe the expected outcome (replication noise is not an input);
  ``warnings.txt`` names every outcome whose indices are unstable (negative or
  wide intervals: the sample is too small);
- Latin hypercube: scatter plots of each outcome's point means against each input;
- any design: time series per design point with bands, for series outcomes
  (at most :data:`MAX_SERIES_LINES` points, spread over the range of outcomes).

Every figure is labelled and titled and saved as PNG and SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from scipy import stats

from sim.engine.plan import ID_COLUMNS
from sim.engine.store import ResultStore
from sim.inputs.design import morris_indices, sobol_indices
from sim.inputs.experiment import ExperimentSpec, OutcomeSpec, PlotSpec
from sim.model.parameters import PARAMETERS
from sim.output.palette import PALETTE
from sim.output.plots import FigureStyle, annotate, new_figure, plot_band, save_figure, styled
from sim.output.summary import is_share, outcome_bounds, summarize

MAX_SERIES_LINES = 8
"""Most design points drawn in one time-series figure."""
SOBOL_NEGATIVE = -0.05
"""An index below this is negative beyond noise: the sample is too small."""
SOBOL_WIDE = 0.1
"""A 95% interval half-width above this (in index units) is too wide to rank inputs."""
MORRIS_WIDE = 0.5
"""A mu* interval half-width above this fraction of mu* (for inputs with at least 10% of the
largest mu*) is too wide to rank inputs."""


@dataclass
class Analysis:
    """What :func:`analyze` wrote.

    Attributes:
        directory: The analysis directory.
        files: Files written (tables and figures).
        warnings: Warnings, also written to ``warnings.txt``.
    """

    directory: Path
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Context:
    store: ResultStore
    spec: ExperimentSpec
    inputs: list[dict[str, Any]]
    scenario: str
    directory: Path
    style: FigureStyle | None = None

    @property
    def names(self) -> list[str]:
        return [i["name"] for i in self.inputs]

    def label(self, name: str) -> str:
        return input_label(name, next(i for i in self.inputs if i["name"] == name)["label"])

    def short(self, name: str) -> str:
        return input_label(name, next(i for i in self.inputs if i["name"] == name)["label"], unit=False)

    def integer(self, name: str) -> bool:
        return bool(next(i for i in self.inputs if i["name"] == name)["integer"])

    def scalar_outcomes(self) -> list[OutcomeSpec]:
        return [o for o in self.spec.outcomes if o.stat != "series"]

    def series_outcomes(self) -> list[OutcomeSpec]:
        return [o for o in self.spec.outcomes if o.stat == "series"]


def input_label(name: str, doc: str = "", unit: bool = True) -> str:
    """How an input is described on axes: the parameter registry's name and unit, not its key path.

    Args:
        name: The input's key path (``params.dependence_weight``, ``countries.VNM.budget_usd``, ``steps``).
        doc: The input's meaning as validated (used for country and event inputs).
        unit: Whether to add the unit in brackets.

    Returns:
        E.g. ``"Dependence weight (log points per unit risk)"`` or ``"VNM budget (USD per year)"``.
    """
    field = name.removeprefix("params.")
    if field in PARAMETERS and (name.startswith("params.") or name == "steps"):
        text = "Horizon" if name == "steps" else field.removesuffix("_usd").replace("_", " ").capitalize()
        return f"{text} ({PARAMETERS[field].unit})" if unit else text
    if name.startswith("countries.") and doc:
        text = doc.replace("_usd", "").replace("_", " ")
        return text if unit else text.split(" (")[0]
    return (doc or name) if len(doc) < 60 else name


def percent_scale(outcome: OutcomeSpec) -> float:
    """Factor that puts an outcome on the run plots' scale: 100 for shares (shown in percent), else 1.

    Args:
        outcome: The outcome.

    Returns:
        100.0 or 1.0.
    """
    return 100.0 if is_share(outcome.metric) else 1.0


def outcome_label(outcome: OutcomeSpec) -> str:
    """How an outcome is described on axes and in titles (shares in percent, as in run plots).

    Args:
        outcome: The outcome.

    Returns:
        E.g. ``"share_RUS (%)"`` or ``"rus (mean share_RUS, 2030-2050) (%)"``.
    """
    if outcome.stat == "final":
        what = f"final {outcome.metric}"
    elif outcome.stat == "mean":
        window = f", {outcome.window[0]}-{outcome.window[1]}" if outcome.window else ""
        what = f"mean {outcome.metric}{window}"
    else:
        what = outcome.metric
    text = what if outcome.name == outcome.metric else f"{outcome.name} ({what})"
    return f"{text} (%)" if percent_scale(outcome) != 1.0 else text


@styled
def analyze(directory: str | Path, style: FigureStyle | None = None) -> Analysis:
    """``analyze(directory, style=None)``: tables and figures of an experiment's results.

    Reads the output directory of ``qgeo experiment`` (:func:`sim.engine.execute.run_experiment`) and
    writes ``directory/analysis``: what ``qgeo analyze`` does.

    Args:
        directory: Output directory of ``qgeo experiment``.
        style: Figure formats, resolution and size (default PNG and SVG at 150 dpi).

    Returns:
        The files written and the warnings.

    Raises:
        sim.inputs.experiment.ExperimentError: If the directory holds no experiment.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from sim.experiments.analysis import analyze
        >>> from sim.engine.execute import run_experiment
        >>> from sim.inputs.experiment import load_experiment
        >>> work = Path(tempfile.mkdtemp())
        >>> _ = (work / "tiny.toml").write_text('''
        ... name = "tiny"
        ... scenario = "baseline"
        ... seed = 1
        ... steps = 2
        ... replications = 2
        ... design = {type = "grid"}
        ... inputs = [{name = "params.dependence_weight", values = [1.0, 2.0]}]
        ... outcomes = [{name = "share_RUS", metric = "share_RUS"}]
        ... ''')
        >>> _ = run_experiment(load_experiment(work / "tiny.toml"), work / "tiny", progress=False)
        >>> report = analyze(work / "tiny")
        >>> sorted(path.suffix for path in report.files), report.warnings
        (['.csv', '.csv', '.png', '.svg'], [])
    """
    store = ResultStore(Path(directory))
    manifest = store.manifest()
    spec = ExperimentSpec.model_validate(manifest["experiment"]["spec"])
    context = _Context(store, spec, manifest["inputs"], manifest["scenario"]["resolved"]["name"],
                       store.root / "analysis", style)
    context.directory.mkdir(exist_ok=True)
    report = Analysis(context.directory)
    scalars = [o.name for o in context.scalar_outcomes()]
    runs = store.outcomes([*ID_COLUMNS, *context.names, *scalars])
    duplicates = store.duplicate_runs()
    if duplicates:
        report.warnings.append(f"{duplicates} stored runs are copies of runs stored before (two writers "
                               "of the directory at once?); each run is counted once")
    failures = store.failures()
    if not failures.empty:
        report.warnings.append(f"{len(failures)} runs failed and are left out (see failures.csv)")
    if runs.empty:
        report.warnings.append("no finished runs: nothing to analyse")
        _write_warnings(report)
        return report
    if scalars:
        report.files += _tables(context, runs)
    kind = spec.design.type
    if kind == "grid":
        report.files += _grid_figures(context, runs)
    elif kind == "lhs":
        report.files += _scatter_figures(context, runs)
    else:
        report.files += _sensitivity(context, runs, manifest, report.warnings)
    report.files += _series_figures(context)
    _write_warnings(report)
    return report


def _write_warnings(report: Analysis) -> None:
    path = report.directory / "warnings.txt"
    if report.warnings:
        path.write_text("\n".join(report.warnings) + "\n", encoding="utf-8")
        report.files.append(path)
    elif path.exists():
        path.unlink()


# --------------------------------------------------------------------------- tables
def _tables(context: _Context, runs: pd.DataFrame) -> list[Path]:
    scalars = [o.name for o in context.scalar_outcomes()]
    summary = summarize(runs, keys=["point", *context.names], outcomes=scalars)
    paths = [context.directory / "point_summary.csv", context.directory / "explained.csv"]
    summary.to_csv(paths[0], index=False)
    explained_table(runs, context.names, scalars, grid=context.spec.design.type == "grid").to_csv(
        paths[1], index=False)
    return paths


def explained_table(runs: pd.DataFrame, inputs: Sequence[str], outcomes: Sequence[str], *,
                    grid: bool) -> pd.DataFrame:
    """Which inputs best explain each outcome, over all runs.

    Args:
        runs: One row per run with input and outcome columns.
        inputs: Input columns.
        outcomes: Outcome columns.
        grid: Also compute each input's main-effect share of variance (grid designs).

    Returns:
        One row per outcome and input: ``src`` (standardized regression coefficient),
        ``r2_linear`` (R^2 of the linear model on all inputs), ``spearman_rho`` and
        ``spearman_p``, ``eta_squared`` (grids; NaN otherwise) and ``rank`` (1 = largest
        |src|, or largest eta squared for grids).
    """
    rows = []
    x = runs[list(inputs)].to_numpy(float)
    x_sd = x.std(axis=0)
    varied = x_sd > 0
    for outcome in outcomes:
        y = runs[outcome].to_numpy(float)
        ok = np.isfinite(y)
        src = np.full(len(inputs), np.nan)
        r2 = np.nan
        if ok.sum() > varied.sum() + 1 and y[ok].std() > 0:
            z = (x[ok][:, varied] - x[ok][:, varied].mean(axis=0)) / x_sd[varied]
            target = (y[ok] - y[ok].mean()) / y[ok].std()
            coefficients, *_ = np.linalg.lstsq(z, target, rcond=None)
            src[varied] = coefficients
            r2 = 1.0 - ((target - z @ coefficients) ** 2).mean()
        for column, name in enumerate(inputs):
            rho, p = (np.nan, np.nan)
            if varied[column] and y[ok].std() > 0:
                result = stats.spearmanr(x[ok, column], y[ok])
                rho, p = float(result.statistic), float(result.pvalue)
            eta = np.nan
            if grid and y[ok].var() > 0:
                means = runs.loc[ok, [name, outcome]].groupby(name)[outcome].transform("mean")
                eta = float(means.var(ddof=0) / y[ok].var())
            rows.append({"outcome": outcome, "input": name, "src": src[column], "r2_linear": r2,
                         "spearman_rho": rho, "spearman_p": p, "eta_squared": eta})
    table = pd.DataFrame(rows)
    key = table["eta_squared"] if grid else table["src"].abs()
    table["rank"] = key.groupby(table["outcome"]).rank(ascending=False, method="min")
    return table


# --------------------------------------------------------------------------- grids
def _grid_plots(context: _Context) -> list[PlotSpec]:
    """The plots of a grid: those of the file, or one heatmap and line plots per outcome."""
    declared = [p for p in context.spec.plots if p.kind in ("heatmap", "line")]
    if declared:
        return declared
    varied = [i["name"] for i in context.inputs if len(i["values"]) > 1]
    plots = []
    for outcome in context.scalar_outcomes():
        if len(varied) >= 2:
            plots.append(PlotSpec(kind="heatmap", outcome=outcome.name, x=varied[0], y=varied[1]))
        for x in varied:
            by = next((name for name in varied if name != x), None)
            plots.append(PlotSpec(kind="line", outcome=outcome.name, x=x, by=by))
    return plots


def _grid_figures(context: _Context, runs: pd.DataFrame) -> list[Path]:
    files: list[Path] = []
    replications = int(runs["replication"].nunique())
    for plot in _grid_plots(context):
        outcome = next(o for o in context.spec.outcomes if o.name == plot.outcome)
        if plot.kind == "heatmap":
            figure = heatmap_figure(context, runs, outcome, plot.x, plot.y, replications)
            name = f"heatmap_{outcome.name}__{_slug(plot.x)}__{_slug(plot.y)}"
        else:
            figure = line_figure(context, runs, outcome, plot.x, plot.by, replications)
            name = f"line_{outcome.name}__{_slug(plot.x)}" + (f"__by_{_slug(plot.by)}" if plot.by else "")
        files += save_figure(figure, context.directory, name, context.style)
    return files


@styled
def heatmap_figure(context: _Context, runs: pd.DataFrame, outcome: OutcomeSpec, x: str, y: str,
                   replications: int) -> Any:
    """Mean of an outcome over two grid inputs (other inputs averaged), values written in the cells.

    Args:
        context: The analysis context.
        runs: Outcomes of all runs.
        outcome: The outcome.
        x: Input on the horizontal axis.
        y: Input on the vertical axis.
        replications: Replications per design point.

    Returns:
        The figure.
    """
    table = runs.pivot_table(index=y, columns=x, values=outcome.name, aggfunc="mean").sort_index()
    table = table * percent_scale(outcome)
    figure, ax = new_figure(7.5, 5.5)
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
    ax.grid(False)
    spread = np.nanmax(table.to_numpy()) - np.nanmin(table.to_numpy())
    middle = np.nanmin(table.to_numpy()) + spread / 2
    for (row, column), value in np.ndenumerate(table.to_numpy()):
        ax.text(column, row, f"{value:.3g}", ha="center", va="center", fontsize=8,
                color="black" if value > middle else "white")
    figure.colorbar(image, ax=ax, label=outcome_label(outcome))
    ax.set_xlabel(context.label(x))
    ax.set_ylabel(context.label(y))
    others = [n for n in context.names if n not in (x, y)]
    what = "mean" + (f", averaged over {', '.join(others)}," if others else "")
    annotate(ax, f"{outcome_label(outcome)}\nby {context.short(x)} and {context.short(y)}", context.scenario,
             replications,
             what=what)
    return figure


@styled
def line_figure(context: _Context, runs: pd.DataFrame, outcome: OutcomeSpec, x: str, by: str | None,
                replications: int) -> Any:
    """An outcome against one input, one line per value of ``by``, with 95% bands across replications.

    Inputs other than ``x`` and ``by`` are averaged within each replication first, so the
    band is a confidence interval across replications.

    Args:
        context: The analysis context.
        runs: Outcomes of all runs.
        outcome: The outcome.
        x: Input on the horizontal axis.
        by: Input with one line per value, or None.
        replications: Replications per design point.

    Returns:
        The figure.
    """
    keys = [x, *([by] if by else []), "replication"]
    means = runs.groupby(keys, as_index=False)[outcome.name].mean()
    figure, ax = new_figure()
    groups = means.groupby(by) if by else [(None, means)]
    for index, (value, group) in enumerate(groups):
        label = f"{value:g}" if by else None
        plot_band(ax, group, x, outcome.name, label=label, color=PALETTE[index % len(PALETTE)], marker="o",
                  scale=percent_scale(outcome), bounds=outcome_bounds(outcome.metric))
    ax.set_xlabel(context.label(x))
    ax.set_ylabel(outcome_label(outcome))
    if by:
        ax.legend(title=context.label(by), loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    others = [n for n in context.names if n not in (x, by)]
    what = "mean and 95% CI" + (f" (averaged over {', '.join(map(context.short, others))})" if others else "")
    if context.integer(x):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    annotate(ax, f"{outcome_label(outcome)} against {context.short(x)}", context.scenario, replications,
             what=what)
    return figure


# --------------------------------------------------------------------------- Latin hypercube
def _scatter_figures(context: _Context, runs: pd.DataFrame) -> list[Path]:
    files: list[Path] = []
    scalars = [o.name for o in context.scalar_outcomes()]
    points = runs.groupby("point", as_index=False)[[*context.names, *scalars]].mean()
    replications = int(runs["replication"].nunique())
    for outcome in context.scalar_outcomes():
        figure, axes = _panels(len(context.names))
        for ax, name in zip(axes, context.names, strict=False):
            ax.scatter(points[name], points[outcome.name] * percent_scale(outcome), color=PALETTE[0], s=16,
                       alpha=0.8)
            ax.set_xlabel(context.label(name))
            if context.integer(name):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(outcome_label(outcome))
        figure.suptitle(f"{outcome_label(outcome)} across the Latin hypercube", fontsize=13,
                        fontweight="bold")
        axes[0].set_title(f"Scenario '{context.scenario}': mean over {replications} replications per design "
                          f"point ({len(points)} points)", fontsize=9.5, color="#444444", loc="left")
        files += save_figure(figure, context.directory, f"scatter_{outcome.name}", context.style)
    return files


def _panels(count: int) -> tuple[Any, list[Any]]:
    from matplotlib.figure import Figure

    columns = min(count, 3)
    rows = int(np.ceil(count / columns))
    figure = Figure(figsize=(5.0 * columns, 4.2 * rows + 0.6), layout="constrained")
    axes = [figure.add_subplot(rows, columns, k + 1) for k in range(count)]
    return figure, axes


# --------------------------------------------------------------------------- Sobol' and Morris
def _sensitivity(context: _Context, runs: pd.DataFrame, manifest: dict[str, Any],
                 warnings: list[str]) -> list[Path]:
    design = context.store.design()
    definition = manifest["design"]["problem"]
    n_points = manifest["design"]["n_points"]
    kind = context.spec.design.type
    tables, files = [], []
    replications = int(runs["replication"].nunique())
    for outcome in context.scalar_outcomes():
        means = runs.groupby("point")[outcome.name].mean().reindex(range(n_points))
        missing = int(means.isna().sum())
        if missing:
            warnings.append(f"{outcome.name}: {missing} of {n_points} design points have no finished run; "
                            f"{kind} indices need every point (re-run with --resume, or fix the failures)")
            continue
        if kind == "sobol":
            table = sobol_indices(definition, means.to_numpy(), calc_second_order=context.spec.design.
                                  calc_second_order, seed=context.spec.seed)
        else:
            raw = design[[f"raw:{name}" for name in context.names]].to_numpy()
            table = morris_indices(definition, raw, means.to_numpy(), levels=context.spec.design.levels,
                                   seed=context.spec.seed)
        warnings += stability_warnings(table, outcome.name, kind)
        tables.append(table.assign(outcome=outcome.name))
        figure = (sobol_figure if kind == "sobol" else morris_figure)(context, table, outcome, replications)
        files += save_figure(figure, context.directory, f"{kind}_{outcome.name}", context.style)
    if tables:
        path = context.directory / f"{kind}_indices.csv"
        combined = pd.concat(tables, ignore_index=True)
        combined[["outcome", *[c for c in combined.columns if c != "outcome"]]].to_csv(path, index=False)
        files.insert(0, path)
    return files


def stability_warnings(table: pd.DataFrame, outcome: str, kind: str) -> list[str]:
    """Warnings for indices too unstable to trust (the sample is too small).

    Sobol': an index below :data:`SOBOL_NEGATIVE`, or an interval half-width above
    :data:`SOBOL_WIDE`. Morris: an interval half-width above :data:`MORRIS_WIDE` times mu*
    for an input with at least 10% of the largest mu*.

    Args:
        table: Output of :func:`sim.inputs.design.sobol_indices` or :func:`sim.inputs.design.morris_indices`.
        outcome: Outcome name.
        kind: ``sobol`` or ``morris``.

    Returns:
        One message per problem found.
    """
    found = []
    advice = "the sample is too small for stable indices: increase design.samples"
    if kind == "sobol":
        for index in ("S1", "ST"):
            negative = table[table[index] < SOBOL_NEGATIVE]
            if len(negative):
                found.append(f"{outcome}: negative {index} for {', '.join(negative['input'])} "
                             f"(down to {negative[index].min():.2f}); {advice}")
            wide = table[table[f"{index}_conf"] > SOBOL_WIDE]
            if len(wide):
                widest = wide[f"{index}_conf"].max()
                found.append(f"{outcome}: wide 95% intervals of {index} (up to +/-{widest:.2f}) for "
                             f"{', '.join(wide['input'])}; {advice}")
    else:
        relevant = table[table["mu_star"] >= 0.1 * table["mu_star"].max()]
        wide = relevant[relevant["mu_star_conf"] > MORRIS_WIDE * relevant["mu_star"]]
        if len(wide) and table["mu_star"].max() > 0:
            found.append(f"{outcome}: wide 95% intervals of mu* (over {MORRIS_WIDE:.0%} of mu*) for "
                         f"{', '.join(wide['input'])}; {advice}")
    return found


@styled
def sobol_figure(context: _Context, table: pd.DataFrame, outcome: OutcomeSpec, replications: int) -> Any:
    """First-order and total Sobol' indices with 95% intervals, inputs sorted by total index.

    Args:
        context: The analysis context.
        table: Indices of one outcome.
        outcome: The outcome.
        replications: Replications averaged per design point.

    Returns:
        The figure.
    """
    table = table.sort_values("ST", ascending=True)
    figure, ax = new_figure(8.0, max(3.5, 0.55 * len(table) + 1.8))
    y = np.arange(len(table))
    ax.barh(y + 0.2, table["ST"], height=0.38, xerr=table["ST_conf"], color=PALETTE[1], capsize=3,
            label="Total (ST)")
    ax.barh(y - 0.2, table["S1"], height=0.38, xerr=table["S1_conf"], color=PALETTE[0], capsize=3,
            label="First order (S1)")
    ax.set_yticks(y, [context.label(name) for name in table["input"]])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Sobol' index of {outcome_label(outcome)} (share of variance; bars: 95% CI)")
    ax.legend(loc="lower right", frameon=False)
    annotate(ax, f"Sensitivity of {outcome_label(outcome)}", context.scenario, replications,
             what=f"Sobol' indices, N = {context.spec.design.samples}, outcome averaged")
    return figure


@styled
def morris_figure(context: _Context, table: pd.DataFrame, outcome: OutcomeSpec, replications: int) -> Any:
    """Morris mu* with 95% intervals (bars) and mu* against sigma (scatter).

    Args:
        context: The analysis context.
        table: Morris statistics of one outcome.
        outcome: The outcome.
        replications: Replications averaged per design point.

    Returns:
        The figure.
    """
    from matplotlib.figure import Figure

    table = table.sort_values("mu_star", ascending=True)
    figure = Figure(figsize=(12.0, max(4.0, 0.5 * len(table) + 2.0)), layout="constrained")
    bars, scatter = figure.subplots(1, 2)
    y = np.arange(len(table))
    bars.barh(y, table["mu_star"], xerr=table["mu_star_conf"], color=PALETTE[0], capsize=3)
    bars.set_yticks(y, [context.label(name) for name in table["input"]])
    bars.set_xlabel(f"mu* of {outcome.name} (mean |elementary effect|; bars: 95% CI)")
    scatter.scatter(table["mu_star"], table["sigma"], color=PALETTE[1])
    for row in table.itertuples():
        scatter.annotate(context.short(row.input), (row.mu_star, row.sigma), fontsize=7, xytext=(3, 3),
                         textcoords="offset points")
    scatter.set_xlabel("mu* (overall influence)")
    scatter.set_ylabel("sigma (non-linearity and interactions)")
    scatter.set_title("mu* against sigma", fontsize=10)
    annotate(bars, f"Morris screening of {outcome_label(outcome)}", context.scenario, replications,
             what=f"{context.spec.design.samples} trajectories, outcome averaged")
    return figure


# --------------------------------------------------------------------------- series
def _series_figures(context: _Context) -> list[Path]:
    outcomes = context.series_outcomes()
    if not outcomes:
        return []
    plots = [p for p in context.spec.plots if p.kind == "series"]
    wanted = [next(o for o in outcomes if o.name == p.outcome) for p in plots] if plots else outcomes
    plan = context.store.plan(["run", "point", "replication", *context.names])
    files: list[Path] = []
    for outcome in wanted:
        series = context.store.series(["run", "year", outcome.name])
        if series.empty:
            continue
        series = series.merge(plan, on="run")
        files += save_figure(series_figure(context, series, outcome), context.directory,
                             f"series_{outcome.name}", context.style)
    return files


@styled
def series_figure(context: _Context, series: pd.DataFrame, outcome: OutcomeSpec) -> Any:
    """A series outcome over time, one line with its 95% band per design point.

    At most :data:`MAX_SERIES_LINES` points are drawn: those whose final means are spread
    evenly over the range found (the smallest and the largest included).

    Args:
        context: The analysis context.
        series: Series of all runs, with ``point`` and the inputs.
        outcome: The outcome.

    Returns:
        The figure.
    """
    last = series[series["year"] == series["year"].max()].groupby("point")[outcome.name].mean().sort_values()
    chosen = last.index.to_numpy()
    if len(chosen) > MAX_SERIES_LINES:
        chosen = chosen[np.unique(np.linspace(0, len(chosen) - 1, MAX_SERIES_LINES).round().astype(int))]
    figure, ax = new_figure(9.0, 5.0)
    inputs = series.drop_duplicates("point").set_index("point")[context.names]
    for index, point in enumerate(chosen[::-1]):
        values = ", ".join(f"{context.short(n)} = {inputs.loc[point, n]:g}" for n in context.names)
        plot_band(ax, series[series["point"] == point], "year", outcome.name,
                  label=f"point {point}: {values}", color=PALETTE[index % len(PALETTE)],
                  scale=percent_scale(outcome), bounds=outcome_bounds(outcome.metric))
    ax.set_xlabel("Year")
    ax.set_ylabel(outcome_label(outcome))
    ax.legend(title="Design point (lines: mean; bands: 95% CI)", loc="upper left", bbox_to_anchor=(1.01, 1.0),
              frameon=False, fontsize=7.5)
    shown = f"{len(chosen)} of {series['point'].nunique()} design points"
    annotate(ax, f"{outcome_label(outcome)} over time", context.scenario,
             int(series["replication"].nunique()), what=f"{shown}, mean and 95% CI")
    return figure


def _slug(name: str | None) -> str:
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in str(name)).strip("_")
