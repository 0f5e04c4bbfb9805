"""The package's layers import only downward (docs/ARCHITECTURE.md states the rule this test enforces)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
ARCHITECTURE = SIM.parent / "docs" / "ARCHITECTURE.md"
LAYERS = ("base", "world", "model", "inputs", "output", "engine", "experiments", "explorer", "cli")
"""Lowest first: a module may import its own layer and the layers before it, never one after."""


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name under ``sim`` (None for ``sim`` itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every ``sim`` module a file imports, anywhere in it (functions included), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sim":  # from sim import x: x is a module of the package, or the facade's name
                found += [(node.lineno, f"sim.{alias.name}") for alias in node.names]
            elif node.module.split(".")[0] == "sim":
                found.append((node.lineno, node.module))
    return found


MODULES = sorted(path for path in SIM.rglob("*.py") if path.parent != SIM)


def test_every_module_lives_in_a_layer():
    loose = sorted(path.name for path in SIM.glob("*.py") if path.name != "__init__.py")
    assert loose == [], f"modules outside the layer packages: {loose}"
    packages = sorted(path.name for path in SIM.iterdir() if (path / "__init__.py").exists())
    assert packages == sorted(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM)))
def test_imports_go_only_downward(path):
    own = path.relative_to(SIM).parts[0]
    rank = LAYERS.index(own)
    wrong = []
    for line, module in imported_modules(path):
        target = layer_of(module)
        if target is None or target not in LAYERS:
            wrong.append(f"line {line}: {module} (import the module, not the package facade)")
        elif LAYERS.index(target) > rank:
            wrong.append(f"line {line}: {module} is in layer {target}, above {own}")
    assert wrong == [], f"{path.relative_to(SIM.parent)} imports upward:\n" + "\n".join(wrong)


def test_the_checker_sees_an_upward_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from sim.cli.qgeo import main\n    import sim.engine.store\n")
    assert [layer_of(module) for _, module in imported_modules(probe)] == ["cli", "engine"]


def test_architecture_document_lists_the_layers_in_order():
    text = ARCHITECTURE.read_text()
    listed = re.findall(r"^\| *\d+ *\| *`sim/(\w+)/`", text, flags=re.M)
    assert tuple(listed) == LAYERS
