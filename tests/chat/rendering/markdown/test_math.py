"""Formulas as MathML: drawn by the browser, never an error, bounded on hostile input."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from chat.rendering.markdown import render_markdown
from tests.chat.rendering.test_markdown import assert_inert, tags_of, text_of


def math_of(html: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in tags_of(html) if tag == "math"]


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("Einstein: $E=mc^2$.", "inline"),
        (r"Einstein: \(E=mc^2\).", "inline"),
        ("$$\nE=mc^2\n$$", "block"),
        (r"\[ E=mc^2 \]", "block"),
    ],
)
def test_each_delimiter_renders_math(text, display):
    html = render_markdown(text)
    assert [m["display"] for m in math_of(html)] == [display]
    assert "<msup><mi>c</mi><mn>2</mn></msup>" in html
    assert "$" not in text_of(html)


def test_dollar_amounts_in_prose_stay_prose():
    html = render_markdown("It costs $5 and $10, or $ 3 $ at most.")
    assert math_of(html) == []
    assert text_of(html) == "It costs $5 and $10, or $ 3 $ at most.\n"


def test_invalid_latex_is_shown_as_written():
    html = render_markdown(r"Broken: $\frac{a}{$ and \(\begin{matrix}\)")
    assert_inert(html)
    assert "$" in text_of(html) or r"\(" in text_of(html)


@override_settings(CHAT_MARKDOWN_MATH=False)
def test_the_setting_turns_math_off():
    html = render_markdown("Einstein: $E=mc^2$.")
    assert math_of(html) == []
    assert text_of(html) == "Einstein: $E=mc^2$.\n"


def test_a_long_answer_rendered_before_follows_a_changed_setting():
    text = "Einstein: $E=mc^2$. " * 20
    assert math_of(render_markdown(text))
    with override_settings(CHAT_MARKDOWN_MATH=False):
        assert math_of(render_markdown(text)) == []


def test_math_inside_code_is_code():
    html = render_markdown("`$x$` and\n\n```\n$$y$$\n```")
    assert math_of(html) == []


@pytest.mark.parametrize(
    "latex",
    [
        r"\href{javascript:alert(1)}{click}",
        r"\style{background:url(javascript:alert(1))}{x}",
        r"\text{<img src=x onerror=alert(1)>}",
        r"\text{</mtext><script>alert(1)</script>}",
        r"\unicode{x3C}script\unicode{x3E}",
        r"\mathrm{<svg onload=alert(1)>}",
        r"\class{x\" onclick=\"alert(1)}{y}",
        r"\def\a{\a\a}\a",
        r"\newcommand{\x}{\x\x}\x",
    ],
)
def test_hostile_latex_is_inert(latex):
    for text in (f"${latex}$", f"$$\n{latex}\n$$", rf"\({latex}\)"):
        html = render_markdown(text)
        assert_inert(html)
        assert "<img" not in html
        assert "<svg" not in html


def test_macros_that_would_expand_hugely_are_shown_as_written():
    bomb = r"\def\a{xxxxxxxxxx}\def\b{\a\a\a\a\a\a\a\a\a\a}\def\c{\b\b\b\b\b\b\b\b\b\b}\c\c\c"
    html = render_markdown(f"${bomb}$")
    assert math_of(html) == []
    assert bomb in text_of(html)


# The bound these inputs must stay within: each renders in under 2 seconds of CPU on the
# shared test machine (they take milliseconds) and yields at most 20 times its size.
BOMB_SECONDS = 2.0


@pytest.mark.parametrize(
    "bomb",
    [
        "$" + r"\underbrace{" * 1000 + "x" + "}" * 1000 + "$",
        "$$\n" + r"\underbrace{" * 1000 + "x" + "}" * 1000 + "\n$$",
        "$" * 100_000,
        "$a$ " * 25_000,
        "\\(" * 50_000,
        "$" + "{" * 50_000 + "$",
    ],
    ids=["nested-inline", "nested-block", "100kb-dollars", "25k-formulas", "open-parens", "braces"],
)
def test_a_math_bomb_renders_within_bounded_time_and_size(bomb):
    started = time.process_time()
    html = render_markdown(bomb)
    assert time.process_time() - started < BOMB_SECONDS
    assert len(html) < 20 * len(bomb) + 1000
    assert_inert(html)
