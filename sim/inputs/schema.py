"""JSON schemas of scenario and experiment files, generated from the registries.

The scenario schema types ``[params]`` from the parameter registry
(:data:`sim.model.parameters.PARAMETERS`: type, range as ``ge``/``gt``/``le``/``lt``, unit, default,
meaning) with :data:`ScenarioParams`, the model a resolved scenario's ``params`` also is,
``[countries.<ISO3>]`` from the country attributes (:data:`sim.world.data.ATTRIBUTE_RANGES`)
and ``[[events]]`` from the event-kind registry (:data:`sim.model.events.KINDS`); the
experiment schema is that of :class:`sim.inputs.experiment.ExperimentSpec`. The shipped
copies in ``docs/`` are written by ``python -m sim.inputs.schema`` and checked by a test.
Editors that read JSON schemas (e.g. Taplo, Even Better TOML) complete and check
the files with them. A schema checks structure and ranges; what depends on the data
(country codes, an event year within the horizon) is checked when a file is loaded.
"""

from __future__ import annotations

import functools
import json
import operator
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from sim.base.bounds import Bounds
from sim.base.errors import ParameterError
from sim.base.paths import NAME_PATTERN, PROJECT_ROOT
from sim.inputs.validation import first_problem
from sim.model.events import KINDS
from sim.model.parameters import PARAMETERS, check_parameter
from sim.world.data import ATTRIBUTE_RANGES

DOCS_DIR = PROJECT_ROOT / "docs"
"""Where the shipped schemas are."""

MAX_REPLICATIONS = 100_000
MAX_SEED = 2**63 - 1
SCENARIO_PARAMS: tuple[str, ...] = tuple(name for name in PARAMETERS if name != "steps")
"""Parameters a scenario's ``[params]`` table may set (``steps`` is a top-level key)."""

_FORBID = ConfigDict(extra="forbid")


def _number(bounds: Bounds, optional: bool = False) -> Any:
    """A number type constrained by ``bounds``: ``int`` or ``float``, ``ge``/``gt``/``le``/``lt``, unit.

    An optional number also takes None, which the JSON schema leaves out (TOML has no null).
    """
    limits: dict[str, float] = {}
    if bounds.low is not None:
        limits["gt" if bounds.low_open else "ge"] = bounds.low
    if bounds.high is not None:
        limits["lt" if bounds.high_open else "le"] = bounds.high
    extra = {"unit": bounds.unit} if bounds.unit else None
    number = Annotated[int if bounds.integer else float, Field(**limits, json_schema_extra=extra)]
    return number | SkipJsonSchema[None] if optional else number


class Parameters(BaseModel):
    """Base of :data:`ScenarioParams`: the parameters a scenario sets, each checked against the registry.

    A parameter that is not set (or set to None) keeps the model's default; its field reads
    that default, and :meth:`as_dict` leaves it out.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _none_is_unset(cls, values: Any) -> Any:
        """A parameter given as None is not set (the model's default)."""
        if isinstance(values, dict):
            return {name: value for name, value in values.items() if value is not None}
        return values

    def as_dict(self) -> dict[str, float | int]:
        """The parameters the scenario sets, as ``QuantumWorld`` keyword arguments.

        Returns:
            Parameter -> value, in the registry's order; the parameters not set are left out.
        """
        return self.model_dump(exclude_unset=True)

    def updated(self, values: Mapping[str, Any]) -> Parameters:
        """These parameters with some more set (validated like a file's).

        Args:
            values: Parameter -> value.

        Returns:
            A new object; this one is unchanged.

        Raises:
            ParameterError: On an unknown parameter or a value outside its range.
        """
        try:
            return type(self).model_validate({**self.as_dict(), **values})
        except ValidationError as error:
            raise ParameterError(f"params.{first_problem(error, type(self))}") from None


def _parameter_field(name: str) -> tuple[Any, Any]:
    """A ``[params]`` field: the registry's type, range, unit, default and meaning.

    Values are checked by :func:`sim.model.parameters.check_parameter` first, whose message
    gives the whole range and unit (and which takes no bool or string for a number).
    """
    spec = PARAMETERS[name]
    check = BeforeValidator(functools.partial(check_parameter, name))
    return (Annotated[_number(spec, optional=spec.default is None), check],
            Field(spec.default, description=spec.doc))


ScenarioParams: type[Parameters] = create_model(
    "ScenarioParams", __base__=Parameters,
    __doc__="The ``[params]`` table: model parameters a scenario sets.",
    **{name: _parameter_field(name) for name in SCENARIO_PARAMS},
)
"""The ``[params]`` table and a scenario's parameters, typed from the parameter registry
(:data:`sim.model.parameters.PARAMETERS`)."""

CountryAttributes: type[BaseModel] = create_model(
    "CountryAttributes", __config__=_FORBID, __doc__="Overrides of one country's attributes.",
    **{name: (_number(bounds, optional=True), Field(None)) for name, bounds in ATTRIBUTE_RANGES.items()},
)


def _event_model(kind: str) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "year": (int, Field(description="calendar year in which it takes effect (within the horizon)")),
        "kind": (Literal[kind], Field()),  # type: ignore[valid-type]
        "actors": (list[str], Field(min_length=1, description="ISO3 codes of the countries that act")),
    }
    for name, spec in KINDS[kind].fields.items():
        if spec.kind == "countries":
            annotation: Any = list[str]
            constraints: dict[str, Any] = {"min_length": 1}
        else:
            annotation, constraints = _number(spec), {}
        if spec.required:
            fields[name] = (annotation, Field(description=spec.doc, **constraints))
        else:
            fields[name] = (annotation | None, Field(None, description=spec.doc, **constraints))
    title = "".join(part.capitalize() for part in kind.split("_")) + "Event"
    return create_model(title, __config__=_FORBID, **fields)


