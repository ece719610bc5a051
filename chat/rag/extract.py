"""Text out of documents, as a stream of segments: memory stays bounded by a block or a
page, whatever the size of the file, and the reader stops as soon as enough was read.

Supported: plain text and markdown, HTML, PDF (pypdf) and DOCX (python-docx). A file
that cannot be read raises ExtractionError with a message meant for the user.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import BinaryIO

import docx
from docx.opc.exceptions import PackageNotFoundError
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

BLOCK_BYTES = 64 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


class ExtractionError(Exception):
    """The document cannot be read; the message says why, for the user."""


@dataclass(frozen=True)
class Segment:
    text: str
    page: int | None = None


def kind_of(mime: str, name: str = "") -> str | None:
    """Which reader fits a file: "pdf", "docx", "html", "text", or None (unsupported)."""
    mime = (mime or "").split(";")[0].strip().lower()
    suffix = PurePosixPath(name.lower()).suffix
    if mime == PDF:
        return "pdf"
    if mime == DOCX:
        return "docx"
    if mime in (HTML, "application/xhtml+xml") or (
        mime.startswith("text/") and suffix in HTML_SUFFIXES
    ):
        return "html"
    if mime.startswith("text/") or mime in ("application/json", "application/xml"):
        return "text"
    return None


def supported(mime: str, name: str = "") -> bool:
    return kind_of(mime, name) is not None


def extract(stream: BinaryIO, mime: str, name: str = "") -> Iterator[Segment]:
    """Segments of the document's text, in order. The stream must be seekable for PDF
    and DOCX; text and HTML are read block by block."""
    kind = kind_of(mime, name)
    if kind == "text":
        return _text(stream)
    if kind == "html":
        return _html(stream)
    if kind == "pdf":
        return _pdf(stream)
    if kind == "docx":
        return _docx(stream)
    raise ExtractionError(f"files of type {mime or 'unknown'} cannot be read for questions")


# -- plain text --------------------------------------------------------------------------------
def _decoded_blocks(stream: BinaryIO) -> Iterator[str]:
    head = stream.read(4)
    encoding = "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    block = head
    while block:
        text = decoder.decode(block)
        if text:
            yield text
        block = stream.read(BLOCK_BYTES)
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail


def _text(stream: BinaryIO) -> Iterator[Segment]:
    for text in _decoded_blocks(stream):
        yield Segment(text.replace("\x00", ""))


# -- HTML ----------------------------------------------------------------------------------------
BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "dd", "dt", "hr",
    "title", "main", "aside", "nav", "figcaption",
}  # fmt: skip
SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "head"}


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self.title = True
        elif tag in SKIPPED_TAGS:
            self.skipping += 1
        if tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.title = False
        elif tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1
        if tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        # The title is inside <head>, which is otherwise skipped.
        if self.title or not self.skipping:
            self.parts.append(data)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def _html(stream: BinaryIO) -> Iterator[Segment]:
    parser = _TextOfHtml()
    for block in _decoded_blocks(stream):
        parser.feed(block)
        text = parser.take()
        if text:
            yield Segment(text)
    parser.close()
    text = parser.take()
    if text:
        yield Segment(text)


# -- PDF -------------------------------------------------------------------------------------------
def _pdf(stream: BinaryIO) -> Iterator[Segment]:
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty password, only to restrict printing.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise ExtractionError("the PDF is protected by a password")
        pages = len(reader.pages)
    except ExtractionError:
        raise
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, OSError) as e:
        raise ExtractionError(f"the PDF is damaged or not a PDF ({type(e).__name__})") from e
    for number in range(pages):
        try:
            text = reader.pages[number].extract_text() or ""
        except Exception as error:  # pypdf raises many kinds on a broken page
            raise ExtractionError(
                f"page {number + 1} of the PDF could not be read ({type(error).__name__})"
            ) from error
        if text.strip():
            yield Segment(text + "\n\n", page=number + 1)


# -- DOCX ------------------------------------------------------------------------------------------
def _docx(stream: BinaryIO) -> Iterator[Segment]:
    try:
        document = docx.Document(stream)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ExtractionError(
            f"the Word document is damaged or not a .docx file ({type(error).__name__})"
        ) from error
    for paragraph in document.paragraphs:
        if paragraph.text.strip():
            yield Segment(paragraph.text + "\n\n")
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                yield Segment(" | ".join(cells) + "\n")
        yield Segment("\n")
