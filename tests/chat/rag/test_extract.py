"""Text out of each kind of document, and passages out of text."""

from __future__ import annotations

import io

import pytest

from chat.rag.chunking import Budget, chunks
from chat.rag.extract import DOCX, PDF, ExtractionError, Segment, extract, kind_of

from .files import corrupt_pdf_bytes, docx_bytes, encrypted_pdf_bytes, html_bytes, pdf_bytes


def text_of(data: bytes, mime: str, name: str = "") -> str:
    return "".join(s.text for s in extract(io.BytesIO(data), mime, name))


def test_plain_text_and_markdown():
    assert "café ☕" in text_of("Un café ☕ s'il vous plaît".encode(), "text/plain")
    assert "# Title" in text_of(b"# Title\n\nBody", "text/markdown", "notes.md")


def test_html_keeps_the_text_and_drops_scripts_and_styles():
    text = text_of(html_bytes("Handbook", ["First rule.", "Second &amp; last rule."]), "text/html")
    assert "Handbook" in text
    assert "Second & last rule." in text
    assert "do not index me" not in text
    assert "color: red" not in text


def test_an_html_file_sniffed_as_text_is_read_as_html():
    assert kind_of("text/plain", "page.HTML") == "html"
    assert "<p>" not in text_of(b"<div><p>Hello there</p></div>", "text/plain", "page.html")


def test_pdf_pages_in_order_with_their_numbers():
    data = pdf_bytes([["Alpha page one."], ["Beta page (two)."]])
    segments = list(extract(io.BytesIO(data), PDF))
    assert [s.page for s in segments] == [1, 2]
    assert "Alpha page one." in segments[0].text
    assert "Beta page (two)." in segments[1].text


def test_docx_paragraphs_and_tables():
    data = docx_bytes(["Quarterly numbers.", "Revenue grew."], table=[["Team", "Tickets"]])
    text = text_of(data, DOCX)
    assert "Quarterly numbers." in text
    assert "Revenue grew." in text
    assert "Team | Tickets" in text


@pytest.mark.parametrize(
    ("data", "mime", "expected"),
    [
        (corrupt_pdf_bytes(), PDF, "damaged"),
        (b"not a pdf at all", PDF, "damaged"),
        (encrypted_pdf_bytes(), PDF, "password"),
        (b"PK\x03\x04 broken zip", DOCX, "damaged"),
        (b"\x89PNG", "image/png", "cannot be read"),
    ],
)
def test_unreadable_files_say_why(data, mime, expected):
    with pytest.raises(ExtractionError, match=expected):
        text_of(data, mime)


def test_passages_are_bounded_overlap_and_cover_the_text():
    words = [f"word{i}" for i in range(3000)]
    text = " ".join(words)
    pieces = list(chunks([Segment(text[i : i + 500]) for i in range(0, len(text), 500)], size=500))
    assert all(len(p.text) <= 600 for p in pieces)
    assert [p.index for p in pieces] == list(range(len(pieces)))
    joined = " ".join(p.text for p in pieces)
    assert all(w in joined for w in words[::97])
    # Consecutive passages overlap, so a sentence across a cut is whole in one of them.
    assert pieces[1].text.split()[0] in pieces[0].text


def test_passages_prefer_paragraph_breaks_and_keep_pages():
    segments = [
        Segment("First paragraph about cats. " * 10 + "\n\n", page=1),
        Segment("Second paragraph about dogs. " * 10 + "\n\n", page=2),
    ]
    pieces = list(chunks(segments, size=300))
    assert pieces[0].page == 1
    assert pieces[-1].page == 2
    assert pieces[0].text.endswith("cats.")


def test_the_budget_stops_reading_early():
    consumed = []

    def endless():
        for i in range(10_000):
            consumed.append(i)
            yield Segment("lorem ipsum dolor sit amet " * 40)

    budget = Budget(max_chars=50_000)
    pieces = list(chunks(endless(), size=1000, budget=budget))
    assert budget.truncated
    assert budget.taken == 50_000
    assert len(consumed) < 60
    assert sum(len(p.text) for p in pieces) >= 45_000


def test_a_passage_does_not_straddle_pages():
    # The first page ends past the size of a passage, and its tail must not run into the next.
    first = Segment("Page one sentence here. " * 60 + "\n\n", page=1)
    second = Segment("Second page words. " * 25 + "\n\n", page=2)
    pieces = list(chunks([first, second], size=1000))
    assert [p.page for p in pieces] == [1, 1, 2]
    assert "Second" not in pieces[1].text
    assert "one" not in pieces[2].text
