"""LaTeX's own delimiters, `\\(...\\)` inline and `\\[...\\]` for display, as formulas.

Written here rather than taken from mdit_py_plugins' texmath, whose search for the closing
delimiter copies the rest of the text at every opening one: 50,000 `\\(` took minutes.
Here a formula's end is looked for only as far as a formula may be long.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from chat.rendering.markdown.math import MAX_FORMULA_CHARS

_PAIRS = {"\\(": ("\\)", "math_inline"), "\\[": ("\\]", "math_inline_display")}


def _inline(state: StateInline, silent: bool) -> bool:
    opening = state.src[state.pos : state.pos + 2]
    if opening not in _PAIRS:
        return False
    closing, kind = _PAIRS[opening]
    start = state.pos + 2
    end = state.src.find(closing, start, start + MAX_FORMULA_CHARS + 2)
    if end <= start:
        return False
    if not silent:
        token = state.push(kind, "math", 0)
        token.content = state.src[start:end]
        token.markup = opening
    state.pos = end + 2
    return True


def _block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if state.sCount[start_line] - state.blkIndent >= 4 or not state.src.startswith("\\[", begin):
        return False
    limit = min(state.eMarks[end_line - 1], begin + 2 + MAX_FORMULA_CHARS + 2)
    close = state.src.find("\\]", begin + 2, limit + 2)
    if close < 0:
        return False
    line = start_line
    while line < end_line and close >= state.eMarks[line]:
        line += 1
    if line >= end_line or state.src[close + 2 : state.eMarks[line]].strip():
        return False  # text after the formula on its line: an inline one in a paragraph
    if not silent:
        token = state.push("math_block", "math", 0)
        token.block = True
        token.content = state.src[begin + 2 : close]
        token.markup = "\\["
        token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def brackets_plugin(parser: MarkdownIt) -> None:
    parser.inline.ruler.before("escape", "math_brackets", _inline)
    parser.block.ruler.before(
        "fence", "math_brackets_block", _block, {"alt": ["paragraph", "reference", "blockquote"]}
    )
