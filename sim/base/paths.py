"""Paths: the project's own directories, and paths as messages show them."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parents[2]
"""The checkout that holds ``sim/``, ``scenarios/``, ``experiments/``, ``calibrations/`` and ``docs/``."""


def display_path(path: str | Path) -> str:
    """A path as messages show it: relative to the working directory when inside it.

    Args:
        path: The path.

    Returns:
        The path as text.
    """
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
