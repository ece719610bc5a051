"""Text out of each kind of document, and passages out of text."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from chat.rag.chunking import Budget, chunks
from chat.rag.extract import DOCX, PDF, ExtractionError, Limits, Segment, extract, kind_of

from .bombs import (
    MB,
    write_docx_bomb,
    write_docx_hiding_its_parts,
    write_docx_one_paragraph,
    write_docx_one_table_cell,
    write_docx_with_parts,
    write_docx_without_paragraphs,
    write_html_unfinished_tag,
    write_lying_docx,
    write_pdf_bomb,
    write_pdf_of_repeated_pages,
)
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


# -- documents that unpack far past their size -----------------------------------------------------
def peak_memory_growth_mb(read: Callable[[], object]) -> float:
    """How far this process's peak resident memory rose while `read` ran (Linux)."""
    status = Path("/proc/self/status")

    def field(name: str) -> int:
        line = next(line for line in status.read_text().splitlines() if line.startswith(name))
        return int(line.split()[1])

    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
    before = field("VmRSS:")
    read()
    return (field("VmHWM:") - before) / 1024


def peak_allocated_mb(read: Callable[[], object]) -> float:
    """The most Python allocated at once while `read` ran, above what it held before."""
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def refusal_of(path: Path, mime: str, limits: Limits | None = None) -> ExtractionError:
    with path.open("rb") as stream, pytest.raises(ExtractionError) as refused:
        text_of_stream(stream, mime, limits)
    return refused.value


def text_of_stream(stream, mime: str, limits: Limits | None = None) -> str:
    return "".join(s.text for s in extract(stream, mime, "", limits))


def test_a_docx_bomb_is_refused_from_its_declared_size_before_reading(tmp_path):
    bomb = write_docx_bomb(tmp_path / "bomb.docx", compressed_bytes=MB)
    assert bomb.stat().st_size < 1.2 * MB
    growth = peak_memory_growth_mb(lambda: refusal_of(bomb, DOCX))
    assert "unpacks to more than 100 MB" in str(refusal_of(bomb, DOCX))
    assert growth < 20


def test_a_docx_that_unpacks_past_what_it_declares_is_cut_off(tmp_path):
    liar = write_lying_docx(tmp_path / "liar.docx", expanded_bytes=20 * MB, declared_bytes=4096)
    assert "damaged" in str(refusal_of(liar, DOCX))


def test_a_docx_whose_main_part_passes_the_limit_stops_there(tmp_path):
    big = write_docx_bomb(tmp_path / "big.docx", expanded_bytes=3 * MB)
    refused = refusal_of(big, DOCX, Limits(max_expanded_bytes=2 * MB))
    assert "unpacks to more than 2 MB" in str(refused)


def test_a_docx_of_too_many_parts_is_refused_before_they_are_listed(tmp_path):
    crowded = write_docx_with_parts(tmp_path / "crowded.docx", parts=1200)
    assert "more than 1000 parts" in str(refusal_of(crowded, DOCX))


def test_a_large_docx_within_the_limits_is_read_as_a_stream(tmp_path):
    large = write_docx_bomb(tmp_path / "large.docx", expanded_bytes=20 * MB)
    with large.open("rb") as stream:
        segments = extract(stream, DOCX)
        growth = peak_memory_growth_mb(lambda: sum(1 for _ in segments))
    assert growth < 30  # python-docx built the whole tree: about 1 GB for this file


def test_docx_keeps_tabs_breaks_and_tables_in_document_order():
    import docx

    document = docx.Document()
    document.add_paragraph("Before the table.")
    grid = document.add_table(rows=1, cols=2)
    grid.cell(0, 0).text, grid.cell(0, 1).text = "Name", "Role"
    run = document.add_paragraph("After").add_run()
    run.add_tab()
    run.add_text("the")
    run.add_break()
    run.add_text("table.")
    out = io.BytesIO()
    document.save(out)
    text = text_of(out.getvalue(), DOCX)
    assert text.index("Before the table.") < text.index("Name | Role") < text.index("After")
    assert "After\tthe\ntable." in text


def test_a_pdf_bomb_is_refused_with_bounded_memory(tmp_path):
    bomb = write_pdf_bomb(tmp_path / "bomb.pdf", expanded_bytes=1000 * MB)
    assert bomb.stat().st_size < 2 * MB
    growth = peak_memory_growth_mb(lambda: refusal_of(bomb, PDF))
    assert "too large to read once unpacked" in str(refusal_of(bomb, PDF))
    assert growth < 100


def test_a_pdf_page_of_too_much_content_is_refused_with_bounded_memory(tmp_path):
    # Within the decompression limit, but millions of operators to parse.
    dense = write_pdf_bomb(tmp_path / "dense.pdf", expanded_bytes=6 * MB)
    growth = peak_memory_growth_mb(lambda: refusal_of(dense, PDF))
    assert "page 1 of the PDF is too large" in str(refusal_of(dense, PDF))
    assert growth < 100


def test_a_pdf_of_too_many_pages_is_refused():
    data = pdf_bytes([["One."], ["Two."], ["Three."]])
    with pytest.raises(ExtractionError, match="more than 2 pages"):
        text_of_stream(io.BytesIO(data), PDF, Limits(max_pages=2))


