"""Wording in messages: counts ("1 replication", "3 replications") and quoted input values."""

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


MAX_SHOWN = 60
"""Most characters of a value that a message quotes (a data file's content is never echoed
beyond the offending cell, and a long cell is cut)."""


def shown(value: object) -> str:
    """A value as a message quotes it: its ``repr``, cut to :data:`MAX_SHOWN` characters.

    Args:
        value: The offending value (a data file's cell, a TOML value).

    Returns:
        ``'abc'`` for a short string; for a longer one its first characters and its length,
        ``'xxxx' (cut, 10000 characters)``; any other value's ``repr``, cut the same way.
    """
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        return f"{value[:MAX_SHOWN]!r} (cut, {len(value)} characters)"
    text = repr(value)
    if len(text) > MAX_SHOWN:
        return f"{text[:MAX_SHOWN]}... (cut, {len(text)} characters)"
    return text
