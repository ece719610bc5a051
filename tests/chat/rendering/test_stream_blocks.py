"""A streaming answer cut into finished blocks: each rendered once, as the final render
would render it, whatever the size of the pieces it arrives in."""

from __future__ import annotations

import re

import pytest

from chat.rendering.markdown import render_markdown
from chat.rendering.stream_blocks import BlockSplitter, split_blocks

ANSWER = """# A tour

Some **bold** words and `code`,
on two lines.

## Lists

- first
- second
  - nested

1. one
2. two

| a | b |
|---|---|
| 1 | 2 |

```python
def f():

    return 1
```
After the fence.
> a quote
> [!NOTE]

Formula: $E=mc^2$ and a [link](https://example.com).

~~~
tilde fence
~~~

The open paragraph"""


def streamed(text: str, size: int) -> tuple[list[str], str]:
    splitter = BlockSplitter()
    blocks: list[str] = []
    for start in range(0, len(text), size):
        blocks += splitter.feed(text[start : start + size])
    return blocks, splitter.tail


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50, 10_000])
def test_the_blocks_do_not_depend_on_how_the_text_arrives(size):
    assert streamed(ANSWER, size) == split_blocks(ANSWER)


def test_blocks_and_tail_are_the_whole_text_in_order():
    blocks, tail = split_blocks(ANSWER)
    assert "".join(blocks) + tail == ANSWER
    assert tail == "The open paragraph"


def test_a_heading_is_finished_at_its_line_end_and_a_paragraph_at_a_blank_line():
    blocks, tail = split_blocks("# Title\nA paragraph\n\nNext")
    assert blocks == ["# Title\n", "A paragraph\n\n"]
    assert tail == "Next"


def test_a_blank_line_finishes_a_block_only_once_the_next_one_starts_at_the_margin():
    # An indented line may still belong to the list item above it.
    assert split_blocks("- item\n\n")[0] == []
    assert split_blocks("- item\n\n  more of the item\n\nNext")[0] == [
        "- item\n\n  more of the item\n\n"
    ]


def test_a_code_fence_is_finished_by_its_closing_fence_and_blank_lines_inside_do_not_cut():
    blocks, tail = split_blocks("```\na\n\nb\n```\nafter")
    assert blocks == ["```\na\n\nb\n```\n"]
    assert tail == "after"
    # A shorter or other fence does not close it.
    assert split_blocks("````\n```\n~~~\n")[0] == []


def test_rendering_block_by_block_reads_as_the_final_render():
    blocks, tail = split_blocks(ANSWER)
    pieces = "".join(render_markdown(block, highlight=False) for block in [*blocks, tail])
    whole = render_markdown(ANSWER, highlight=False)
    # Footnote ids aside (none here), the same HTML: nothing jumps at the end.
    assert re.sub(r"\s+", " ", pieces) == re.sub(r"\s+", " ", whole)
