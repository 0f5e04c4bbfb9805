"""What ``qgeo ui`` and the explorer page agree on, importable without the explorer's dependencies.

``qgeo ui --help`` shows the default scenario, and ``qgeo ui`` hands the scenario to the
page through an environment variable; neither should import the model, pandas or Solara.
"""

from __future__ import annotations

DEFAULT_SCENARIO = "baseline"
"""Scenario the page opens with when none is given."""
SCENARIO_ENV = "QGEO_UI_SCENARIO"
"""Environment variable naming the scenario (shipped name or file path) the page opens with (``qgeo ui``
sets it)."""
