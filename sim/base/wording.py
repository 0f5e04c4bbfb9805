"""Wording of counts in messages: "1 replication", "3 replications"."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """A number with its noun in the singular or plural.

    Args:
        number: The count.
        noun: The noun in the singular (``"replication"``).
        plural: The plural, when it is not the noun with an ``s``.

    Returns:
        ``"1 replication"``, ``"0 replications"``, ``"3 replications"``.
    """
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
