"""Markdown to safe HTML: the one place where text from a model or a user becomes markup."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# The last line of a text cut off just as a list item began: its marker and nothing else.
_OPENED_ITEM = re.compile(r"(?:\A|\n)[ \t]*(?:\d{1,9}[.)]|[-+*])[ \t]*\Z")
# ...or a number that was about to become one ("3" of "3."), after a numbered item.
_OPENING_NUMBER = re.compile(r"(\n[ \t]*\d{1,9}[.)][ \t]+\S[^\n]*)\n[ \t]*\d{1,9}[ \t]*\Z")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML in markdown is shown as text, never interpreted.
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )
    parser.core.ruler.push("name_links", _link_names)
    return parser


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


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        filter_style_properties={"text-align"},
    )


def render_markdown(text: str, links: Mapping[str, str] | None = None) -> str:
    """Markdown (code blocks, lists, tables, links) as HTML in which nothing can run.

    `links` maps names to URLs: each mention of a name becomes a link to its URL.
    """
    return sanitize(_parser().render(text or "", {"links": links} if links else None))


def cut_off(text: str) -> str:
    """A text stopped mid-way (Stop, a lost server, a failure) as it should be read: a
    list item it had only just opened goes, rather than showing as an empty "3." (or as
    a heading's underline, which a lone "-" after a paragraph would be)."""
    trimmed = _OPENING_NUMBER.sub(r"\1", text.rstrip())
    return _OPENED_ITEM.sub("", trimmed)
