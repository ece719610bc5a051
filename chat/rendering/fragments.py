"""HTML fragments for the page and for the websocket push, from the same partials.

A pushed fragment is an htmx out-of-band swap: each carries its own target.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from chat.models import Message, Step, Thread
from chat.rendering import elements, shapes, sidebar
from chat.rendering.chat_start import icon_kind
from chat.rendering.feedback import CHAT, REVIEW, tools_context
from chat.rendering.generation import generation_context
from chat.rendering.items import render_step
from chat.rendering.markdown import cut_off, render_code, render_markdown
from chat.rendering.stream_blocks import split_blocks

FRAGMENTS = "chat/fragments/"


def shown_status(message: Message) -> str:
    """The status a reader should see: a stream whose server went away is interrupted."""
    if message.status == Message.Status.STREAMING:
        stale_before = timezone.now() - timedelta(seconds=settings.CHAT_STREAM_STALE_SECONDS)
        if message.updated_at < stale_before:
            return Message.Status.INTERRUPTED
    return message.status


# A message that ended before its text did.
CUT_OFF = (Message.Status.STOPPED, Message.Status.INTERRUPTED, Message.Status.FAILED)


def message_context(message: Message, mode: str = CHAT) -> dict:
    """`mode` CHAT is the live chat; REVIEW and SHARED are transcripts to read only."""
    status = shown_status(message)
    streaming = status == Message.Status.STREAMING
    is_user = message.author_kind == Message.Author.USER
    shown = elements.message_elements(message)
    text = cut_off(message.content) if status in CUT_OFF else message.content
    # User text is shown as typed (unless CHAT_USER_MESSAGE_MARKDOWN); assistant text as
    # markdown once it is complete (while it streams, its finished blocks are).
    as_markdown = not streaming and (not is_user or settings.CHAT_USER_MESSAGE_MARKDOWN)
    blocks, tail = split_blocks(message.content) if streaming else ([], "")
    context = {
        "kind": "message",
        "message": message,
        # While it streams: its finished blocks formatted, the open one as text.
        "done_id": message_done_id(message.pk),
        "stream_html": "".join(stream_block_html(block) for block in blocks),
        "stream_tail": tail,
        "status": status,
        "streaming": streaming,
        "is_user": is_user,
        "html": render_markdown(text, shown["links"]) if as_markdown else "",
        "elements": shown,
        "actions": message.metadata.get("actions", []),
        "ask": ask_context(message),
        "tools": tools_context(message, status, mode),
        # Replaced by an edit or a regeneration: only reviewers see it, greyed.
        "superseded": (message.metadata.get("superseded") or {}).get("reason", ""),
        "edits": message.metadata.get("edits", []) if mode == REVIEW else [],
    }
    if mode != CHAT:
        # Nothing in a transcript can be clicked: no buttons, no open question.
        context["actions"] = []
        if context["ask"] and context["ask"]["pending"]:
            context["ask"] = None
    return context


def ask_context(message: Message) -> dict | None:
    """A question the assistant is waiting on, while it can still be answered."""
    ask = message.metadata.get("ask")
    if not ask:
        return None
    status = ask.get("status", "pending")
    if status == "pending" and ask.get("expires_at", "") < timezone.now().isoformat():
        status = "expired"
    return {**ask, "status": status, "pending": status == "pending"}


def actions(message: Message, *, oob: bool = False) -> str:
    return render_to_string(
        FRAGMENTS + "actions.html",
        {"message": message, "actions": message.metadata.get("actions", []), "oob": oob},
    )


def message(message: Message, *, oob: bool = False) -> str:
    return render_to_string(
        FRAGMENTS + "message.html", {"item": message_context(message), "oob": oob}
    )


def message_appended(message: Message) -> str:
    return render_to_string(FRAGMENTS + "message_append.html", {"item": message_context(message)})


def message_removed(message_id: str) -> str:
    return render_to_string(FRAGMENTS + "message_removed.html", {"message_id": message_id})


def tokens(dom_id: str, text: str) -> str:
    return render_to_string(FRAGMENTS + "tokens.html", {"dom_id": dom_id, "text": text})


def stream_text(dom_id: str, text: str) -> str:
    """Replaces a stream's whole text: used to catch a late tab up."""
    return render_to_string(FRAGMENTS + "stream_text.html", {"dom_id": dom_id, "text": text})


