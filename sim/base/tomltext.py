"""TOML text read the same way by every input file: too deep a nesting is a decoding error, not a crash."""

from __future__ import annotations

import tomllib
from typing import Any


def parse_toml(text: str) -> dict[str, Any]:
    """Parse TOML text as :func:`tomllib.loads` does, raising only :class:`tomllib.TOMLDecodeError`.

    tomllib parses nested arrays and inline tables recursively, so a file nested some hundreds of
    levels deep raises :class:`RecursionError`; here that is a decoding error like any other, so
    each reader reports it as "not valid TOML" naming its file.

    Args:
        text: The TOML document.

    Returns:
        The parsed table.

    Raises:
        tomllib.TOMLDecodeError: If the text is not valid TOML or is nested too deep to parse.
    """
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or inline tables nested too deep to read") from None
