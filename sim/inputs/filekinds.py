"""The kinds of qgeo input file, told apart by their content, each with its own check.

A scenario and an experiment are both TOML. An experiment names its ``scenario``
and has ``design``, ``inputs`` and ``outcomes``, keys a scenario never has; a file
with none of the other kinds' marker keys is read as a scenario, whose loader reports
any unknown key with the nearest valid name. A new kind (a ``[calibration]`` file,
say) is one more :class:`FileKind` in :data:`KINDS`: its marker keys, how to find a
shipped file by name and how to check one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sim.base.errors import UserError
from sim.base.wording import counted


class FileKindError(UserError, ValueError):
    """A file whose kind cannot be told, or a name no kind ships."""


class FileKind(NamedTuple):
    """One kind of input file.

    Attributes:
        name: The kind's name, as messages show it.
        markers: Top-level keys that only this kind has (empty for the fallback kind, scenarios), or a
            function giving them, called when a file's kind is first told (the experiment kind's keys
            come from its pydantic model, too slow to import for ``qgeo validate --help``).
        find: Resolves a shipped file's name (or a path) to its file; raises UserError if none.
        check: Loads and validates a file completely; returns a one-line summary, raises UserError.
    """

    name: str
    markers: frozenset[str] | Callable[[], frozenset[str]]
    find: Callable[[str], Path]
    check: Callable[[Path], str]

    def marker_keys(self) -> frozenset[str]:
        """The top-level keys that only this kind has.

        Returns:
            The keys.
        """
        return self.markers() if callable(self.markers) else self.markers


def _find_scenario(name: str) -> Path:
    from sim.inputs.scenario import find_scenario

    return find_scenario(name)


def _check_scenario(path: Path) -> str:
    from sim.inputs.scenario import load_scenario

    scenario = load_scenario(path)
    parts = [counted(scenario.steps, "step"), counted(scenario.replications, "replication"),
             counted(len(scenario.params.as_dict()), "parameter"),
             counted(len(scenario.countries), "country override"), counted(len(scenario.events), "event")]
    return f"scenario '{scenario.name}': {', '.join(parts)}"


def _find_experiment(name: str) -> Path:
    from sim.inputs.experiment import find_experiment

    return find_experiment(name)


def _check_experiment(path: Path) -> str:
    from sim.inputs.design import build_design
    from sim.inputs.experiment import load_experiment

    experiment = load_experiment(path)
    spec = experiment.spec
    points = build_design(experiment).n_points
    return (f"experiment '{spec.name}': {spec.design.type} design, {counted(points, 'point')} x "
            f"{counted(spec.replications, 'replication')} = {counted(points * spec.replications, 'run')}, "
            f"{counted(len(spec.inputs), 'input')}, {counted(len(spec.outcomes), 'outcome')}, "
            f"scenario '{spec.scenario}'")


@functools.cache
def _experiment_markers() -> frozenset[str]:
    from sim.inputs.experiment import ExperimentSpec
    from sim.inputs.scenario import TOP_LEVEL_KEYS

    return frozenset(ExperimentSpec.model_fields) - frozenset(TOP_LEVEL_KEYS)


SCENARIO = FileKind("scenario", frozenset(), _find_scenario, _check_scenario)
"""The fallback kind: a file with no other kind's marker keys."""

KINDS: tuple[FileKind, ...] = (
    FileKind("experiment", _experiment_markers, _find_experiment, _check_experiment),
    SCENARIO,
)
"""Every kind, the fallback (scenario) last."""


def kind_of_table(table: dict[str, object]) -> FileKind:
    """The kind of a parsed TOML file, from its top-level keys.

    Args:
        table: The file's top-level table.

    Returns:
        The one kind whose markers it has, else the scenario kind.

    Raises:
        FileKindError: If it has marker keys of two kinds.
    """
    matches = [kind for kind in KINDS if kind.marker_keys() & table.keys()]
    if len(matches) > 1:
        clues = "; ".join(f"{kind.name}: {', '.join(sorted(kind.marker_keys() & table.keys()))}"
                          for kind in matches)
        raise FileKindError(f"expected the keys of one kind of file, found keys of several ({clues})")
    return matches[0] if matches else SCENARIO


def locate(name_or_path: str) -> tuple[FileKind, Path]:
    """The file a command-line argument names, and its kind.

    Args:
        name_or_path: A path to a TOML file, or the name of a shipped file of any kind.

    Returns:
        The kind and the file.

    Raises:
        FileKindError: If the file's keys mix kinds, or no kind ships a file of that name.
    """
    import tomllib  # here, not at the top: `qgeo validate --help` imports this module

    from sim.base.tomltext import parse_toml

    path = Path(name_or_path)
    if path.is_file():
        try:
            table = parse_toml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return SCENARIO, path  # the scenario loader reports what is wrong with the file
        try:
            return kind_of_table(table), path
        except FileKindError as error:
            raise FileKindError(f"{name_or_path}: {error}") from None
    found: list[tuple[FileKind, Path]] = []
    messages: list[str] = []
    for kind in KINDS:
        try:
            found.append((kind, kind.find(name_or_path)))
        except UserError as error:
            messages.append(f"not a {kind.name} ({error})")
    if len(found) == 1:
        return found[0]
    if found:
        kinds = " and ".join(f"a shipped {kind.name} ({file})" for kind, file in found)
        raise FileKindError(f"{name_or_path!r} names {kinds}; give the file's path")
    raise FileKindError(f"{name_or_path!r}: expected a file or a shipped name, found neither: "
                        f"{'; '.join(messages)}")
