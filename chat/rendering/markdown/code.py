"""Code blocks: highlighted on the server with Pygments, the same way in answers, text
elements, steps, the admin's transcripts and shared links (no script, nothing to load).

A block shows its language above it; the page adds a copy button. An unknown or missing
language is plain text, never an error. Pygments' regular expressions are linear on
most input but not all, so a block larger than `MAX_HIGHLIGHTED_CHARS`, or any past
`MAX_HIGHLIGHTED_TOTAL` in one text, is shown plain: the cost of one render stays bounded.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .cache import SizedCache, digest

MAX_HIGHLIGHTED_CHARS = 20_000
MAX_HIGHLIGHTED_TOTAL = 400_000
# What a language name may be (python, c++, objective-c, f#, ...); anything else is a label only.
_LANGUAGE = re.compile(r"[\w+#.-]{1,40}")
_FORMATTER = HtmlFormatter(nowrap=True)
# The same block is highlighted once (an answer re-rendered, a regenerated one, a page
# loaded again): highlighting is most of a rich answer's render time.
_HIGHLIGHTED = SizedCache(16 * 1024 * 1024)
# Whitespace between tokens needs no span of its own: a third fewer bytes.
_WHITESPACE_SPAN = re.compile(r'<span class="w">(\s*)</span>')


@lru_cache(maxsize=256)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def language_of(info: str) -> str:
    """The language named by a fence's info string ("python title=x.py" -> "python")."""
    words = info.strip().split(maxsplit=1)
    return words[0][:40] if words else ""


class Highlighter:
    """Highlights the code blocks of one text, within the text's budget."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.budget = MAX_HIGHLIGHTED_TOTAL

    def code_html(self, code: str, language: str) -> str:
        """The inside of `<code>`: coloured spans, or the code escaped."""
        name = language.lower()
        lexer = _lexer(name) if self.enabled and _LANGUAGE.fullmatch(name) else None
        if lexer is None or len(code) > min(MAX_HIGHLIGHTED_CHARS, self.budget):
            return escape(code, quote=False)
        self.budget -= len(code)
        return _HIGHLIGHTED.get_or_make(
            digest(name, code),
            lambda: _WHITESPACE_SPAN.sub(r"\1", pygments_highlight(code, lexer, _FORMATTER)),
        )

    def block(self, code: str, language: str) -> str:
        """A whole block: its language above, the code below."""
        name = language.lower()
        known = _LANGUAGE.fullmatch(name) and _lexer(name) is not None
        code_class = f' class="language-{escape(name)}"' if known else ""
        head = (
            f'<div class="code-block__head"><span class="code-block__lang">{escape(language)}'
            "</span></div>"
            if language
            else ""
        )
        return (
            f'<div class="code-block">{head}<pre><code{code_class}>'
            f"{self.code_html(code, language)}</code></pre></div>\n"
        )


def highlighted_cache() -> SizedCache:
    return _HIGHLIGHTED


def highlighted_block(code: str, language: str) -> str:
    """One block on its own (a text element or a step's input or output), not yet sanitised."""
    return Highlighter().block(code, language)
