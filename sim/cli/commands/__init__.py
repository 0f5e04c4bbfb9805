"""Sub-commands of the ``qgeo`` command line, one module each (see :mod:`sim.cli`)."""
