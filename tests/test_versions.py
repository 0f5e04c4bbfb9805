"""Supported Python and Mesa versions: declared consistently, and the model behaves the same on each."""

from __future__ import annotations

import gc
import random
import re
import sys
import tomllib
import warnings
import weakref
from importlib.metadata import version
from pathlib import Path

import mesa
import numpy as np
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from sim import QuantumWorld

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def mesa_specifier() -> SpecifierSet:
    requirement = next(item for item in PROJECT["dependencies"] if re.match(r"mesa\b", item))
    return SpecifierSet(requirement.removeprefix("mesa"))


def test_readme_states_the_supported_pythons_and_mesas():
    readme = (ROOT / "README.md").read_text()
    pythons = SpecifierSet(PROJECT["requires-python"])
    supported = [f"3.{minor}" for minor in range(8, 20) if Version(f"3.{minor}.0") in pythons]
    assert supported == ["3.11", "3.12", "3.13"]
    assert f"Python {', '.join(supported[:-1])} or {supported[-1]}" in readme
    mesas = [f"3.{minor}" for minor in range(0, 10) if Version(f"3.{minor}.0") in mesa_specifier()]
    assert f"Mesa {mesas[0]} to {mesas[-1]}" in readme


def test_this_interpreter_and_mesa_are_supported():
    assert Version(f"{sys.version_info.major}.{sys.version_info.minor}.0") in SpecifierSet(
        PROJECT["requires-python"])
    assert Version(version("mesa")) in mesa_specifier()


def test_building_and_stepping_the_model_warns_of_nothing_deprecated():
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        model = QuantumWorld(seed=3, steps=2)
        model.step()


def test_an_integer_rng_seeds_mesas_generators_as_a_seed_does():
    model = mesa.Model(rng=20250101)
    assert model.random.getstate() == random.Random(20250101).getstate()
    assert model.rng.bit_generator.state == np.random.default_rng(20250101).bit_generator.state


def test_same_seed_gives_the_same_run_and_another_seed_does_not():
    def final(seed: int) -> dict[str, float]:
        model = QuantumWorld(seed=seed, steps=4, collect_agents=False)
        while model.running:
            model.step()
        return dict(model.metrics)

    assert final(11) == final(11)
    assert final(11) != final(12)


def test_finished_models_are_freed():
    model = QuantumWorld(seed=1, steps=2, collect_agents=False)
    reference = weakref.ref(model)
    del model
    gc.collect()
    assert reference() is None


def test_collector_exposes_what_mesa_batch_run_reads():
    model = QuantumWorld(seed=2, steps=3)
    while model.running:
        model.step()
    collector = model.datacollector
    assert collector._collection_steps == [0, 1, 2, 3]
    assert list(collector._agent_records) == [0, 1, 2, 3]
    agents = collector.get_agent_vars_dataframe()
    records = collector._agent_records[3]
    assert [record[1] for record in records] == [agent.unique_id for agent in model.countries]
    capability = list(collector.agent_reporters).index("capability")
    assert [record[2 + capability] for record in records] == agents.xs(3, level="Step")["capability"].tolist()
