"""qgeo: an agent-based simulator of international quantum-technology partnerships.

``from sim import QuantumWorld`` gives the Mesa model; :func:`model_frame` and
:func:`agent_frame` turn a run into tidy DataFrames and :func:`partnership_graph`
gives the network as a networkx graph.
"""

from sim.model import QuantumWorld
from sim.network import partnership_graph
from sim.results import agent_frame, model_frame

__all__ = ["QuantumWorld", "agent_frame", "model_frame", "partnership_graph"]
