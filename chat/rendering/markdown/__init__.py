"""Markdown to safe HTML: the one place where text from a model or a user becomes markup.

What models write renders as readers expect (code highlighted with its language, math,
images from allowed places, GitHub alerts, task lists, footnotes, tables); everything
goes through one sanitiser (`sanitizer.py`) on every path.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import get_language, gettext
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from chat.rendering.markdown.brackets import brackets_plugin
from chat.rendering.markdown.cache import SizedCache, digest
from chat.rendering.markdown.code import (
    Highlighter,
    highlighted_block,
    highlighted_cache,
    language_of,
)
from chat.rendering.markdown.images import image_html, is_data_image
from chat.rendering.markdown.math import MathRenderer, formula_cache
from chat.rendering.markdown.sanitizer import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    URL_SCHEMES,
    sanitize,
)

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "URL_SCHEMES",
    "cut_off",
    "render_code",
    "render_markdown",
    "sanitize",
]

# A text that markdown leaves as one paragraph of words: it opens with a letter, and holds
# only letters, digits, single spaces and punctuation that no rule reads (no marker, no
# entity, no quote that would be escaped): a short answer, a step's output, a title.
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[,.;:!?']|[ ](?![ ]))*(?<![ ])\Z")
# The last line of a text cut off just as a list item began: its marker and nothing else.
_OPENED_ITEM = re.compile(r"(?:\A|\n)[ \t]*(?:\d{1,9}[.)]|[-+*])[ \t]*\Z")
# ...or a number that was about to become one ("3" of "3."), after a numbered item.
_OPENING_NUMBER = re.compile(r"(\n[ \t]*\d{1,9}[.)][ \t]+\S[^\n]*)\n[ \t]*\d{1,9}[ \t]*\Z")


def _alert_titles() -> dict[str, str]:
    return {
        "NOTE": gettext("Note"),
        "TIP": gettext("Tip"),
        "IMPORTANT": gettext("Important"),
        "WARNING": gettext("Warning"),
        "CAUTION": gettext("Caution"),
    }


@lru_cache(maxsize=2)
def _parser(math: bool) -> MarkdownIt:
    # Raw HTML in markdown is shown as text, never interpreted.
    parser = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "tasklists": True, "alerts": True},
    ).enable(["table", "strikethrough"])
    parser.use(footnote_plugin, inline=False)
    if math:
        # "$5 and $10" stays prose: a dollar next to a digit or a space opens no formula.
        parser.use(
            dollarmath_plugin,
            allow_labels=False,
            allow_space=False,
            allow_digits=False,
            allow_blank_lines=False,
        )
        parser.use(brackets_plugin)
        for kind in ("math_inline", "math_inline_display", "math_block"):
            parser.add_render_rule(kind, _render_math)
    parser.add_render_rule("fence", _render_fence)
    parser.add_render_rule("image", _render_image)
    parser.core.ruler.push("name_links", _link_names)
    parser.core.ruler.push("alert_titles", _translate_alert_titles)
    return parser


# -- render rules --------------------------------------------------------------------------
class _Trusted:
    """HTML already sanitised (code blocks and formulas, each cached), or built only from
    checked parts (a `data:` picture): held out of the document while the rest is
    sanitised, as a placeholder no text can forge (a random nonce), then put back.
    Sanitising each piece once, not on every render, is most of what a rich answer's
    render costs."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)
        self.pieces: list[str] = []

    def hold(self, html: str) -> str:
        self.pieces.append(html)
        return f"\ue010{self.nonce}.{len(self.pieces) - 1}\ue011"

    def put_back(self, html: str) -> str:
        if not self.pieces:
            return html
        pattern = re.compile(f"\ue010{self.nonce}\\.(\\d+)\ue011")
        return pattern.sub(lambda match: self.pieces[int(match.group(1))], html)


