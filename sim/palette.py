"""Colours and labels shared by the figures of `qgeo` and the explorer.

The Okabe-Ito palette stays distinguishable with the common forms of colour
blindness; roles keep one colour everywhere.
"""

from __future__ import annotations

PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)
"""Okabe-Ito colours (blue, vermillion, green, purple, orange, sky blue, yellow, black)."""
ROLE_COLOURS: dict[str, str] = {"leader": "#D55E00", "provider": "#0072B2", "second_wave": "#009E73"}
ROLE_LABELS: dict[str, str] = {"leader": "Leader", "provider": "Provider", "second_wave": "Second wave"}
OTHER_COLOUR = "#999999"
PEER_COLOUR = "#CC79A7"
"""Colour of science exchanges and joint programmes among leaders and providers (Okabe-Ito purple)."""
