"""HTML fragments for the page and for the websocket push, from the same partials.

A pushed fragment is an htmx out-of-band swap: each carries its own target.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from chat.models import Message, Thread

from .markdown import render_markdown

FRAGMENTS = "chat/fragments/"


def shown_status(message: Message) -> str:
    """The status a reader should see: a stream whose server went away is interrupted."""
    if message.status == Message.Status.STREAMING:
        stale_before = timezone.now() - timedelta(seconds=settings.CHAT_STREAM_STALE_SECONDS)
        if message.updated_at < stale_before:
            return Message.Status.INTERRUPTED
    return message.status


def message_context(message: Message) -> dict:
    status = shown_status(message)
    streaming = status == Message.Status.STREAMING
    is_user = message.author_kind == Message.Author.USER
    return {
        "message": message,
        "status": status,
        "streaming": streaming,
        "is_user": is_user,
        # User text is shown as typed; assistant text as markdown once it is complete.
        "html": "" if streaming or is_user else render_markdown(message.content),
    }


def message(message: Message, *, oob: bool = False) -> str:
    context = message_context(message)
    context["oob"] = oob
    return render_to_string(FRAGMENTS + "message.html", context)


def message_appended(message: Message) -> str:
    return render_to_string(FRAGMENTS + "message_append.html", message_context(message))


def message_removed(message_id: str) -> str:
    return render_to_string(FRAGMENTS + "message_removed.html", {"message_id": message_id})


def tokens(message_id: str, text: str) -> str:
    return render_to_string(FRAGMENTS + "tokens.html", {"message_id": message_id, "text": text})


def stream_text(message_id: str, text: str) -> str:
    """Replaces a streaming message's whole text: used to catch a late tab up."""
    return render_to_string(
        FRAGMENTS + "stream_text.html", {"message_id": message_id, "text": text}
    )


def messages_context(items: Iterable[Message], *, oob: bool = False) -> dict:
    return {"message_contexts": [message_context(m) for m in items], "oob": oob}


def messages(items: Iterable[Message], *, oob: bool = False) -> str:
    return render_to_string(FRAGMENTS + "messages.html", messages_context(items, oob=oob))


def run_state(running: bool) -> str:
    return render_to_string(FRAGMENTS + "run_state.html", {"running": running, "oob": True})


def notice(text: str, *, level: str = "error") -> str:
    return render_to_string(
        FRAGMENTS + "notice.html", {"text": text, "level": level, "oob": True}
    )


def thread_list(threads: Iterable[Thread], current_id: str | None, *, oob: bool = False) -> str:
    return render_to_string(
        FRAGMENTS + "thread_list.html",
        {"threads": list(threads), "current_id": current_id, "oob": oob},
    )


def thread_title(thread: Thread, *, oob: bool = True) -> str:
    return render_to_string(FRAGMENTS + "thread_title.html", {"thread": thread, "oob": oob})