def messages_context(
    items: Iterable[Message],
    steps: Iterable[Step] = (),
    *,
    oob: bool = False,
    mode: str = CHAT,
    cot: str | None = None,
) -> dict:
    """`cot`: how the thread's steps show (chat.engine.profile_config.cot), CHAT_COT if None."""
    return {"items": thread_items(items, steps, mode, cot), "oob": oob}


def messages(items: Iterable[Message], steps: Iterable[Step] = (), *, oob: bool = False) -> str:
    return render_to_string(FRAGMENTS + "messages.html", messages_context(items, steps, oob=oob))


def earlier(context: dict) -> str:
    """The "Show earlier messages" button at the top of a conversation, or nothing."""
    if not context.get("earlier_url"):
        return ""
    return render_to_string(FRAGMENTS + "earlier.html", context)


def run_state(running: bool) -> str:
    return shapes.render(FRAGMENTS + "run_state.html", {"running": running, "oob": True})


def notice(text: str, *, level: str = "error", keep_draft: bool = False) -> str:
    return render_to_string(
        FRAGMENTS + "notice.html",
        {"text": text, "level": level, "oob": True, "keep_draft": keep_draft},
    )


TOAST_TYPES = ("info", "success", "warning", "error")


def toast(text: str, kind: str = "info") -> str:
    return render_to_string(FRAGMENTS + "toast.html", {"text": text, "kind": kind})


def thread_list(
    threads: Iterable[Thread],
    current_id: str | None,
    *,
    oob: bool = False,
    next_cursor: str | None = None,
    query: str = "",
) -> str:
    """The sidebar's list, grouped by day; `next_cursor` makes it load more on scroll."""
    return render_to_string(
        FRAGMENTS + "thread_list.html",
        sidebar.list_context(threads, current_id, next_cursor=next_cursor, query=query, oob=oob),
    )


def thread_listed_first(thread: Thread, current_id: str | None) -> str:
    """The thread added on top of the sidebar's "Today" group (where a tab shows one)."""
    return render_to_string(
        FRAGMENTS + "thread_listed_first.html", {"thread": thread, "current_id": current_id}
    )


def thread_title(thread: Thread, *, oob: bool = True) -> str:
    return render_to_string(FRAGMENTS + "thread_title.html", {"thread": thread, "oob": oob})


# -- steps ---------------------------------------------------------------------------------
def message_text_id(message_id: Any) -> str:
    return f"m-{message_id}-text"


def message_done_id(message_id: Any) -> str:
    """The element holding a streaming message's finished blocks, formatted."""
    return f"m-{message_id}-done"


def stream_block_html(block: str) -> str:
    """A finished block of a streaming answer: formatted as the final render will be, its
    code not yet coloured."""
    return render_markdown(block, highlight=False)


def stream_done(dom_id: str, html: str = "") -> str:
    """Replaces a stream's finished blocks (a late tab catching up starts from none)."""
    return render_to_string(
        FRAGMENTS + "stream_done.html", {"dom_id": dom_id, "html": html, "oob": True}
    )


def stream_tail(dom_id: str, text: str) -> str:
    """Replaces the text of a stream's open block (its element stays: what watches it, a
    cursor, a reader's selection, stays with it)."""
    return render_to_string(FRAGMENTS + "stream_tail.html", {"dom_id": dom_id, "text": text})


def stream_block_text(text: str) -> str:
    """A finished block too large for a frame once formatted: as text (the final render
    formats it)."""
    return render_to_string(FRAGMENTS + "stream_block_text.html", {"text": text})


def step_output_id(step_id: Any) -> str:
    return f"s-{step_id}-output-text"


def _duration(step: Step) -> str:
    if step.ended_at is None:
        return ""
    seconds = max(0.0, (step.ended_at - step.started_at).total_seconds())
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


