"""Websocket frames sized to fit: no fragment pushed to a tab is larger than FRAME_BYTES.

Daphne's websocket library refuses to send a message over 1 MiB (it raises, and the
socket closes 1011), and the page would reconnect and fail again for ever. Raising that
limit only moves the wall, and holds more per socket; so every frame is kept small instead:
- a thread's snapshot goes out in several frames, each a run of whole items;
- a finished answer too large for one frame (megabytes of text) goes out with its status,
  buttons and tools but without its text, which it loads over HTTP (no such limit there);
  any other item too large is a placeholder that loads the whole item that way;
- the text of a live stream, and any run of tokens, is cut into pieces that fit, sent
  in order after their item (HTTP could land before or after the live tokens).
256 KiB leaves a wide margin under 1 MiB (compressed frames are never much larger than
the text) and keeps each frame quick for a browser to parse.
"""

from __future__ import annotations

import copy
from typing import Any

from django.template.loader import render_to_string

from chat.models import Message, Step
from chat.rendering import fragments, items, shapes
from chat.rendering.stream_blocks import BlockSplitter, split_blocks

FRAME_BYTES = 256 * 1024
# Escaping makes one character at most 6 bytes ("&quot;") and UTF-8 at most 4: a piece of
# this many characters renders, with its wrapper tag, within one frame.
PIECE_CHARS = FRAME_BYTES // 8
# An item goes into a frame with other swaps around it (a wrapper, the run state).
ITEM_BYTES = FRAME_BYTES - 4096
FRAGMENTS = fragments.FRAGMENTS


def byte_size(html: str) -> int:
    return len(html.encode("utf-8", "surrogatepass"))


def fits(html: str) -> bool:
    return byte_size(html) <= FRAME_BYTES


def joined(htmls: list[str]) -> list[str]:
    """Fragments due one after another, in as few frames as fit, in order: each swap of a
    frame is done in turn, as if each had come alone."""
    out: list[str] = []
    size = 0
    for html in htmls:
        html_size = byte_size(html)
        if out and size + html_size <= FRAME_BYTES:
            out[-1] += html
            size += html_size
        else:
            out.append(html)
            size = html_size
    return out


def text_pieces(text: str) -> list[str]:
    """The text cut into pieces that each fit in a frame, once rendered."""
    return [text[start : start + PIECE_CHARS] for start in range(0, len(text), PIECE_CHARS)]


def token_frames(dom_id: str, text: str) -> list[str]:
    """Frames that append `text` to a stream's element."""
    return [fragments.tokens(dom_id, piece) for piece in text_pieces(text)]


def stream_text_frames(dom_id: str, text: str) -> list[str]:
    """Frames that replace a stream's whole text: its first piece, then the rest appended."""
    pieces = text_pieces(text) or [""]
    return [fragments.stream_text(dom_id, pieces[0])] + [
        fragments.tokens(dom_id, piece) for piece in pieces[1:]
    ]


def stream_block_frames(message_id: Any, blocks: list[str]) -> list[str]:
    """Frames that append a stream's finished blocks, formatted, to its message; a block
    too large for a frame once formatted goes as text, in pieces."""
    target = "#" + fragments.message_done_id(message_id)
    frames: list[str] = []
    group: list[str] = []
    size = 0
    for block in blocks:
        html = fragments.stream_block_html(block)
        html_size = byte_size(html)
        if group and (size + html_size > ITEM_BYTES or html_size > ITEM_BYTES):
            frames.append(appended(target, "".join(group)))
            group, size = [], 0
        if html_size > ITEM_BYTES:
            frames += [
                appended(target, fragments.stream_block_text(piece)) for piece in text_pieces(block)
            ]
            continue
        group.append(html)
        size += html_size
    if group:
        frames.append(appended(target, "".join(group)))
    return frames


def stream_frames(message_id: Any, blocks: list[str], tail: str, *, reset: bool) -> list[str]:
    """Frames that show a stream: its new finished blocks, then its open one as text
    (`reset`: the finished blocks replace any the page shows)."""
    text_id = fragments.message_text_id(message_id)
    first = [fragments.stream_done(fragments.message_done_id(message_id))] if reset else []
    pieces = text_pieces(tail) or [""]
    return [
        *first,
        *stream_block_frames(message_id, blocks),
        fragments.stream_tail(text_id, pieces[0]),
        *[fragments.tokens(text_id, piece) for piece in pieces[1:]],
    ]


class MessageStreamFrames:
    """The frames that show one message's stream: each block the text finishes goes once,
    formatted; the open block as text (see stream_blocks.py)."""

    def __init__(self, message_id: Any, shown: str = "") -> None:
        """`shown`: the text the page already shows, split as message.html splits it."""
        self.message_id = message_id
        self.dom_id = fragments.message_text_id(message_id)
        self.splitter = BlockSplitter()
        self.splitter.feed(shown)

    def appended(self, chunk: str) -> list[str]:
        blocks = self.splitter.feed(chunk)
        if not blocks:
            return token_frames(self.dom_id, chunk)
        return stream_frames(self.message_id, blocks, self.splitter.tail, reset=False)

    def replaced(self, text: str) -> list[str]:
        self.splitter = BlockSplitter()
        blocks = self.splitter.feed(text)
        return stream_frames(self.message_id, blocks, self.splitter.tail, reset=True)


