"""Paths: the project's own directories, and paths as messages show them."""

from __future__ import annotations

from pathlib import Path

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
"""A scenario's or experiment's name: it names a directory under ``runs/``, so it is a name, never a
path (letters, digits, ``_``, ``.``, ``-``; starting with a letter or digit, so never ``..``)."""

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
