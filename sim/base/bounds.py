"""Valid ranges of numbers: one :class:`Bounds` behind every range check of the inputs.

Model parameters (:mod:`sim.model.parameters`), event fields (:mod:`sim.model.events`),
country attributes (:mod:`sim.world.data`) and experiment inputs (:mod:`sim.inputs.experiment`)
each describe their valid values with a :class:`Bounds`, so that every check
accepts the same values and words its message the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bounds:
    """The valid values of one number.

    Attributes:
        low: Smallest valid value, or None for no lower bound.
        high: Largest valid value, or None for no upper bound.
        low_open: Whether ``low`` itself is excluded.
        high_open: Whether ``high`` itself is excluded.
        integer: Whether the value must be a whole number.
        unit: Unit of the value.
        doc: One-line meaning.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    unit: str = ""
    doc: str = ""

    def contains(self, value: float) -> bool:
        """Whether a finite number lies within the bounds (whole-number rule aside).

        Args:
            value: The number.

        Returns:
            True when it is valid.
        """
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)

    def interval(self) -> str:
        """The bounds in interval notation: ``[0, 20]``, ``(0, 1]``, ``> 0``, ``any``.

        Returns:
            The interval as text.
        """
        if self.high is None:
            if self.low is None:
                return "any"
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.low is None:
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"

    def expected(self, noun: str = "a number") -> str:
        """What a valid value looks like, for messages: ``a number in [0, 20]``, ``a number > 0``.

        Args:
            noun: How to call the value.

        Returns:
            The phrase.
        """
        interval = self.interval()
        if interval == "any":
            return noun
        return f"{noun} {interval}" if interval[0] in "<>" else f"{noun} in {interval}"

    def with_doc(self, doc: str) -> Bounds:
        """The same bounds with another meaning (e.g. naming the country or event concerned).

        Args:
            doc: The meaning.

        Returns:
            A new bounds object.
        """
        return Bounds(self.low, self.high, self.low_open, self.high_open, self.integer, self.unit, doc)

    def problem(self, value: Any, noun: str = "a number") -> str | None:
        """What is wrong with a value, or None when it is valid.

        Args:
            value: The value as given (any type).
            noun: How to call the value in the range phrase (``a number``, ``a value``).

        Returns:
            ``"expected ..., found ..."``, or None.
        """
        unit = f" ({self.unit})" if self.unit else ""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"expected a number{unit}, found {value!r}"
        if self.integer and int(value) != value:
            return f"expected a whole number, found {value!r}"
        if not self.contains(value):
            return f"expected {self.expected(noun)}{unit}, found {value!r}"
        return None

    def cast(self, value: float) -> int | float:
        """A valid value as ``int`` (integer bounds) or ``float``.

        Args:
            value: The value.

        Returns:
            The value in its type.
        """
        return int(value) if self.integer else float(value)
