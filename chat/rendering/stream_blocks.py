"""A streaming answer cut into finished blocks, so that it reads formatted as it arrives.

A block is finished when what follows cannot change it: a paragraph, list or table closed
by a blank line (once the next line starts at the margin: an indented one may continue
a list item), a fenced code block's closing fence, a heading's line. Each finished block
is rendered once, on the server, by the same renderer (and sanitiser) as the final
answer; only the open block is shown as text. Each line is looked at once, so the cost
per token does not grow with the answer: a 40,000-token answer streams at its end as
fast as at its start.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")


class BlockSplitter:
    def __init__(self) -> None:
        self.tail = ""  # the open block: text not yet given out as a finished block
        self._scanned = 0  # tail[:_scanned] is whole lines already looked at
        self._searched = 0  # tail[_scanned:_searched] holds no line end
        self._fence = ""  # the marker of the code fence the tail is inside, if any
        self._after_blank: int | None = None  # where a block ends, if the next line allows

    def feed(self, text: str) -> list[str]:
        """Adds streamed text; returns the blocks it finished, in order."""
        self.tail += text
        blocks: list[str] = []
        while True:
            if self._after_blank is not None and self._next_line_starts_block():
                blocks.append(self._cut(self._after_blank))
            end = self.tail.find("\n", max(self._scanned, self._searched))
            if end < 0:
                # A line that goes on (a long paragraph): not looked through again.
                self._searched = len(self.tail)
                return blocks
            line = self.tail[self._scanned : end]
            self._scanned = end + 1
            if self._fence:
                closing = _FENCE.match(line)
                if (
                    closing
                    and closing.group(1)[0] == self._fence[0]
                    and len(closing.group(1)) >= len(self._fence)
                    and not line[closing.end() :].strip()
                ):
                    self._fence = ""
                    blocks.append(self._cut(self._scanned))
                continue
            if not line.strip():
                if self.tail[: self._scanned].strip():
                    self._after_blank = self._scanned
                else:
                    blocks.append(self._cut(self._scanned))  # blank lines between blocks
                continue
            self._after_blank = None
            opening = _FENCE.match(line)
            if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end() :]):
                self._fence = opening.group(1)
            elif _HEADING.match(line):
                blocks.append(self._cut(self._scanned))

    def _next_line_starts_block(self) -> bool:
        rest = self.tail[self._scanned : self._scanned + 1]
        return bool(rest) and rest not in " \t\n"

    def _cut(self, at: int) -> str:
        block, self.tail = self.tail[:at], self.tail[at:]
        self._scanned -= at
        self._searched = max(0, self._searched - at)
        self._after_blank = None
        return block


def split_blocks(text: str) -> tuple[list[str], str]:
    """A whole text as its finished blocks and its open tail."""
    splitter = BlockSplitter()
    blocks = splitter.feed(text)
    return blocks, splitter.tail