def _render_fence(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    return env["trusted"].hold(env["highlighter"].block(token.content, language_of(token.info)))


_DELIMITERS = {"$": ("$", "$"), "$$": ("$$", "$$"), "\\(": ("\\(", "\\)"), "\\[": ("\\[", "\\]")}


def _render_math(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    display = token.type != "math_inline"
    opening, closing = _DELIMITERS.get(token.markup, ("$$", "$$") if display else ("$", "$"))
    written = f"{opening}{token.content}{closing}"
    # A display formula inside a paragraph is drawn as display, in the paragraph's flow.
    block = token.type == "math_block"
    html = env["math"].render(token.content, display=display, block=block, written=written)
    return env["trusted"].hold(html)


def _render_image(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    url = str(token.attrGet("src") or "")
    html = image_html(url, alt, str(token.attrGet("title") or ""), env["image_hosts"])
    return env["trusted"].hold(html) if is_data_image(url) else html


# -- core rules ----------------------------------------------------------------------------
def _translate_alert_titles(state: StateCore) -> None:
    titles = None
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "alert_open" and index + 2 < len(tokens):
            titles = titles or _alert_titles()
            title = tokens[index + 2]
            title.children = [_text(titles.get(str(token.info).upper(), title.content))]


def _link_names(state: StateCore) -> None:
    """Turns each mention of a name in `env["links"]` into a link (elements shown aside).

    Works on text tokens only, so names inside code, or already inside a link, stay as
    they are.
    """
    links: Mapping[str, str] = state.env.get("links") or {}
    if not links:
        return
    names = sorted(links, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names))
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or in_link:
                children.append(token)
                continue
            start = 0
            for match in pattern.finditer(token.content):
                if match.start() > start:
                    children.append(_text(token.content[start : match.start()]))
                link = Token("link_open", "a", 1)
                link.attrSet("href", links[match.group()])
                children += [link, _text(match.group()), Token("link_close", "a", -1)]
                start = match.end()
            if start == 0:
                children.append(token)
            elif start < len(token.content):
                children.append(_text(token.content[start:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


# -- entry points --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _renders(max_mb: float) -> SizedCache:
    return SizedCache(int(max_mb * 1024 * 1024))


def render_markdown(
    text: str, links: Mapping[str, str] | None = None, *, highlight: bool = True
) -> str:
    """Markdown (code blocks, lists, tables, links, math, images) as HTML in which nothing
    can run.

    `links` maps names to URLs: each mention of a name becomes a link to its URL.
    `highlight` False shows code plain (a stream's finished blocks: the final render
    colours them).
    """
    text = text or ""
    if not links and _PLAIN.match(text):
        # What the parser and the sanitiser would make of it, without them (a third of a
        # short answer's render, half of a step's end).
        return f"<p>{text}</p>\n"
    if not highlight or len(text) < 200:
        return _render(text, links, highlight=highlight)
    # Whatever changes the HTML is in the key: the settings, the reader's language.
    key = digest(
        text,
        sorted((links or {}).items()),
        get_language(),
        settings.CHAT_MARKDOWN_MATH,
        settings.CHAT_MARKDOWN_IMAGE_HOSTS,
    )
    cache = _renders(settings.CHAT_MARKDOWN_CACHE_MB)
    return cache.get_or_make(key, lambda: _render(text, links, highlight=highlight))


def clear_caches() -> None:
    """Forgets every rendered answer and code block (figures of a first render)."""
    _renders(settings.CHAT_MARKDOWN_CACHE_MB).clear()
    highlighted_cache().clear()
    formula_cache().clear()


def _render(text: str, links: Mapping[str, str] | None, *, highlight: bool) -> str:
    math = bool(settings.CHAT_MARKDOWN_MATH)
    env: dict[str, Any] = {
        "highlighter": Highlighter(enabled=highlight),
        "math": MathRenderer(enabled=math),
        "image_hosts": settings.CHAT_MARKDOWN_IMAGE_HOSTS,
        # Footnotes of two answers on one page must not share ids.
        "docId": hashlib.sha1(
            text.encode("utf-8", "surrogatepass"), usedforsecurity=False
        ).hexdigest()[:8],
    }
    if links:
        env["links"] = links
    trusted = env["trusted"] = _Trusted()
    return trusted.put_back(sanitize(_parser(math).render(text, env)))


def render_code(code: str, language: str) -> str:
    """Code on its own (a text element, a step's input or output), as answers show it."""
    return highlighted_block(code or "", language)


def cut_off(text: str) -> str:
    """A text stopped mid-way (Stop, a lost server, a failure) as it should be read: a
    list item it had only just opened goes, rather than showing as an empty "3." (or as
    a heading's underline, which a lone "-" after a paragraph would be)."""
    trimmed = _OPENING_NUMBER.sub(r"\1", text.rstrip())
    return _OPENED_ITEM.sub("", trimmed)
