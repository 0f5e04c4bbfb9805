"""docs/ODD.md stays true to the code: headings, parameters, events, outcomes and pattern tests.

Each check reads the document and compares it with what the code says now
(the model's signature, the parameter and event specs, a baseline model's
outcomes), so changing the code without the document fails here.
"""

from __future__ import annotations

import ast
import importlib
import re
from fractions import Fraction
from pathlib import Path

import pytest

from sim import QuantumWorld
from sim.model import formation
from sim.model.events import COMMON_FIELDS, EVENT_FIELDS
from sim.model.parameters import PARAMETERS, defaults
from sim.model.quantum_world import AGENT_REPORTERS
from sim.world.agreements import CALIBRATION_END, VALIDATION_YEARS
from sim.world.data import ATTRIBUTES, FILES

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
PATTERN_TESTS = ROOT / "tests" / "test_patterns.py"

ODD_ELEMENTS = (
    "Purpose and patterns",
    "Entities, state variables, and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)
"""The seven elements of the ODD protocol, 2020 update (Grimm et al. 2020), in order."""
DESIGN_CONCEPTS = (
    "Basic principles", "Emergence", "Adaptation", "Objectives", "Learning", "Prediction",
    "Sensing", "Interaction", "Stochasticity", "Collectives", "Observation",
)
"""The design concepts of the 2020 update, in order."""
PARAMETER_HEADER = ("parameter", "symbol", "unit", "range", "default", "meaning", "basis")
EVENT_HEADER = ("kind", "field", "required", "meaning", "unit", "range")
OBSERVATION_HEADER = ("key", "definition")
KIND_HEADER = ("kind", "between", "dependence share", "overhead units", "valued by")
CONSTANT_HEADER = ("constant", "value", "meaning")
CONSTANTS = (
    "sim.model.yields.USD_PER_UNIT",
    "sim.model.yields.CAPABILITY_FLOOR",
    "sim.model.choice.YIELD_FLOOR",
    "sim.model.choice.TIE_BREAK",
    "sim.model.choice.CONCENTRATION_FLOOR",
    "sim.model.quantum_world.PROGRAMME_CAP",
    "sim.model.dynamics.DENIAL_RESPONSE_SPEED",
    "sim.world.arrays.SYNTHETIC_BUDGET_SPREAD",
    "sim.world.arrays.SYNTHETIC_ALIGNMENT_SPREAD",
    "sim.world.data.BASE_YEAR",
    "sim.world.agreements.CALIBRATION_END",
)
"""Fixed constants of the code that the document's table of constants (section 7.17) must list."""


@pytest.fixture(scope="module")
def odd() -> str:
    assert ODD.is_file(), f"{ODD} is missing"
    return ODD.read_text(encoding="utf-8")


def headings(text: str, level: int) -> list[str]:
    """Titles of the headings of one level, without their numbers ("## 4. Design concepts")."""
    marker = "#" * level + " "
    titles = []
    for line in text.splitlines():
        if line.startswith(marker):
            titles.append(re.sub(r"^[\d.]+\s+", "", line[len(marker):].strip()))
    return titles


def section(text: str, title: str) -> str:
    """The body of the heading whose title (without its number) is ``title``, up to the next
    heading of the same or a higher level."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        match = re.match(r"^(#+)\s+(?:[\d.]+\s+)?(.*)$", line)
        if match and match.group(2).strip() == title:
            level = len(match.group(1))
            end = next(
                (k for k in range(start + 1, len(lines))
                 if re.match(rf"^#{{1,{level}}}\s", lines[k])),
                len(lines),
            )
            return "\n".join(lines[start + 1:end])
    raise AssertionError(f"docs/ODD.md has no heading {title!r}")


def table(text: str, header: tuple[str, ...]) -> list[list[str]]:
    """Rows of the markdown table whose header row is ``header``."""
    lines = text.splitlines()

    def cells(line: str) -> list[str]:
        return [cell.strip() for cell in line.strip().strip("|").split("|")]

    for k, line in enumerate(lines):
        if line.startswith("|") and tuple(cells(line)) == header:
            rows = []
            for body in lines[k + 2:]:
                if not body.startswith("|"):
                    break
                row = cells(body)
                assert len(row) == len(header), f"table row with {len(row)} cells: {body}"
                rows.append(row)
            return rows
    raise AssertionError(f"docs/ODD.md has no table with header {' | '.join(header)}")


def code_name(cell: str) -> str:
    """The name written in backticks in a table cell."""
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected a `name` in backticks, found {cell!r}"
    return match.group(1)


def number_range(cell: str) -> tuple[float, float]:
    """``[low, high]`` as two floats."""
    match = re.fullmatch(r"\[\s*([^,\]]+?)\s*,\s*([^\]]+?)\s*\]", cell)
    assert match, f"expected a range [low, high], found {cell!r}"
    return float(match.group(1)), float(match.group(2))


def test_odd_has_every_heading_of_the_2020_protocol_in_order(odd):
    top = headings(odd, 2)
    assert top[: len(ODD_ELEMENTS)] == list(ODD_ELEMENTS)
    assert {"Parameters", "References"} <= set(top)
    concepts = headings(section(odd, "Design concepts"), 3)
    assert concepts == list(DESIGN_CONCEPTS), f"design concepts found: {concepts}"


def test_parameter_table_has_every_parameter_with_its_signature_default_and_spec(odd):
    rows = table(section(odd, "Parameters"), PARAMETER_HEADER)
    documented = {code_name(row[0]): row for row in rows}
    assert len(documented) == len(rows), "a parameter is listed twice"
    assert set(documented) == set(PARAMETERS), (
        f"missing: {sorted(set(PARAMETERS) - set(documented))}, "
        f"unknown: {sorted(set(documented) - set(PARAMETERS))}"
    )
    signature = defaults()
    for name, spec in PARAMETERS.items():
        _, symbol, unit, limits, default, meaning, basis = documented[name]
        assert symbol.startswith("$") and meaning and basis, name
        assert unit == spec.unit, f"{name}: unit {unit!r} in the ODD, {spec.unit!r} in the spec"
        assert number_range(limits) == (spec.low, spec.high), f"{name}: range {limits}"
        if signature[name] is None:
            assert default == "None", f"{name}: default {default!r} in the ODD, None in the signature"
        else:
            assert float(default) == pytest.approx(signature[name], rel=1e-12), (
                f"{name}: default {default} in the ODD, {signature[name]} in the signature"
            )


def test_event_table_has_every_kind_and_field_with_its_spec(odd):
    events = section(odd, "Events")
    rows = table(events, EVENT_HEADER)
    documented = {(code_name(row[0]), code_name(row[1])): row for row in rows}
    expected = {(kind, name) for kind, fields in EVENT_FIELDS.items() for name in fields}
    assert set(documented) == expected, (
        f"missing: {sorted(expected - set(documented))}, unknown: {sorted(set(documented) - expected)}"
    )
    for (kind, name), row in documented.items():
        spec = EVENT_FIELDS[kind][name]
        assert row[2] == ("yes" if spec.required else "no"), f"{kind}.{name}: required"
        if spec.kind == "number":
            assert number_range(row[5]) == (spec.low, spec.high), f"{kind}.{name}: range {row[5]}"
    for name in COMMON_FIELDS:
        assert f"`{name}`" in events, f"common event field {name!r} is not described"


def test_every_model_outcome_of_a_baseline_model_is_defined(odd):
    model = QuantumWorld(seed=1, steps=1, collect_agents=False)
    observation = section(odd, "Observation")
    defined = {code_name(row[0]) for row in table(observation, OBSERVATION_HEADER)}
    actor_codes = {str(model.iso3[i]) for i in model.actors}
    expected = {
        "share_<ISO3>" if key.startswith("share_") and key[len("share_"):] in actor_codes else key
        for key in model.metrics
    }
    assert expected <= defined, f"outcomes not defined in the ODD: {sorted(expected - defined)}"
    assert defined <= expected, f"the ODD defines outcomes the model lacks: {sorted(defined - expected)}"


def test_every_agent_reporter_is_defined(odd):
    observation = section(odd, "Observation")
    for name in AGENT_REPORTERS:
        assert f"`{name}`" in observation, f"agent reporter {name!r} is not described"


def test_input_data_names_every_data_file_and_attribute(odd):
    data = section(odd, "Input data")
    for name in FILES:
        assert f"`{name}`" in data, f"data file {name} is not described"
    for name in ATTRIBUTES:
        assert f"`{name}`" in data, f"attribute {name} is not described"


def test_patterns_reference_the_existing_pattern_tests(odd):
    tree = ast.parse(PATTERN_TESTS.read_text(encoding="utf-8"))
    defined = {
        node.name for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    cited = set(re.findall(r"`(test_pattern\w+)`", section(odd, "Purpose and patterns")))
    assert defined, "tests/test_patterns.py defines no tests"
    assert cited == defined, f"not cited: {sorted(defined - cited)}, no such test: {sorted(cited - defined)}"


def test_kinds_table_matches_the_formation_constants(odd):
    rows = table(section(odd, "Entities, state variables, and scales"), KIND_HEADER)
    documented = {code_name(row[0]): row for row in rows}
    assert len(documented) == len(rows), "a kind is listed twice"
    assert set(documented) == set(formation.KINDS), f"kinds in the ODD: {sorted(documented)}"
    for kind, row in documented.items():
        assert float(row[2]) == pytest.approx(formation.KIND_DEPENDENCE[kind]), f"{kind}: dependence share"
        assert float(row[3]) == pytest.approx(formation.KIND_TIES[kind]), f"{kind}: overhead units"


def test_constants_table_matches_the_code(odd):
    rows = table(section(odd, "Implementation notes"), CONSTANT_HEADER)
    documented = {code_name(row[0]): row[1] for row in rows}
    assert len(documented) == len(rows), "a constant is listed twice"
    assert set(CONSTANTS) <= set(documented), f"missing: {sorted(set(CONSTANTS) - set(documented))}"
    for name, cell in documented.items():
        module, _, attribute = name.rpartition(".")
        value = getattr(importlib.import_module(module), attribute)
        assert float(Fraction(cell)) == pytest.approx(value, rel=1e-12), (
            f"{name}: {cell} in the ODD, {value} in the code")


def test_purpose_states_the_out_of_sample_split(odd):
    purpose = section(odd, "Purpose and patterns")
    window = f"{VALIDATION_YEARS.start}-{VALIDATION_YEARS.stop - 1}"
    assert f"dated {CALIBRATION_END} or earlier" in purpose, "calibration window not stated"
    assert f"dated {window}" in purpose, f"validation window {window} not stated"
