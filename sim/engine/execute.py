"""Running an experiment: its plan on the engine, streamed into an experiment directory.

The experiment's plan (:func:`sim.engine.plan.experiment_plan`), the run kernels
(:mod:`sim.engine.runner`), the backends (:mod:`sim.engine.backends`), the store
(:class:`sim.engine.store.ResultStore`) and the session (:func:`sim.engine.session.run_session`) are
the same as a scenario run's; an experiment keeps a few outcomes per run instead of
the full tables. :func:`rerun` repeats any run alone with identical data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.backends import backend_for
from sim.engine.plan import Plan, base_scenario, experiment_plan
from sim.engine.runner import RunContext, plain, run_replication, run_scenario_of
from sim.engine.session import Summary, run_session
from sim.engine.store import ResultStore
from sim.inputs.design import build_design, check_size
from sim.inputs.experiment import Experiment, ExperimentError
from sim.inputs.posterior import Posterior


def context_for(experiment: Experiment, posterior: Posterior | None = None) -> RunContext:
    """The context shipped with every task of an experiment.

    Args:
        experiment: The experiment.
        posterior: Run replication ``r`` with posterior draw ``r`` (see :mod:`sim.inputs.posterior`).

    Returns:
        The context.
    """
    draws = () if posterior is None else tuple(posterior.draw(experiment.spec.replications,
                                                              experiment.spec.seed))
    return RunContext(base_scenario(experiment), tuple(experiment.spec.outcomes), experiment.inputs, draws)


def run_experiment(
    experiment: Experiment,
    out: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool | None = None,
    command: str | None = None,
    posterior: Posterior | None = None,
    allow_large: bool = False,
) -> Summary:
    """``run_experiment(experiment, out, *, workers=1, scheduler=None, resume=False)``: run an experiment.

    Runs (or resumes) every run of the experiment's plan, streaming results to ``out`` as chunks
    of runs finish (see :mod:`sim.engine.store`); a run that raises is recorded in ``failures.jsonl`` and
    the others go on. This is what ``qgeo experiment`` does before it analyses the results
    (:func:`sim.experiments.analysis.analyze`). An experiment of more than
    :data:`sim.inputs.design.MAX_RUNS` runs is refused before anything is built, unless ``allow_large``.

    Args:
        experiment: The validated experiment.
        out: Output directory.
        workers: Local processes (1: serial in this process); workers of a local Dask cluster.
        scheduler: Dask scheduler address, or ``"local"`` for a local cluster; None: no Dask.
        resume: Continue ``out``, running only the runs without stored outcomes.
        chunk_size: Runs per task (default: guided, see :func:`sim.engine.plan.chunked`).
        progress: Show a progress bar (default: when stderr is a terminal).
        command: Command line, for the manifest and the directory's lock file.
        posterior: Run replication ``r`` of every design point with posterior draw ``r``.
        allow_large: Run an experiment of any size (``--allow-large``).

    Returns:
        The session's summary.

    Raises:
        ExperimentError: If the experiment is too large and ``allow_large`` is off, or ``out`` cannot
            be used.
        KeyboardInterrupt: On Ctrl-C, after storing what finished (manifest status "interrupted").
        WorkerLost: If a local worker process died (manifest status "aborted").
        DirectoryLocked: If another process is writing ``out``.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
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
        >>> summary = run_experiment(load_experiment(work / "tiny.toml"), work / "tiny", progress=False)
        >>> summary.total, summary.done, summary.failed
        (4, 4, 0)
    """
    runs = check_size(experiment, allow_large)
    # The backend starts first: helper processes fork before this process starts threads.
    with backend_for(workers, scheduler, runs) as backend, ResultStore(Path(out)) as store:
        context = context_for(experiment, posterior)  # loads the base scenario once
        plan = store.open(experiment, context.scenario, resume, posterior, command)
        return run_session(context, plan, store, backend, name=experiment.name,
                           chunk_size=chunk_size, progress=progress, command=command)


def rerun(experiment: Experiment, run: int, *, collect_agents: bool = True,
          plan: Plan | None = None, draws: Sequence[Mapping[str, float]] | None = None,
          allow_large: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, Any]]:
    """Repeat one run of an experiment alone.

    Args:
        experiment: The experiment.
        run: The run's index.
        collect_agents: Also return per-country data.
        plan: The run plan (default: derived from the experiment; pass a stored plan to use it).
        draws: The posterior draws of the replications (as the manifest records them), or None.
        allow_large: Without ``plan``, build the design of an experiment of any size.

    Returns:
        ``(model_frame, agent_frame, plan_row)`` of the run: identical to what the experiment stored.

    Raises:
        ExperimentError: If ``run`` is not an index of the plan, or (without ``plan``) the experiment
            is too large and ``allow_large`` is off.
    """
    if plan is None:
        check_size(experiment, allow_large)
        plan = experiment_plan(experiment, build_design(experiment))
    if not 0 <= run < plan.size:
        raise ExperimentError(f"--only-run: expected a run index in 0-{plan.size - 1}, found {run}")
    row = plan.row(run)
    context = RunContext(base_scenario(experiment), inputs=experiment.inputs, draws=tuple(draws or ()))
    scenario, _ = run_scenario_of(context, row)
    model, agents = run_replication(scenario, int(row["seed"]), collect_agents=collect_agents,
                                    replication=int(row["replication"]))
    return model, agents, {key: plain(value) for key, value in row.items()}
