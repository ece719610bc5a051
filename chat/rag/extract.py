"""Text out of documents, as a stream of segments: memory stays bounded by a block or a
page, whatever the size of the file, and the reader stops as soon as enough was read.

Supported: plain text and markdown, HTML, PDF (pypdf) and DOCX (its main part, read as a
stream). A file that cannot be read raises ExtractionError with a message meant for the
user. What a small file may unpack into is bounded by Limits: a .docx's parts, their
declared sizes and the bytes actually unpacked, a PDF's pages and decompressed streams.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from lxml import etree
from pypdf import PdfReader, apply_configuration
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

BLOCK_BYTES = 64 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


MB = 1024 * 1024


class ExtractionError(Exception):
    """The document cannot be read; the message says why, for the user."""


@dataclass(frozen=True)
class Limits:
    """How far a document may expand as it is read. A 1 MB .docx can unpack into
    gigabytes, and a PDF stream decompresses a thousandfold."""

    max_expanded_bytes: int = 100 * MB
    max_parts: int = 1000
    max_pages: int = 2000
    max_pdf_stream_bytes: int = 16 * MB
    max_pdf_page_tokens: int = 200_000

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_expanded_bytes=int(settings.CHAT_RAG_MAX_EXPANDED_MB * MB),
            max_pages=settings.CHAT_RAG_MAX_PAGES,
        )


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


def extract(
    stream: BinaryIO, mime: str, name: str = "", limits: Limits | None = None
) -> Iterator[Segment]:
    """Segments of the document's text, in order. The stream must be seekable for PDF
    and DOCX; text and HTML are read block by block."""
    kind = kind_of(mime, name)
    limits = limits or Limits()
    if kind == "text":
        return _text(stream)
    if kind == "html":
        return _html(stream)
    if kind == "pdf":
        return _pdf(stream, limits)
    if kind == "docx":
        return _docx(stream, limits)
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
# HTMLParser keeps an unfinished tag, comment or declaration in its buffer and scans it
# again with every block: past this size it is not a document, and reading on would take
# time quadratic in its length.
HTML_MAX_PENDING_CHARS = 1024 * 1024
# Inline scripts and styles are held whole until they end too, but large ones are common
# in saved pages and scanning them again is cheap.
HTML_MAX_PENDING_SCRIPT_CHARS = 16 * HTML_MAX_PENDING_CHARS
HTML_MAX_ATTRIBUTES = 1000
_TAG_NAME = re.compile(r"<[^\s/>]*")
_ATTRIBUTE = re.compile(r"""[\s/]+[^\s/>=]+(?:\s*=\s*(?:'[^']*'|"[^"]*"|[^\s>]*))?""")


def _html_tag_too_large() -> ExtractionError:
    return ExtractionError(_("the HTML file has a tag too large to read"))


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = False

    def parse_starttag(self, i: int) -> int:
        # The parser's pattern for a tag takes memory for each attribute, every time the
        # tag is scanned (again with each block while it is unfinished): count them first.
        at = _TAG_NAME.match(self.rawdata, i).end()
        for _counted in range(HTML_MAX_ATTRIBUTES + 1):
            attribute = _ATTRIBUTE.match(self.rawdata, at)
            if attribute is None:
                break
            at = attribute.end()
        else:
            raise _html_tag_too_large()
        return super().parse_starttag(i)

    def most_pending(self) -> int:
        if getattr(self, "cdata_elem", None):  # inside <script> or <style>
            return HTML_MAX_PENDING_SCRIPT_CHARS
        return HTML_MAX_PENDING_CHARS

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
        if len(parser.rawdata) > parser.most_pending():
            raise _html_tag_too_large()
        text = parser.take()
        if text:
            yield Segment(text)
    parser.close()
    text = parser.take()
    if text:
        yield Segment(text)


# -- PDF -------------------------------------------------------------------------------------------
def _pdf_configuration(limits: Limits) -> dict[str, int]:
    """pypdf's own limits, tightened: each decompressed stream (75 MB by default), the
    tokens of a page's content (2 million by default, about 450 MB once parsed) and the
    entries of the page tree (100,000 by default, each page a copy of its object)."""
    most = limits.max_pdf_stream_bytes
    return {
        "maximum_declared_stream_length": most,
        "array_based_stream_maximum_output_length": most,
        "zlib_maximum_output_length": most,
        "lzw_maximum_output_length": most,
        "run_length_maximum_output_length": most,
        "brotli_maximum_output_length": most,
        "jbig2_maximum_output_length": most,
        "image_maximum_buffer_size": most,
        "stream_decoding_work_maximum_length": 4 * most,
        "stream_parsing_work_maximum_count": limits.max_pdf_page_tokens,
        # Pages and the nodes that group them: refused while pypdf lists them, rather
        # than counted once it has made an object for each.
        "page_tree_maximum_entries": 2 * limits.max_pages + 1,
    }


def _pdf_too_large(page: int | None = None) -> ExtractionError:
    if page is None:
        return ExtractionError(_("the PDF is too large to read once unpacked"))
    return ExtractionError(
        _("page %(page)d of the PDF is too large to read once unpacked") % {"page": page}
    )


def _too_many_pages(limits: Limits) -> ExtractionError:
    return ExtractionError(
        ngettext(
            "the PDF has more than %(count)d page",
            "the PDF has more than %(count)d pages",
            limits.max_pages,
        )
        % {"count": limits.max_pages}
    )


def _pdf(stream: BinaryIO, limits: Limits) -> Iterator[Segment]:
    configuration = _pdf_configuration(limits)
    # pypdf reads its limits from a context variable: set around each step, never
    # across a yield (the caller may resume this generator from another context).
    try:
        with apply_configuration(**configuration):
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
    except LimitReachedError as error:
        if "page tree" in str(error):
            raise _too_many_pages(limits) from error
        raise _pdf_too_large() from error
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, OSError) as e:
        raise ExtractionError(f"the PDF is damaged or not a PDF ({type(e).__name__})") from e
    if pages > limits.max_pages:
        raise _too_many_pages(limits)
    for number in range(pages):
        try:
            with apply_configuration(**configuration):
                text = reader.pages[number].extract_text() or ""
        except LimitReachedError as error:
            raise _pdf_too_large(number + 1) from error
        except Exception as error:  # pypdf raises many kinds on a broken page
            raise ExtractionError(
                f"page {number + 1} of the PDF could not be read ({type(error).__name__})"
            ) from error
        if text.strip():
            yield Segment(text + "\n\n", page=number + 1)


