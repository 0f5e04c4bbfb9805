"""Did you mean: the valid name nearest to a misspelled one, the same answer everywhere."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6
"""Smallest similarity (difflib's ratio, case ignored) at which a name is suggested."""


def closest(name: object, valid: Iterable[object]) -> str | None:
    """Return the valid name nearest to ``name``, or None when none is close enough.

    Similarity is :class:`difflib.SequenceMatcher`'s ratio with case ignored; among
    equally similar names the one with more letters in the same places wins (so ``RUZ``
    suggests ``RUS``, not ``UZB``), then the first in alphabetical order (so the answer
    does not depend on the order of ``valid``: ``UZA`` suggests ``USA``).

    Args:
        name: What was given.
        valid: The valid names.

    Returns:
        The nearest valid name, or None.
    """
    given = str(name).casefold()

    def score(candidate: str) -> tuple[float, int]:
        folded = candidate.casefold()
        same_place = sum(a == b for a, b in zip(given, folded, strict=False))
        return difflib.SequenceMatcher(None, given, folded).ratio(), same_place

    best, best_score = None, (CUTOFF, -1)
    for candidate in sorted({str(item) for item in valid}):
        candidate_score = score(candidate)
        if candidate_score > best_score:  # ties keep the alphabetically first
            best, best_score = candidate, candidate_score
    return best


def did_you_mean(name: object, valid: Iterable[object]) -> str:
    """Return the hint ``" (did you mean 'X'?)"`` naming the nearest valid name, or ``""``.

    Args:
        name: What was given.
        valid: The valid names.

    Returns:
        The hint, to append to a message.
    """
    best = closest(name, valid)
    return "" if best is None else f" (did you mean '{best}'?)"
