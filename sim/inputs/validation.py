"""Pydantic validation errors as this project's messages: key path, expected, found, nearest name.

Scenario files (:mod:`sim.inputs.scenario`), experiment files (:mod:`sim.inputs.experiment`) and
calibration files (:mod:`sim.experiments.calibration.spec`) are checked with pydantic models;
:func:`first_problem` turns the first error of a failed validation into the words
all of them use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from sim.base.paths import NAME_PATTERN
from sim.base.suggest import did_you_mean

_EXPECTED: dict[str, str] = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "string_type": "a string",
    "float_type": "a number",
    "dict_type": "a table",
    "list_type": "an array",
    "greater_than": "a value > {gt}",
    "greater_than_equal": "a value >= {ge}",
    "less_than": "a value < {lt}",
    "less_than_equal": "a value <= {le}",
    "string_too_short": "a non-empty string",
}
"""Wording of what was expected, by pydantic error type (others use pydantic's own words)."""



class StrictModel(BaseModel):
    """Base of the file models: unknown keys are errors (with a "did you mean"), values are frozen."""

    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)

@dataclass(frozen=True)
class Problem:
    """The first problem of a validation.

    Attributes:
        key_path: Where it is (``inputs[0].name``); empty for the top level.
        text: What is wrong: ``expected ..., found ...``, ``unknown key ...``, ``missing required key``
            or a validator's own message.
        own: Whether ``text`` is a validator's own message (which names its place itself).
    """

    key_path: str
    text: str
    own: bool = False

    def __str__(self) -> str:
        """``key path: text``, or the text alone at the top level."""
        return f"{self.key_path}: {self.text}" if self.key_path else self.text


def _is_key(part: Any) -> bool:
    """Whether a location part is a key of the file (not pydantic's name of a validator or union)."""
    return not (isinstance(part, str) and part.startswith(("function-", "tagged")))


def key_path(loc: Iterable[Any]) -> str:
    """A pydantic error location as a key path: ``("inputs", 0, "name")`` -> ``inputs[0].name``.

    Args:
        loc: The location.

    Returns:
        The key path (empty for the top level).
    """
    path = ""
    for part in filter(_is_key, loc):
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def first_problem(error: ValidationError, model: type[BaseModel]) -> Problem:
    """The first error of a pydantic validation in this project's words.

    Args:
        error: The validation error.
        model: The model that was validated (to list the valid keys where an unknown one is).

    Returns:
        The problem.
    """
    first = error.errors()[0]
    loc = list(filter(_is_key, first["loc"]))
    where = key_path(loc)
    kind = first["type"]
    if kind == "extra_forbidden":
        valid = _valid_keys(model, loc[:-1])
        name = str(loc[-1])
        hint = did_you_mean(name, valid)
        return Problem(where, f"unknown key {name!r}{hint}; valid keys are {', '.join(valid)}")
    if kind == "missing":
        return Problem(where, "missing required key")
    if kind == "value_error":
        return Problem(where, str(first["ctx"]["error"]) if "ctx" in first else first["msg"], own=True)
    if kind == "string_pattern_mismatch" and first.get("ctx", {}).get("pattern") == NAME_PATTERN:
        expected = ("a name of at most 100 letters, digits, '_', '.' and '-' that starts with a letter or "
                    "digit (it names a directory under runs/, so it is never a path)")
        return Problem(where, f"expected {expected}, found {first.get('input')!r}")
    template = _EXPECTED.get(kind)
    if template is not None:
        expected = template.format(**first.get("ctx", {}))
    else:
        expected = (first["msg"][:1].lower() + first["msg"][1:]).removeprefix("input should be ")
    return Problem(where, f"expected {expected}, found {first.get('input')!r}")


def _valid_keys(model: type[BaseModel], parents: list[Any]) -> list[str]:
    """The keys valid where an unknown key was found (the fields of the nested model there)."""
    fields = model.model_fields
    for part in parents:
        if isinstance(part, str) and part in fields:
            annotation = fields[part].annotation
            inner = getattr(annotation, "__args__", (annotation,))
            sub = next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
            if sub is not None:
                fields = sub.model_fields
    return list(fields)


def file_message(error: ValidationError, model: type[BaseModel]) -> str:
    """The first error of a file's structural validation, with ``(top level)`` for a file-wide one.

    Args:
        error: The validation error.
        model: The file's model.

    Returns:
        ``key path: expected ..., found ...`` (see :func:`sim.inputs.validation.first_problem`).
    """
    problem = first_problem(error, model)
    if not problem.key_path and not problem.own:
        return f"(top level): {problem.text}"
    return str(problem)