EventEntry = Annotated[functools.reduce(operator.or_, (_event_model(kind) for kind in KINDS)),
                      Field(discriminator="kind")]
"""One ``[[events]]`` entry: a model per event kind of the registry, told apart by ``kind``."""


class ScenarioFile(BaseModel):
    """A scenario file as written (before ``extends`` is resolved, so every key is optional here).

    Attributes:
        name: Short name (default: the file's stem).
        description: The question the scenario asks.
        extends: Another scenario file (relative to this one) or a shipped scenario name.
        data: Directory of data files, relative to this file.
        steps: Number of yearly steps.
        end_year: Year of the last step's outcomes (instead of ``steps``).
        seed: Root seed.
        replications: Number of replications.
        params: Model parameters.
        countries: Country attribute overrides by ISO3 code.
        events: Scheduled events.
    """

    model_config = ConfigDict(extra="forbid", title="qgeo scenario file")

    name: str | None = Field(None, min_length=1, pattern=NAME_PATTERN)
    description: str | None = None
    extends: str | None = None
    data: str | None = None
    steps: _number(PARAMETERS["steps"], optional=True) = Field(  # type: ignore[valid-type]
        None, description=PARAMETERS["steps"].doc)
    end_year: int | None = None
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    replications: int | None = Field(None, ge=1, le=MAX_REPLICATIONS)
    params: ScenarioParams | None = None  # type: ignore[valid-type]
    countries: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")],
                    CountryAttributes] | None = None  # type: ignore[valid-type]
    events: list[EventEntry] | None = None  # type: ignore[valid-type]


def scenario_schema() -> dict[str, Any]:
    """The JSON schema of scenario files.

    Returns:
        The schema.
    """
    return ScenarioFile.model_json_schema()


def experiment_schema() -> dict[str, Any]:
    """The JSON schema of experiment files.

    Returns:
        The schema.
    """
    from sim.inputs.experiment import ExperimentSpec

    return {**ExperimentSpec.model_json_schema(), "title": "qgeo experiment file"}


SCHEMAS = {"scenario.schema.json": scenario_schema, "experiment.schema.json": experiment_schema}
"""Each shipped schema file and the function that generates it."""


def schema_text(name: str) -> str:
    """The text of a shipped schema file, as :func:`main` writes it.

    Args:
        name: A key of :data:`SCHEMAS`.

    Returns:
        Indented JSON with a final newline.
    """
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schemas: ``python -m sim.inputs.schema [DIRECTORY]`` (default ``docs/``).

    Args:
        argv: The directory, if not the default.

    Returns:
        Exit code 0.
    """
    directory = Path((argv if argv is not None else sys.argv[1:] or [str(DOCS_DIR)])[0])
    for name in SCHEMAS:
        (directory / name).write_text(schema_text(name), encoding="utf-8")
        print(f"wrote {directory / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