# -- DOCX ------------------------------------------------------------------------------------------
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
MAIN_PART = "/officeDocument"
END_OF_DIRECTORY = b"PK\x05\x06"
END_OF_DIRECTORY_SIZE = 22
ZIP64_END = b"PK\x06\x06"
ZIP64_END_SIZE = 56
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_LOCATOR_SIZE = 20
# A central directory entry: 46 bytes, then its name, extra field and comment. Names in a
# .docx are short; this leaves room for long ones and for zip64 and timestamp fields.
MOST_BYTES_PER_PART = 46 + 1024
RELATIONSHIPS_MAX_BYTES = 1024 * 1024


def _damaged_docx(error: BaseException) -> ExtractionError:
    return ExtractionError(
        f"the Word document is damaged or not a .docx file ({type(error).__name__})"
    )


def _too_large(limits: Limits) -> ExtractionError:
    return ExtractionError(
        _("the document unpacks to more than %(size)d MB")
        % {"size": limits.max_expanded_bytes // MB}
    )


def _too_many_parts(limits: Limits) -> ExtractionError:
    return ExtractionError(
        ngettext(
            "the document is made of more than %(count)d part",
            "the document is made of more than %(count)d parts",
            limits.max_parts,
        )
        % {"count": limits.max_parts}
    )


def _declared_directory(stream: BinaryIO) -> tuple[int, int]:
    """How many parts the zip's end record declares, and the size of its central
    directory, read as zipfile reads them (a zip64 end record, when one precedes the end
    record, wins) but before zipfile builds an object for each part: zipfile lists every
    entry the directory holds, whatever count the end record gives."""
    stream.seek(0, 2)
    size = stream.tell()
    # The end record and its comment, with room for a zip64 end record and locator.
    tail_size = min(size, END_OF_DIRECTORY_SIZE + 0xFFFF + ZIP64_END_SIZE + ZIP64_LOCATOR_SIZE)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < END_OF_DIRECTORY_SIZE:
        raise zipfile.BadZipFile("no end of central directory")
    count, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    locator = at - ZIP64_LOCATOR_SIZE
    record = locator - ZIP64_END_SIZE
    if (
        record >= 0
        and tail[locator : locator + 4] == ZIP64_LOCATOR
        and tail[record : record + 4] == ZIP64_END
    ):
        count, directory_size = struct.unpack("<QQ", tail[record + 32 : record + 48])
    return count, directory_size


class _Bounded:
    """A part being unpacked, read no further than it declared nor than the limit."""

    def __init__(self, part: BinaryIO, declared: int, limits: Limits) -> None:
        self.part = part
        self.most = min(declared, limits.max_expanded_bytes)
        self.limits = limits
        self.taken = 0

    def read(self, size: int = -1) -> bytes:
        data = self.part.read(64 * 1024 if size is None or size < 0 else size)
        self.taken += len(data)
        if self.taken > self.most:
            raise _too_large(self.limits)
        return data


def checked_zip(stream: BinaryIO, limits: Limits) -> zipfile.ZipFile:
    """The zip, once its part count and the sizes its parts declare are within limits."""
    count, directory_size = _declared_directory(stream)
    if count > limits.max_parts or directory_size > limits.max_parts * MOST_BYTES_PER_PART:
        raise _too_many_parts(limits)
    archive = zipfile.ZipFile(stream)
    parts = archive.infolist()
    if len(parts) > limits.max_parts:
        raise _too_many_parts(limits)
    if sum(part.file_size for part in parts) > limits.max_expanded_bytes:
        raise _too_large(limits)
    return archive


def check_before_reading(stream: BinaryIO, mime: str, name: str, limits: Limits) -> None:
    """Refuses (ExtractionError) a document whose container already says it unpacks past
    the limits: cheap, for when the file arrives. Reading checks again, as it goes."""
    if kind_of(mime, name) != "docx":
        return
    try:
        checked_zip(stream, limits).close()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _damaged_docx(error) from error
    finally:
        stream.seek(0)


def _xml_parser() -> Any:
    # No entities, no network, no text node over 10 MB (huge_tree off).
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _main_part_name(archive: zipfile.ZipFile, limits: Limits) -> str:
    """The document's main part, as the package's relationships name it."""
    try:
        info = archive.getinfo("_rels/.rels")
    except KeyError:
        return "word/document.xml"
    if info.file_size > RELATIONSHIPS_MAX_BYTES:
        raise _too_large(limits)
    with archive.open(info) as part:
        data = _Bounded(part, info.file_size, limits).read(info.file_size)
    root = etree.fromstring(data, _xml_parser())
    for relationship in root.iter(RELATIONSHIPS):
        if relationship.get("Type", "").endswith(MAIN_PART):
            return relationship.get("Target", "").lstrip("/")
    return "word/document.xml"


def _docx(stream: BinaryIO, limits: Limits) -> Iterator[Segment]:
    try:
        archive = checked_zip(stream, limits)
        name = _main_part_name(archive, limits)
        info = archive.getinfo(name)
        part = archive.open(info)
    except ExtractionError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, etree.XMLSyntaxError) as e:
        raise _damaged_docx(e) from e
    try:
        yield from _wordprocessing_text(
            etree.iterparse(
                _Bounded(part, info.file_size, limits),
                events=("end",),
                resolve_entities=False,
                no_network=True,
                huge_tree=False,  # as _xml_parser
            )
        )
    except etree.XMLSyntaxError as error:
        raise _damaged_docx(error) from error
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise _damaged_docx(error) from error
    finally:
        part.close()
        archive.close()


