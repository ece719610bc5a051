"""Formulas as MathML, made on the server (latex2mathml): browsers draw MathML natively,
so a page with math loads no script and the admin and shared links show it too.

A formula is untrusted input to a converter, so it is bounded before it reaches it:
- at most `MAX_FORMULA_CHARS` characters, `MAX_DEPTH` nested groups (latex2mathml
  recurses per group), and `MAX_FORMULAS` formulas per text;
- no macro definitions (`\\def`, `\\newcommand`...), whose expansion can grow without end;
- its MathML at most `MAX_GROWTH` times the formula's size.
Anything over a bound, or that the converter refuses, is shown as written, in code.
"""

from __future__ import annotations

import re
from html import escape

from latex2mathml.converter import convert

from chat.rendering.markdown.cache import SizedCache, digest
from chat.rendering.markdown.sanitizer import sanitize

MAX_FORMULA_CHARS = 4_000
MAX_DEPTH = 40
MAX_FORMULAS = 1_000
MAX_GROWTH = 60
# A formula is converted (and sanitised) once: answers repeat their formulas, and a page
# shows the same answers again.
_FORMULAS = SizedCache(8 * 1024 * 1024)
_DEFINITIONS = re.compile(
    r"\\(?:[egx]?def|(?:re)?newcommand|providecommand|let|futurelet)(?![a-zA-Z])"
)
# latex2mathml copies \text{...} into its output as is: angle brackets go through it as
# private-use characters, and come out escaped.
# ("&" stays: it separates a matrix's columns; as text it is only text.)
_HIDDEN = str.maketrans({"<": "\ue000", ">": "\ue001"})
_SHOWN = {"\ue000": "&lt;", "\ue001": "&gt;"}
_SHOWN_RE = re.compile("[\ue000\ue001]")


def _depth(latex: str) -> int:
    depth = deepest = 0
    for char in latex:
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth -= 1
    return deepest


def formula_cache() -> SizedCache:
    return _FORMULAS


class MathRenderer:
    """Converts the formulas of one text, within the text's budget."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.remaining = MAX_FORMULAS

    def render(self, latex: str, *, display: bool, block: bool, written: str) -> str:
        """The formula as sanitised HTML. `written` is the formula as the author typed it,
        delimiters and all; `block` a formula on lines of its own (else it sits in a
        paragraph)."""
        if self.remaining <= 0:
            return self._html(None, block=block, written=written)  # escaped text only
        self.remaining -= 1
        return _FORMULAS.get_or_make(
            digest(latex, display, block, written, self.enabled),
            lambda: sanitize(
                self._html(self._mathml(latex, display=display), block=block, written=written)
            ),
        )

    def _html(self, mathml: str | None, *, block: bool, written: str) -> str:
        if mathml is None:
            source = f'<code><span class="math-source">{escape(written, quote=False)}</span></code>'
            return f"<p>{source}</p>\n" if block else source
        return f'<div class="math-block">{mathml}</div>\n' if block else mathml

    def _mathml(self, latex: str, *, display: bool) -> str | None:
        latex = latex.strip()
        if (
            not self.enabled
            or not latex
            or len(latex) > MAX_FORMULA_CHARS
            or _DEFINITIONS.search(latex)
            or _depth(latex) > MAX_DEPTH
        ):
            return None
        try:
            mathml = convert(latex.translate(_HIDDEN), display="block" if display else "inline")
        except Exception:
            return None
        if len(mathml) > MAX_GROWTH * len(latex) + 500:
            return None
        return _SHOWN_RE.sub(lambda match: _SHOWN[match.group()], mathml)
