"""Colours and labels shared by the figures of `qgeo` and the explorer.

Roles keep one Okabe-Ito colour everywhere. Each country keeps one style
everywhere, whatever a run's ranking: :func:`country_style` gives the k-th
country of the shipped ``scenarios/data/countries.csv`` one of Paul Tol's nine
"muted" colours (designed to stay distinguishable with the common forms of
colour blindness) and a line dash (bar hatch) that changes every nine
countries, so 54 countries get distinct styles. Codes not in that file (other
data, synthetic worlds) get a slot from a stable hash of the code. Black is
reserved for the leaders' combined share.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from functools import lru_cache

from sim.world.data import DEFAULT_DATA_DIR

PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)
"""Okabe-Ito colours (blue, vermillion, green, purple, orange, sky blue, yellow, black)."""
ROLE_COLOURS: dict[str, str] = {"leader": "#D55E00", "provider": "#0072B2", "second_wave": "#009E73"}
ROLE_LABELS: dict[str, str] = {"leader": "Leader", "provider": "Provider", "second_wave": "Second wave"}
OTHER_COLOUR = "#999999"
PEER_COLOUR = "#CC79A7"
"""Colour of science exchanges and joint programmes among leaders and providers (Okabe-Ito purple)."""
LEADERS_COLOUR = "#000000"
"""Colour of the leaders' combined share (no country has it)."""
COUNTRY_COLOURS: tuple[str, ...] = (
    "#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499",
)
"""Paul Tol's "muted" qualitative scheme (rose, indigo, sand, green, cyan, wine, teal, olive, purple)."""
COUNTRY_DASHES: tuple[tuple[float, ...], ...] = (
    (), (5.0, 2.0), (1.0, 1.5), (5.0, 2.0, 1.0, 2.0), (10.0, 3.0), (5.0, 2.0, 1.0, 2.0, 1.0, 2.0),
)
"""Dash patterns (on, off, ... in line widths; empty = solid), one per round of the colours."""
COUNTRY_HATCHES: tuple[str, ...] = ("", "///", "...", "xxx", "\\\\\\", "+++")
"""Bar hatches matching :data:`COUNTRY_DASHES`, for stacked bars."""
SLOTS = len(COUNTRY_COLOURS) * len(COUNTRY_DASHES)
"""Number of distinct country styles."""


@dataclass(frozen=True)
class CountryStyle:
    """How one country is drawn in every figure.

    Attributes:
        colour: Line, marker and bar colour.
        dashes: Dash pattern in line widths (empty: solid line).
        hatch: Matplotlib hatch for bars ("" = none).
    """

    colour: str
    dashes: tuple[float, ...]
    hatch: str

    @property
    def linestyle(self) -> str | tuple[int, tuple[float, ...]]:
        """The dash pattern as a Matplotlib ``linestyle``."""
        return "-" if not self.dashes else (0, self.dashes)

    def echarts_type(self, width: float = 2.0) -> str | list[float]:
        """The dash pattern as an ECharts ``lineStyle.type`` (dash lengths in pixels).

        Args:
            width: The line's width in pixels.

        Returns:
            ``"solid"`` or a list of dash and gap lengths.
        """
        return "solid" if not self.dashes else [round(d * width, 2) for d in self.dashes]


@lru_cache(maxsize=1)
def country_order() -> tuple[str, ...]:
    """ISO3 codes in the order of the shipped ``countries.csv``, which fixes every country's style.

    Returns:
        The codes.
    """
    with (DEFAULT_DATA_DIR / "countries.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(row["iso3"] for row in csv.DictReader(handle))


def country_style(iso3: str) -> CountryStyle:
    """The fixed style of a country, the same in every run, figure and the explorer.

    Args:
        iso3: The country's code.

    Returns:
        Its colour, dash pattern and hatch.
    """
    order = country_order()
    slot = order.index(iso3) if iso3 in order else zlib.crc32(iso3.encode("utf-8"))
    slot %= SLOTS
    rounds = slot // len(COUNTRY_COLOURS)
    return CountryStyle(COUNTRY_COLOURS[slot % len(COUNTRY_COLOURS)], COUNTRY_DASHES[rounds],
                        COUNTRY_HATCHES[rounds])
