"""Shared fixtures: scenario files written into a temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sim.inputs.scenario import SCENARIO_DIR

BASELINE = SCENARIO_DIR / "baseline.toml"


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a scenario file into tmp_path; by default it extends the shipped baseline."""

    def write(body: str, name: str = "test.toml", extends: bool = True) -> Path:
        path = tmp_path / name
        header = f'extends = "{BASELINE}"\n' if extends else ""
        path.write_text(header + body, encoding="utf-8")
        return path

    return write