# Text a paragraph (or a table row) may gather before it is handed over in pieces: one
# paragraph of a 100 MB part would otherwise be held whole, as millions of small strings.
PARAGRAPH_MAX_CHARS = 256 * 1024
PARAGRAPH_MAX_PIECES = 4096
T, TAB, BR, CR, P, TC, TR, TBL = (
    W + name for name in ("t", "tab", "br", "cr", "p", "tc", "tr", "tbl")
)


def _in_table(element: Any) -> bool:
    # Cheap: libxml2 refuses documents nested deeper than 256 elements (huge_tree off).
    return next(element.iterancestors(TC), None) is not None


class _Pieces:
    """Text gathered piece by piece, joined before the pieces become many."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.chars = 0

    def add(self, text: str) -> None:
        self.pieces.append(text)
        self.chars += len(text)
        if len(self.pieces) > PARAGRAPH_MAX_PIECES:
            self.pieces[:] = ["".join(self.pieces)]

    def take(self) -> str:
        text = "".join(self.pieces)
        self.pieces.clear()
        self.chars = 0
        return text


def _wordprocessing_text(events: Any) -> Iterator[Segment]:
    """Paragraphs as blocks, table rows as `cell | cell`, in the order of the document.
    Every element is dropped once read, and a paragraph or row longer than
    PARAGRAPH_MAX_CHARS is handed over in pieces, so memory stays bounded whatever the
    part holds."""
    runs = _Pieces()
    cell: list[str] = []
    row: list[str] = []
    row_chars = 0
    for _event, element in events:
        tag = element.tag
        if tag == T:
            runs.add(element.text or "")
        elif tag == TAB:
            runs.add("\t")
        elif tag in (BR, CR):
            runs.add("\n")
        elif tag == P:
            if _in_table(element):
                text = runs.take()
                if text:  # empty ones would pile up, uncounted
                    cell.append(text)
                    row_chars += len(text)
            else:
                text = runs.take()
                if text.strip():
                    yield Segment(text + "\n\n")
        elif tag == TC:
            text = "\n".join(cell).strip()
            cell.clear()
            if text:
                row.append(text)
        elif tag == TR:
            if row:
                yield Segment(" | ".join(row) + "\n")
            row.clear()
            row_chars = 0
        elif tag == TBL and not _in_table(element):
            yield Segment("\n")
        if runs.chars > PARAGRAPH_MAX_CHARS:
            yield Segment(runs.take())
        if row_chars > PARAGRAPH_MAX_CHARS:
            yield Segment(" | ".join([*row, "\n".join(cell)]))
            row.clear()
            cell.clear()
            row_chars = 0
        # Read: it goes, and so do the siblings read before it, whatever their kind.
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]
