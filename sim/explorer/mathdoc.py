"""Markdown with LaTeX maths to HTML, on the server: the explorer's pages need no network to show equations.

Solara's own Markdown component typesets ``$...$`` in the browser with KaTeX, which it
fetches from a CDN: offline (the explorer's promise) the maths stays raw. Here the
maths is converted to MathML with :mod:`latex2mathml` before the page is sent, and the
browser draws MathML natively (Chromium 109+, Firefox, Safari), so no script or font is
fetched from anywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
from latex2mathml.converter import convert

MATH = re.compile(
    r"(?P<fence>^```.*?^```[ \t]*$)"  # fenced code: left alone
    r"|(?P<code>(?P<ticks>`+).+?(?P=ticks))"  # inline code: left alone
    r"|\$\$(?P<display>.+?)\$\$"  # display maths
    r"|(?<![\\$])\$(?![\s$])(?P<inline>[^$\n]+?)(?<![\s\\])\$",  # inline maths
    re.DOTALL | re.MULTILINE,
)
"""Code spans and blocks (kept as written), then ``$$display$$`` and ``$inline$`` maths."""
PLACEHOLDER = "QGEOMATH{}X"
"""Stands for a formula while Markdown runs (letters and digits only, so Markdown leaves it alone)."""
PLACED = re.compile(PLACEHOLDER.format(r"(\d+)"))
EXTENSIONS = ("tables", "toc", "fenced_code", "sane_lists")


class MathError(ValueError):
    """A formula that cannot be converted (the message names it)."""


def to_mathml(latex: str, display: bool) -> str:
    """One formula as MathML.

    Args:
        latex: The formula, without its ``$`` delimiters.
        display: Whether it is a display (block) formula.

    Returns:
        A ``<math>`` element.

    Raises:
        MathError: latex2mathml cannot read it.
    """
    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises several kinds; all mean the same to a reader
        raise MathError(f"cannot convert the formula ${latex}$ to MathML: {error}") from None


@lru_cache(maxsize=8)
def render(text: str) -> str:
    """Markdown with ``$...$`` and ``$$...$$`` maths to HTML with MathML.

    Args:
        text: The Markdown document.

    Returns:
        HTML (no scripts, no external resources).

    Raises:
        MathError: A formula cannot be converted.
    """
    formulas: list[str] = []

    def protect(match: re.Match[str]) -> str:
        if match["fence"] or match["code"]:
            return match[0]
        display = match["display"] is not None
        formulas.append(to_mathml(match["display"] if display else match["inline"], display))
        return PLACEHOLDER.format(len(formulas) - 1)

    body = markdown.markdown(MATH.sub(protect, text), extensions=list(EXTENSIONS), output_format="html")
    return PLACED.sub(lambda match: formulas[int(match[1])], body)

