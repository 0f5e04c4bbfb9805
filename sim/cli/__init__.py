"""Command line: the ``qgeo`` entry point and one module per sub-command (:mod:`sim.cli.commands`)."""

from sim.cli.qgeo import main

__all__ = ["main"]
