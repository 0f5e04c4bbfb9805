"""No import-time side effects: ``--help`` imports no heavy library, ``import sim`` is cheap, figure styles
are local.

The timing target (``qgeo --help`` at most 3x a bare interpreter's start) is measured by
``benchmarks/bench_startup.py``; these tests check its cause, without timing: which
modules are imported, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import sim
from sim.cli.qgeo import COMMAND_MODULES

HEAVY: tuple[str, ...] = (
    "numpy", "pandas", "mesa", "matplotlib", "scipy", "dask", "distributed", "solara", "pyarrow",
    "networkx", "pydantic", "numba", "pyabc", "SALib",
)
"""Libraries that the command line must not import to build its parser or print a help."""


def imported_after(code: str) -> dict[str, object]:
    """Run ``code`` in a new interpreter and return which heavy libraries and sim modules it imported."""
    probe = textwrap.dedent(f"""
        import json, sys
        {textwrap.indent(textwrap.dedent(code), '        ').strip()}
        print(json.dumps({{"heavy": sorted(m for m in {HEAVY!r} if m in sys.modules),
                          "sim": sorted(m for m in sys.modules if m == "sim" or m.startswith("sim."))}}))
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.splitlines()[-1])


def test_import_sim_imports_no_heavy_library():
    found = imported_after("import sim")
    assert found["heavy"] == []
    assert found["sim"] == ["sim"]


def test_building_the_parser_imports_no_heavy_library():
    found = imported_after("import sim.cli.qgeo\nsim.cli.qgeo.build_parser()")
    assert found["heavy"] == [], f"the command line's parser imports {found['heavy']}"
    assert "sim.model.quantum_world" not in found["sim"] and "sim.inputs.scenario" not in found["sim"]


def test_every_help_imports_no_heavy_library():
    code = f"""
        import contextlib, io
        from sim.cli import main
        for argv in [["--help"], *([name, "--help"] for name in {list(COMMAND_MODULES)!r})]:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                try:
                    main(argv)
                except SystemExit as stop:
                    assert stop.code == 0, (argv, stop.code)
            assert "usage: qgeo" in out.getvalue(), argv
    """
    assert imported_after(code)["heavy"] == []


def test_version_imports_no_heavy_library():
    code = """
        import contextlib, io
        from sim.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as out:
            try:
                main(["--version"])
            except SystemExit as stop:
                assert stop.code == 0
        assert out.getvalue().startswith("qgeo "), out.getvalue()
    """
    assert imported_after(code)["heavy"] == []


def test_the_public_names_import_on_first_use():
    found = imported_after("from sim import QuantumWorld, agent_frame, model_frame, partnership_graph")
    assert {"sim.model.quantum_world", "sim.output.frames", "sim.output.network"} <= set(found["sim"])
    from sim.model.quantum_world import QuantumWorld
    from sim.output.frames import agent_frame, model_frame
    from sim.output.network import partnership_graph

    assert (sim.QuantumWorld, sim.model_frame, sim.agent_frame, sim.partnership_graph) == (
        QuantumWorld, model_frame, agent_frame, partnership_graph)
    assert set(sim.__all__) <= set(dir(sim))


def test_an_unknown_name_of_sim_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        sim.no_such_thing  # noqa: B018
    assert not hasattr(sim, "QuantumWorlds")


def test_importing_and_plotting_leaves_the_users_matplotlib_settings_alone(tmp_path):
    code = f"""
        import matplotlib
        before = dict(matplotlib.rcParams)
        import sim.experiments.analysis, sim.experiments.calibration.plots
        import sim.experiments.compare_report, sim.output.plots
        assert dict(matplotlib.rcParams) == before, "importing changed rcParams"
        from sim.engine.batch import run_scenario
        from sim.inputs.scenario import load_scenario
        run_scenario(load_scenario("baseline", [], {{"steps": 2, "replications": 2}}),
                               {str(tmp_path / "run")!r}, plots=True)
        changed = sorted(k for k, v in matplotlib.rcParams.items() if before[k] != v)
        assert changed == [], f"plotting changed rcParams: {{changed}}"
        figure, ax = sim.output.plots.new_figure()
        assert not ax.spines["top"].get_visible() and ax.spines["left"].get_visible()
        assert matplotlib.rcParams["axes.spines.top"] and not matplotlib.rcParams["axes.grid"]
    """
    imported_after(code)
    assert len(sorted((tmp_path / "run" / "plots").glob("*.svg"))) == 5


def test_the_figure_style_is_in_force_when_a_figure_is_saved(tmp_path):
    import matplotlib

    from sim.output.plots import RC_STYLE, new_figure, save_figure

    figure, ax = new_figure()
    ax.plot([0, 1, 2], [1, 3, 2])
    first = save_figure(figure, tmp_path / "a", "line", None)
    figure, ax = new_figure()
    ax.plot([0, 1, 2], [1, 3, 2])
    second = save_figure(figure, tmp_path / "b", "line", None)
    svg = [path for path in first + second if path.suffix == ".svg"]
    assert svg[0].read_bytes() == svg[1].read_bytes()  # stable ids from svg.hashsalt
    assert all(line.get_alpha() == RC_STYLE["grid.alpha"] for line in ax.get_xgridlines())
    assert matplotlib.rcParams["svg.hashsalt"] != RC_STYLE["svg.hashsalt"]