# Characters of a step's output shown in the chat; the rest stays in the stored step.
STEP_VIEW_CHARS = 8000


def step_visible(step: Step, cot: str | None = None) -> bool:
    """Whether `cot` (the thread's, else CHAT_COT) shows this step's own box (its children
    decide for themselves)."""
    mode = cot or settings.CHAT_COT
    if mode == "hidden":
        return False
    if mode == "tool_call":
        return step.type == "tool"
    return True


def step_context(
    step: Step, children: dict[Any, list[Step]] | None = None, cot: str | None = None
) -> dict:
    children = children or {}
    running = step.ended_at is None
    language = step.language
    show_input = step.metadata.get("show_input", "json")
    shown = elements.step_elements(step)
    auto_collapse = bool(step.metadata.get("auto_collapse"))
    icon = step.metadata.get("icon") or ""
    return {
        "kind": "step",
        "step": step,
        "visible": step_visible(step, cot),
        "running": running,
        "duration": _duration(step),
        "show_input": bool(show_input) and bool(step.input),
        "input_html": render_code(step.input, show_input if isinstance(show_input, str) else "json")
        if show_input and step.input
        else "",
        # A long output (a tool's, say) is cut in the view; the step keeps it whole.
        "output_cut": max(0, len(step.output) - STEP_VIEW_CHARS),
        "output_html": ""
        if running
        else render_code(step.output[:STEP_VIEW_CHARS], language)
        if language
        else render_markdown(step.output[:STEP_VIEW_CHARS], shown["links"]),
        "elements": shown,
        "language": language,
        # Chainlit's auto_collapse: open while it runs, closed once it ends (the page closes
        # it when the end arrives; a reload draws it closed).
        "default_open": (running and auto_collapse)
        or (bool(step.metadata.get("default_open")) and not auto_collapse),
        "auto_collapse": running and auto_collapse,
        "icon": icon,
        "icon_kind": icon_kind(icon),
        "generation": generation_context(step.metadata),
        "superseded": (step.metadata.get("superseded") or {}).get("reason", ""),
        "children": [step_context(child, children, cot) for child in children.get(step.id, [])],
    }


def step(step_id: Any, steps: Iterable[Step], cot: str | None = None) -> str:
    """One step of the thread (`steps`), with its children, as the chat shows it."""
    children: dict[Any, list[Step]] = {}
    found = None
    for row in steps:
        if row.pk == step_id:
            found = row
        if row.parent_id:
            children.setdefault(row.parent_id, []).append(row)
    return render_to_string(
        FRAGMENTS + "step.html", {"item": step_context(found, children, cot), "oob": False}
    )


def step_appended(step: Step, cot: str | None = None) -> str:
    target = f"#s-{step.parent_id}-children" if step.parent_id else "#messages"
    return render_to_string(
        FRAGMENTS + "step_append.html", {"target": target, "item": step_context(step, cot=cot)}
    )


def step_updated(step: Step, cot: str | None = None) -> str:
    return render_step(FRAGMENTS + "step_parts.html", step_context(step, cot=cot))


def step_removed(step_id: Any) -> str:
    return render_to_string(FRAGMENTS + "step_removed.html", {"step_id": step_id})


def thread_items(
    messages: Iterable[Message], steps: Iterable[Step], mode: str = CHAT, cot: str | None = None
) -> list[dict]:
    """Messages and top-level steps in conversation order, each step with its children.

    A reviewer sees every step, whatever `cot` shows the conversation's own person: the
    review is there to see what the assistant did."""
    if mode == REVIEW:
        cot = "full"
    children: dict[Any, list[Step]] = {}
    roots: list[Step] = []
    for step in steps:
        (children.setdefault(step.parent_id, []) if step.parent_id else roots).append(step)
    items = [(m.order, message_context(m, mode)) for m in messages]
    items += [(s.order, step_context(s, children, cot)) for s in roots]
    return [context for _, context in sorted(items, key=lambda pair: pair[0])]
