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

from chat.rendering.markdown.cache import SizedCache, digest
from chat.rendering.markdown.sanitizer import sanitize

MAX_HIGHLIGHTED_CHARS = 20_000
MAX_HIGHLIGHTED_TOTAL = 400_000
# What a language name may be (python, c++, objective-c, f#, ...); anything else is a label only.
_LANGUAGE = re.compile(r"[\w+#.-]{1,40}")
_FORMATTER = HtmlFormatter(nowrap=True)
# The same block is highlighted (and sanitised) once: an answer re-rendered, a regenerated
# one, a page loaded again. Highlighting was most of a rich answer's render time.
_BLOCKS = SizedCache(16 * 1024 * 1024)
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

    def block(self, code: str, language: str) -> str:
        """A whole block, sanitised: its language above, the code below."""
        name = language.lower()
        lexer = _lexer(name) if _LANGUAGE.fullmatch(name) else None
        coloured = (
            self.enabled
            and lexer is not None
            and len(code) <= min(MAX_HIGHLIGHTED_CHARS, self.budget)
        )
        if coloured:
            self.budget -= len(code)
        return _BLOCKS.get_or_make(
            digest(language, code, coloured),
            lambda: sanitize(_block_html(code, language, lexer if coloured else None)),
        )


def _block_html(code: str, language: str, lexer: Lexer | None) -> str:
    name = language.lower()
    known = _LANGUAGE.fullmatch(name) and _lexer(name) is not None
    code_class = f' class="language-{escape(name)}"' if known else ""
    head = (
        f'<div class="code-block__head"><span class="code-block__lang">{escape(language)}'
        "</span></div>"
        if language
        else ""
    )
    if lexer is None:
        inside = escape(code, quote=False)
    else:
        # Whitespace between tokens needs no span of its own: a third fewer bytes.
        inside = _WHITESPACE_SPAN.sub(r"\1", pygments_highlight(code, lexer, _FORMATTER))
    return f'<div class="code-block">{head}<pre><code{code_class}>{inside}</code></pre></div>\n'


def highlighted_cache() -> SizedCache:
    return _BLOCKS


def highlighted_block(code: str, language: str) -> str:
    """One block on its own (a text element or a step's input or output), sanitised."""
    return Highlighter().block(code, language)
