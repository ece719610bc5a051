"""What may survive in rendered markdown: the last word on every path (answers, streamed
blocks, elements, steps, transcripts).

Raw HTML in markdown is never interpreted (the parser escapes it), so everything here
comes from our own renderers; the sanitiser still checks each tag, attribute, class and
URL, so that a mistake in a renderer (or in a converter such as latex2mathml, which
copies `\\text{...}` into its output as is) cannot let a script through.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from pygments.lexers import get_all_lexers
from pygments.token import STANDARD_TYPES

TEXT_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "input", "li", "ol", "p", "pre", "s", "section", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
# MathML Core, as latex2mathml writes it: presentation only, no links, no scripts.
MATH_TAGS = {
    "math", "menclose", "merror", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
    "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle",
    "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
    "semantics", "annotation",
}  # fmt: skip
ALLOWED_TAGS = TEXT_TAGS | MATH_TAGS
_MATH_ATTRIBUTES = {
    "accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
    "displaystyle", "fence", "form", "height", "largeop", "linethickness", "lspace",
    "mathvariant", "maxsize", "minsize", "movablelimits", "notation", "rowalign", "rowlines",
    "rowspacing", "rspace", "scriptlevel", "separator", "stretchy", "symmetric", "voffset",
    "width",
}  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "loading"},
    "input": {"checked"},
    "li": {"id"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "math": {"display", "xmlns"},
    "annotation": {"encoding"},
    **{tag: _MATH_ATTRIBUTES for tag in MATH_TAGS - {"math", "annotation"}},
}
# Any other scheme (javascript:, vbscript:, data:) goes. (A small raster `data:` image is
# built from checked parts and put in after sanitising: see images.py.)
URL_SCHEMES = {"http", "https", "mailto"}

CODE_BLOCK = "code-block"
ALERT_KINDS = ("note", "tip", "important", "warning", "caution")


@lru_cache(maxsize=1)
def allowed_classes() -> dict[str, set[str]]:
    """Each class our renderers write, per tag: anything else is dropped."""
    token_classes = {name for name in STANDARD_TYPES.values() if name}
    languages = {
        f"language-{alias}" for _, aliases, _, _ in get_all_lexers() for alias in aliases
    } | {"language-text"}
    return {
        "span": token_classes | {"math-source", "code-block__lang", "footnote-ref"},
        "code": languages,
        "div": {
            CODE_BLOCK, "code-block__head", "math-block", "markdown-alert",
            *(f"markdown-alert-{kind}" for kind in ALERT_KINDS),
        },
        "p": {"markdown-alert-title"},
        "img": {"markdown-image"},
        "ul": {"contains-task-list"},
        "ol": {"footnotes-list"},
        "li": {"task-list-item", "footnote-item"},
        "input": {"task-list-item-checkbox"},
        "a": {"footnote-backref"},
        "sup": {"footnote-ref"},
        "hr": {"footnotes-sep"},
        "section": {"footnotes"},
    }  # fmt: skip


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    # Built once: nh3.clean() turns its ~1,000 allowed classes into a new rule set on every
    # call, which cost 0.33 ms even for "<p>hi</p>" (4 µs with the rules kept).
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        # Their text goes too: a stray one shows nothing rather than its code as words.
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=allowed_classes(),
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        tag_attribute_values={"input": {"type": {"checkbox"}}},
        # A task list's boxes show the state the text gives; they are not a form.
        set_tag_attribute_values={"a": {"target": "_blank"}, "input": {"disabled": ""}},
        filter_style_properties={"text-align"},
    )


def sanitize(html: str) -> str:
    return _cleaner().clean(html)
