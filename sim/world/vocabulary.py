"""The words of partnership data: the stages a pair passes through and the kinds of partnership.

The data files (``ties.csv``) and the model (:mod:`sim.model.formation`) share them, so they live
below both.
"""

from __future__ import annotations

NONE, TALKS, SIGNED = 0, 1, 2
"""Stages of a pair."""
STAGES: tuple[str, ...] = ("none", "talks", "signed")
"""Names of the stages, indexed by their codes."""
KINDS: tuple[str, ...] = ("science", "programme", "commercial")
"""Kinds of partnership: science exchange among actors, joint programme with pooled budgets
among actors, commercial purchase or transfer from an actor to a second-wave country."""