# -- items (messages and steps) --------------------------------------------------------------
def item_placeholder(kind: str, item_id: Any, thread_id: Any, *, oob: bool = False) -> str:
    """Stands for an item too large for a frame (`kind` "message" or "step"): it loads the
    item over HTTP, in its place."""
    return render_to_string(
        FRAGMENTS + "item_placeholder.html",
        {
            "kind": kind,
            "dom_id": f"{'s' if kind == 'step' else 'm'}-{item_id}",
            "item_id": item_id,
            "thread_id": thread_id,
            "oob": oob,
        },
    )


def appended(target: str, html: str) -> str:
    """Appends already rendered items to the element `target` (a CSS selector)."""
    return shapes.render(
        FRAGMENTS + "append.html", {"target": target, "html": html}, texts=[("target",), ("html",)]
    )


def _render_item(context: dict, *, oob: bool = False) -> str:
    if context["kind"] == "step":
        return items.render_step(FRAGMENTS + "step.html", context, oob=oob)
    return items.render_message(context, oob=oob)


def _blank_stream(context: dict) -> tuple[dict, str, str] | None:
    """A streaming item's context without its live text, the element its text goes into,
    and the text: the text then follows as pieces that fit."""
    if context["kind"] == "message" and context["streaming"]:
        message = copy.copy(context["message"])
        text, message.content = message.content, ""
        shell = {**context, "message": message, "stream_html": "", "stream_tail": ""}
        return shell, fragments.message_text_id(message.pk), text
    if context["kind"] == "step" and context["running"]:
        step = copy.copy(context["step"])
        text, step.output = step.output, ""
        return {**context, "step": step}, fragments.step_output_id(step.pk), text
    return None


def item_parts(context: dict, thread_id: Any, *, oob: bool = False) -> tuple[str, list[str]]:
    """One item of the thread as its HTML and the frames that must follow it, each of
    which fits in a frame.

    A live stream's text follows its item as appended pieces, in order on the socket, so
    that tokens streamed after it land after it. A finished item that is still too large
    is loaded over HTTP.
    """
    html = _render_item(context, oob=oob)
    if byte_size(html) <= ITEM_BYTES:
        return html, []
    blank = _blank_stream(context)
    if blank is not None:
        shell, dom_id, text = blank
        shell_html = _render_item(shell, oob=oob)
        if byte_size(shell_html) <= ITEM_BYTES:
            if context["kind"] == "message":
                # Into the shell's empty elements: its finished blocks, then the open one.
                blocks, tail = split_blocks(text)
                message_id = context["message"].pk
                return shell_html, [
                    *stream_block_frames(message_id, blocks),
                    *token_frames(dom_id, tail),
                ]
            return shell_html, token_frames(dom_id, text)
    elif context["kind"] == "message" and not context["is_user"]:
        # A long answer: everything but its text now (status, buttons, tools), the text
        # over HTTP.
        shell_html = _render_item({**context, "html": "", "lazy_body": True}, oob=oob)
        if byte_size(shell_html) <= ITEM_BYTES:
            return shell_html, []
    kind = context["kind"]
    item_id = context[kind].pk
    return item_placeholder(kind, item_id, thread_id, oob=oob), []


def snapshot_frames(items: list[dict], thread_id: Any, tail: str, *, head: str = "") -> list[str]:
    """A thread's items as frames: the first one replaces the list with `head` (the
    button that loads earlier messages) and the first run of whole items, each one after
    appends the next run; `tail` (task lists, run state, notice) comes last. A thread that
    fits in one frame is one frame, as it always was."""
    frames: list[str] = []
    group: list[str] = [head] if head else []
    size = byte_size(head)

    def close_group() -> None:
        nonlocal group, size
        html = "".join(group)
        if not frames:
            frames.append(
                render_to_string(
                    FRAGMENTS + "messages.html", {"items": [], "items_html": html, "oob": True}
                )
            )
        elif html:
            frames.append(appended("#messages", html))
        group, size = [], 0

    for context in items:
        html, after = item_parts(context, thread_id)
        html_size = byte_size(html)
        if group and size + html_size > ITEM_BYTES:
            close_group()
        group.append(html)
        size += html_size
        if after:
            # The stream's element must be on the page before its text is appended.
            close_group()
            frames.extend(after)
    close_group()
    if fits(frames[-1] + tail):
        frames[-1] += tail
    else:
        frames.append(tail)
    return frames


# -- live pushes -----------------------------------------------------------------------------
def message_update(message: Message, thread_id: Any) -> list[str]:
    """A message shown again as stored (its final render, a status change)."""
    html, after = item_parts(fragments.message_context(message), thread_id, oob=True)
    return [html, *after]


def message_appended(message: Message, thread_id: Any) -> list[str]:
    """A new message at the thread's end."""
    html, after = item_parts(fragments.message_context(message), thread_id)
    return [appended("#messages", html), *after]


def step_appended(step: Step, thread_id: Any, cot: str | None = None) -> list[str]:
    target = f"#s-{step.parent_id}-children" if step.parent_id else "#messages"
    html, after = item_parts(fragments.step_context(step, cot=cot), thread_id)
    return [appended(target, html), *after]


def step_updated(step: Step, thread_id: Any, cot: str | None = None) -> list[str]:
    html = fragments.step_updated(step, cot)
    if byte_size(html) <= ITEM_BYTES:
        return [html]
    return [item_placeholder("step", step.pk, thread_id, oob=True)]
