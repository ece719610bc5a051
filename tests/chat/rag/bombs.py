"""Documents that are small on disk and enormous once read, written straight to a file
(never built in memory): .docx whose main part unpacks to gigabytes, a PDF whose page
content decompresses a thousandfold. Used by the tests and by bench/bombs.py."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>'
)
DOCUMENT_TAIL = "</w:body></w:document>"
# Many small elements: what makes a parser that builds the whole tree use gigabytes.
PARAGRAPH = "<w:p><w:r><w:t>x</w:t></w:r></w:p>"


def _package(archive: zipfile.ZipFile) -> None:
    archive.writestr("[Content_Types].xml", CONTENT_TYPES)
    archive.writestr("_rels/.rels", RELS)


def write_docx_bomb(
    path: Path, expanded_bytes: int | None = None, *, compressed_bytes: int | None = None
) -> Path:
    """A valid .docx whose document.xml unpacks to about `expanded_bytes`, or that is
    about `compressed_bytes` on disk (about 1 MB per 340 MB unpacked)."""
    block = PARAGRAPH.encode() * (MB // len(PARAGRAPH))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _package(archive)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(DOCUMENT_HEAD.encode())
            written = 0
            while (expanded_bytes is not None and written < expanded_bytes) or (
                compressed_bytes is not None and path.stat().st_size < compressed_bytes
            ):
                part.write(block)
                written += len(block)
            part.write(DOCUMENT_TAIL.encode())
    return path


def write_lying_docx(path: Path, expanded_bytes: int, declared_bytes: int) -> Path:
    """A .docx whose document.xml declares `declared_bytes` but unpacks to more."""
    write_docx_bomb(path, expanded_bytes)
    data = bytearray(path.read_bytes())
    name = b"word/document.xml"
    # The central directory entry of document.xml: its size, and any zip64 extra field.
    at = _central_entry(data, name)
    name_length, extra_length = struct.unpack("<HH", data[at + 28 : at + 32])
    struct.pack_into("<I", data, at + 24, declared_bytes)  # uncompressed size, 32 bits
    extra = at + 46 + name_length
    end = extra + extra_length
    while extra < end:
        kind, size = struct.unpack("<HH", data[extra : extra + 4])
        if kind == 1:  # zip64: uncompressed size comes first when its 32-bit field is full
            struct.pack_into("<Q", data, extra + 4, declared_bytes)
            struct.pack_into("<I", data, at + 24, 0xFFFFFFFF)
        extra += 4 + size
    path.write_bytes(bytes(data))
    return path


def _central_entry(data: bytearray, name: bytes) -> int:
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            raise ValueError(f"{name!r} is not in the central directory")
        name_length = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if bytes(data[at + 46 : at + 46 + name_length]) == name:
            return at
        at += 4


def write_docx_with_parts(path: Path, parts: int) -> Path:
    """A .docx with this many (tiny) parts besides its document."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        _package(archive)
        archive.writestr("word/document.xml", DOCUMENT_HEAD + PARAGRAPH + DOCUMENT_TAIL)
        for number in range(parts):
            archive.writestr(f"word/media/{number}.bin", b"")
    return path


def write_pdf_bomb(path: Path, expanded_bytes: int) -> Path:
    """A one-page PDF whose content stream (FlateDecode) unpacks to `expanded_bytes` of
    text-showing operators."""
    compressor = zlib.compressobj(9)
    block = b"(x) Tj " * (MB // 7)
    compressed = bytearray(compressor.compress(b"BT /F1 11 Tf 50 780 Td "))
    written = 0
    while written < expanded_bytes:
        compressed += compressor.compress(block)
        written += len(block)
    compressed += compressor.compress(b" ET") + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed)
        + bytes(compressed)
        + b"\nendstream",
    ]
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref)
        )
    return path


def write_html_unfinished_tag(path: Path, size: int) -> Path:
    """An HTML file that is one tag of `size` bytes of attributes, never closed."""
    with path.open("wb") as out:
        out.write(b"<html><body><p>Hello</p><a ")
        block = b"b=c " * (MB // 4)
        for _ in range(size // len(block)):
            out.write(block)
    return path


def write_docx_one_paragraph(path: Path, runs: int) -> Path:
    """A .docx whose document is a single paragraph of `runs` one-letter runs."""
    run = b"<w:r><w:t>a</w:t></w:r>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _package(archive)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(DOCUMENT_HEAD.encode() + b"<w:p>")
            for _ in range(runs // 10_000):
                part.write(run * 10_000)
            part.write(b"</w:p>" + DOCUMENT_TAIL.encode())
    return path


def write_docx_without_paragraphs(path: Path, elements: int) -> Path:
    """A .docx whose body holds `elements` content controls and not one paragraph."""
    control = b"<w:sdt><w:sdtPr/></w:sdt>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _package(archive)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(DOCUMENT_HEAD.encode())
            for _ in range(elements // 10_000):
                part.write(control * 10_000)
            part.write(DOCUMENT_TAIL.encode())
    return path


def write_docx_hiding_its_parts(path: Path, parts: int) -> Path:
    """A .docx of this many parts whose end record declares only one (past 65,535 parts,
    a zip64 end record before it tells the truth)."""
    write_docx_with_parts(path, parts)
    data = bytearray(path.read_bytes())
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, 1, 1)  # parts on this disk, parts in all
    path.write_bytes(bytes(data))
    return path


def write_pdf_of_repeated_pages(path: Path, pages: int) -> Path:
    """A PDF whose page tree names the same page `pages` times: small on disk, a page
    object each once read."""
    kids = b"4 0 R " * pages
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> >>",
    ]
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(
            b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref)
        )
    return path


def write_docx_one_table_cell(path: Path, paragraphs: int) -> Path:
    """A .docx whose only table has one cell of `paragraphs` one-letter paragraphs, and as
    many empty ones."""
    paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p><w:p/>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _package(archive)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(DOCUMENT_HEAD.encode() + b"<w:tbl><w:tr><w:tc>")
            for _ in range(paragraphs // 10_000):
                part.write(paragraph * 10_000)
            part.write(b"</w:tc></w:tr></w:tbl>" + DOCUMENT_TAIL.encode())
    return path
