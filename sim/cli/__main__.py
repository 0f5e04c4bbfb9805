"""``python -m sim.cli``: the ``qgeo`` command."""

import sys

from sim.cli.qgeo import main

sys.exit(main())
