"""Code blocks in answers: highlighted on the server, with their language, never an error."""

from __future__ import annotations

import pytest

from chat.rendering.markdown import render_markdown
from chat.rendering.markdown.code import MAX_HIGHLIGHTED_CHARS, highlighted_block
from tests.chat.rendering.test_markdown import assert_inert, tags_of, text_of


@pytest.mark.parametrize(
    ("language", "keyword"),
    [("python", "def"), ("javascript", "function"), ("sql", "SELECT"), ("rust", "fn")],
)
def test_a_block_in_a_known_language_is_coloured_and_labelled(language, keyword):
    html = render_markdown(f"```{language}\n{keyword} x\n```")
    assert f'<span class="code-block__lang">{language}</span>' in html
    assert f'<code class="language-{language}">' in html
    coloured = [attrs for tag, attrs in tags_of(html) if tag == "span" and "class" in attrs]
    assert len(coloured) > 1  # the label, and the code's tokens
    assert text_of(html) == f"{language}{keyword} x\n\n"


def test_an_unknown_language_is_plain_code_with_its_label():
    html = render_markdown("```klingon\nqapla'\n```")
    assert '<span class="code-block__lang">klingon</span>' in html
    assert "<code>qapla'\n</code>" in html


def test_a_block_without_a_language_is_plain_code_without_a_label():
    html = render_markdown("```\nplain <text>\n```")
    assert "code-block__lang" not in html
    assert "<code>plain &lt;text&gt;\n</code>" in html


def test_the_label_is_the_first_word_of_the_info_string():
    html = render_markdown("```python title=app.py\npass\n```")
    assert '<span class="code-block__lang">python</span>' in html


def test_a_huge_block_is_shown_plain_rather_than_costing_a_highlight():
    code = "x = 1\n" * (MAX_HIGHLIGHTED_CHARS // 6 + 1)
    html = render_markdown(f"```python\n{code}```")
    assert '<span class="k">' not in html
    assert '<span class="n">' not in html
    assert text_of(html) == "python" + code + "\n"


def test_code_in_an_element_or_a_step_is_highlighted_the_same_way():
    assert highlighted_block("SELECT 1\n", "sql") == render_markdown("```sql\nSELECT 1\n```")


@pytest.mark.parametrize(
    "info",
    [
        '"><img src=x onerror=alert(1)>',
        'python" onmouseover="alert(1)',
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "language-python onerror=alert(1)",
    ],
)
def test_a_hostile_language_name_is_inert_text(info):
    html = render_markdown(f"```{info}\nx\n```")
    assert_inert(html)
    # No class from it: a name that is not a language's is a label only.
    assert [attrs for tag, attrs in tags_of(html) if tag == "code"] == [{}]
    assert "x\n" in text_of(html)