def test_an_html_tag_left_open_for_megabytes_is_refused_as_soon_as_it_passes_the_limit(tmp_path):
    # HTMLParser scanned the unfinished tag again with each block: 2 MB took ~450 MB.
    endless = write_html_unfinished_tag(tmp_path / "endless.html", 4 * MB)
    growth = peak_memory_growth_mb(lambda: refusal_of(endless, "text/html"))
    assert "the HTML file has a tag too large to read" in str(refusal_of(endless, "text/html"))
    assert growth < 20


def test_an_html_comment_left_open_is_not_buffered_past_the_limit():
    # The parser holds an unfinished comment in full, waiting for its end.
    data = b"<p>Before</p><!-- " + b"x" * (2 * MB)
    read: list[str] = []
    with pytest.raises(ExtractionError, match="tag too large"):
        read.extend(s.text for s in extract(io.BytesIO(data), "text/html"))
    assert "".join(read).strip() == "Before"


def test_an_html_tag_of_too_many_attributes_is_refused():
    crowded = b"<p>Hi</p><a " + b"b=c " * 2000 + b">link</a>"
    with pytest.raises(ExtractionError, match="tag too large"):
        text_of(crowded, "text/html")


def test_html_tags_with_long_values_and_many_attributes_are_read():
    image = b'<img alt="a b c d e f" src="data:image/png;base64,' + b"QUJD" * 100_000 + b'">'
    tag = b"<div " + b" ".join(b"data-a%d='x y'" % n for n in range(500)) + b">"
    text = text_of(b"<p>Start</p>" + image + tag + b"End</div>", "text/html")
    assert "Start" in text
    assert "End" in text


def test_an_html_page_with_a_large_inline_script_is_read():
    script = b"<script>var bundle = '" + b"x" * (3 * MB) + b"';</script>"
    text = text_of(b"<p>Saved page</p>" + script + b"<p>After the script</p>", "text/html")
    assert "Saved page" in text
    assert "After the script" in text
    assert "bundle" not in text


def test_one_paragraph_of_many_runs_is_read_in_bounded_memory(tmp_path):
    # Runs stayed in the tree until their paragraph ended: +154 MB for this 23 KB file.
    paragraph = write_docx_one_paragraph(tmp_path / "paragraph.docx", runs=400_000)
    with paragraph.open("rb") as stream:
        segments = extract(stream, DOCX)
        pieces: list[int] = []
        growth = peak_memory_growth_mb(lambda: pieces.extend(len(s.text) for s in segments))
    assert sum(pieces) == 400_000 + len("\n\n")  # the text, then the paragraph's end
    assert max(pieces) <= 256 * 1024 + 1
    assert growth < 30


def test_one_table_cell_of_many_paragraphs_is_read_in_bounded_memory(tmp_path):
    # Paragraphs in a table stayed in the tree until the table ended.
    crowded = write_docx_one_table_cell(tmp_path / "cell.docx", paragraphs=200_000)
    with crowded.open("rb") as stream:
        segments = extract(stream, DOCX)
        letters: list[int] = []
        growth = peak_memory_growth_mb(lambda: letters.extend(s.text.count("a") for s in segments))
    assert sum(letters) == 200_000
    assert growth < 30


def test_elements_outside_any_paragraph_do_not_pile_up(tmp_path):
    # Only paragraphs and tables let go of what came before them: +248 MB for this file.
    controls = write_docx_without_paragraphs(tmp_path / "controls.docx", elements=1_000_000)
    with controls.open("rb") as stream:
        segments = extract(stream, DOCX)
        growth = peak_memory_growth_mb(lambda: list(segments))
    assert growth < 30


def test_a_docx_whose_end_record_hides_its_parts_is_refused_before_they_are_listed(tmp_path):
    # zipfile lists the whole central directory whatever count the end record gives.
    hiding = write_docx_hiding_its_parts(tmp_path / "hiding.docx", parts=30_000)
    peak = peak_allocated_mb(lambda: refusal_of(hiding, DOCX))
    assert "more than 1000 parts" in str(refusal_of(hiding, DOCX))
    assert peak < 2


def test_a_zip64_docx_is_counted_from_its_zip64_end_record(tmp_path):
    # zipfile reads the zip64 record that precedes the end record, whatever the latter says.
    hiding = write_docx_hiding_its_parts(tmp_path / "hiding64.docx", parts=70_000)
    peak = peak_allocated_mb(lambda: refusal_of(hiding, DOCX))
    assert "more than 1000 parts" in str(refusal_of(hiding, DOCX))
    assert peak < 2


def test_a_pdf_is_refused_for_its_pages_while_they_are_listed(tmp_path):
    # The same page named 20,000 times: pypdf made an object for each before the count.
    repeated = write_pdf_of_repeated_pages(tmp_path / "repeated.pdf", pages=20_000)
    limits = Limits(max_pages=100)
    peak = peak_allocated_mb(lambda: refusal_of(repeated, PDF, limits))
    assert "more than 100 pages" in str(refusal_of(repeated, PDF, limits))
    assert peak < 8


def test_a_pdf_of_as_many_pages_as_allowed_is_read(tmp_path):
    pages = write_pdf_of_repeated_pages(tmp_path / "pages.pdf", pages=100)
    with pages.open("rb") as stream:
        assert text_of_stream(stream, PDF, Limits(max_pages=100)) == ""
