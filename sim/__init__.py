"""qgeo: an agent-based simulator of international quantum-technology partnerships.

``from sim import QuantumWorld`` gives the Mesa model; :func:`model_frame` and
:func:`agent_frame` turn a run into tidy DataFrames and :func:`partnership_graph`
gives the network as a networkx graph.

These names are imported on first use (module ``__getattr__``, PEP 562): every
``import sim.X`` runs this file first, and the command line's ``--help`` must not
pay for Mesa, pandas and SciPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model.quantum_world import QuantumWorld
    from sim.output.frames import agent_frame, model_frame
    from sim.output.network import partnership_graph

__all__ = ["QuantumWorld", "agent_frame", "model_frame", "partnership_graph"]

_HOMES: dict[str, str] = {
    "QuantumWorld": "sim.model.quantum_world",
    "agent_frame": "sim.output.frames",
    "model_frame": "sim.output.frames",
    "partnership_graph": "sim.output.network",
}
"""The module that defines each public name."""


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (and keep it here).

    Args:
        name: The attribute asked for.

    Returns:
        The object.

    Raises:
        AttributeError: For a name that is neither public nor a submodule.
    """
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the lazily imported ones included."""
    return sorted({*globals(), *__all__})
