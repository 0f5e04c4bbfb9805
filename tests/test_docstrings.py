"""Public entry points: each docstring opens with the call and ends with a short example that runs."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

ENTRY_POINTS: tuple[tuple[str, str], ...] = (
    ("sim.model.quantum_world", "QuantumWorld"),
    ("sim.engine.batch", "run_scenario"),
    ("sim.engine.execute", "run_experiment"),
    ("sim.experiments.analysis", "analyze"),
)
"""Module and name of every public entry point (the model, a scenario run, an experiment, its analysis)."""


@pytest.mark.parametrize(("module", "name"), ENTRY_POINTS)
def test_the_docstring_opens_with_the_call_and_ends_with_an_example(module, name):
    doc = inspect.getdoc(getattr(importlib.import_module(module), name))
    assert doc.splitlines()[0].startswith(f"``{name}(")
    last_section = [line for line in doc.splitlines() if line and not line.startswith(" ")][-1]
    assert last_section == "Example:"


@pytest.mark.parametrize(("module", "name"), ENTRY_POINTS)
def test_the_example_runs(module, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes relative paths writes here
    entry = getattr(importlib.import_module(module), name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder(recurse=False).find(entry, name, globs={}):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted >= 3 and results.failed == 0
