"""Passages out of a stream of text: about `size` characters each, cut at a paragraph,
a sentence or a word, overlapping a little so that an answer across a cut is found."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from chat.rag.extract import Segment

_SPACES = re.compile(r"[ \t\f\v\r\u00a0]+")
_LINE_SPACES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Piece:
    index: int
    text: str
    page: int | None = None


@dataclass
class Budget:
    """How much text may be taken in (CHAT_RAG_MAX_CHARS), and what was."""

    max_chars: int
    taken: int = 0
    truncated: bool = False


def normalise(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _LINE_SPACES.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text)


def _cut_at(buffer: str, size: int, page_starts: list[int] = ()) -> int:
    """Where to end a passage of about `size` characters: at a new page, if one starts
    near there (so that a passage cites one page), else at the best boundary."""
    low, high = int(size * 0.6), min(len(buffer), int(size * 1.2))
    starts = _page_cuts(page_starts, size, high)
    if starts:
        return starts[0]
    window = buffer[low:high]
    for pattern in ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " "):
        at = window.rfind(pattern)
        if at != -1:
            return low + at + len(pattern)
    return high


def _page_cuts(page_starts: list[int], size: int, high: int) -> list[int]:
    """New pages where a passage may end: not so early that it would be a scrap."""
    return [o for o in page_starts if size // 4 <= o <= high]


def _overlap_start(buffer: str, cut: int, overlap: int, page_starts: list[int] = ()) -> int:
    """Where the next passage starts: `overlap` characters back, at a word's start; a cut
    at a paragraph break or a new page needs no overlap."""
    if buffer.endswith("\n\n", 0, cut) or cut in page_starts:
        return cut
    start = max(0, cut - overlap)
    space = buffer.find(" ", start, cut)
    return cut if overlap <= 0 else (space + 1 if space != -1 else start)


def chunks(
    segments: Iterable[Segment], *, size: int = 1000, budget: Budget | None = None
) -> Iterator[Piece]:
    """Passages of the segments' text. Stops taking text once the budget is spent."""
    size = max(100, size)
    overlap = size // 7
    buffer = ""
    # (offset in buffer, page) where each segment's text begins
    pages: list[tuple[int, int | None]] = []
    index = 0

    def page_at(offset: int) -> int | None:
        found = None
        for start, page in pages:
            if start > offset:
                break
            found = page
        return found

    def page_starts() -> list[int]:
        """Offsets in the buffer where a new page begins."""
        return [
            offset
            for (offset, page), (_, before) in zip(pages[1:], pages, strict=False)
            if page is not None and page != before
        ]

    def emit(end: int) -> Piece | None:
        nonlocal index
        text = buffer[:end].strip()
        if not text:
            return None
        piece = Piece(index=index, text=text, page=page_at(0))
        index += 1
        return piece

    for segment in segments:
        text = normalise(segment.text)
        if budget is not None:
            room = budget.max_chars - budget.taken
            if len(text) > room:
                text = text[: max(0, room)]
                budget.truncated = True
            budget.taken += len(text)
        if text:
            if not buffer.strip():
                buffer, pages = "", []
            pages.append((len(buffer), segment.page))
            buffer += text
        while len(buffer) >= int(size * 1.5):
            starts = page_starts()
            cut = _cut_at(buffer, size, starts)
            piece = emit(cut)
            if piece is not None:
                yield piece
            start = _overlap_start(buffer, cut, overlap, starts)
            buffer = buffer[start:]
            # Keep the page the new start is on, then the later ones.
            current = [(0, page_at(start))] if pages else []
            pages = current + [(o - start, p) for o, p in pages if o > start]
        if budget is not None and budget.truncated:
            break
    while buffer.strip():
        ends_in_one = len(buffer) <= int(size * 1.2)
        if ends_in_one and not _page_cuts(page_starts(), size, len(buffer) - 1):
            piece = emit(len(buffer))
            if piece is not None:
                yield piece
            break
        starts = page_starts()
        cut = _cut_at(buffer, size, starts)
        piece = emit(cut)
        if piece is not None:
            yield piece
        start = _overlap_start(buffer, cut, overlap, starts)
        buffer = buffer[start:]
        current = [(0, page_at(start))] if pages else []
        pages = current + [(o - start, p) for o, p in pages if o > start]
