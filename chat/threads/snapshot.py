"""What a tab is sent to show a thread as stored: the socket's snapshot.

A socket gets the thread's latest page as it connects, since the page may be behind (a
reconnect after a drop, a tab restored from the cache). A page just rendered is not: it
carries a marker of what it was drawn from, and its first connect sends the marker back;
the same marker, read again once the socket listens to the thread, means nothing changed
in between, and the snapshot (the whole page again) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.urls import reverse

from chat.models import Element, Thread
from chat.rendering import elements as element_rendering
from chat.rendering import fragments, frames
from chat.threads import elements, stars, switches, window


@dataclass(frozen=True)
class Shown:
    """What the chat page and the socket's snapshot draw of a thread, read once."""

    page: window.Window
    task_lists: list[Element]

    @property
    def marker(self) -> str:
        return window.marker(self.page, self.task_lists)


def shown(thread: Thread, user: Any = None) -> Shown:
    """The thread's latest page and its task lists; its messages' stars are the `user`'s."""
    page = window.window(thread)
    stars.mark_starred(thread.owner_id if user is None else user, page.messages)
    return Shown(page, elements.thread_task_lists(thread))


def page_context(thread: Thread, user: Any) -> dict[str, Any]:
    """What a page that shows the thread renders (its latest page, the "Show earlier
    messages" button, the task lists) and the marker its socket's first connect sends back."""
    drawn = shown(thread, user)
    return {
        **fragments.messages_context(
            drawn.page.messages, drawn.page.steps, cot=switches.cot(thread.metadata)
        ),
        **window.earlier_context(reverse("chat:thread_earlier", args=[thread.pk]), drawn.page),
        **element_rendering.task_lists_context(drawn.task_lists),
        "snapshot_marker": drawn.marker,
    }


def snapshot_frames(thread: Thread, user: Any = None, *, drawn: Shown | None = None) -> list[str]:
    """The thread as stored, as out-of-band swaps, in websocket frames that each fit (see
    chat.rendering.frames): its latest page of messages, as the chat page shows them, with
    the same "Show earlier messages" button."""
    drawn = drawn or shown(thread, user)
    items = fragments.thread_items(
        drawn.page.messages, drawn.page.steps, cot=switches.cot(thread.metadata)
    )
    url = reverse("chat:thread_earlier", args=[thread.pk])
    head = fragments.earlier(window.earlier_context(url, drawn.page))
    tail = (
        element_rendering.task_lists(drawn.task_lists, oob=True)
        + fragments.run_state(False)
        + fragments.notice("")
    )
    return frames.snapshot_frames(items, thread.id, tail, head=head)


asnapshot_frames = sync_to_async(snapshot_frames)


def connect_frames(thread: Thread, user: Any, seen: str = "") -> list[str]:
    """What a socket is sent as it connects: the snapshot, or nothing when `seen` (the
    marker of the page that opened it) says the page already shows all of it."""
    drawn = shown(thread, user)
    if seen and seen == drawn.marker:
        return []
    return snapshot_frames(thread, user, drawn=drawn)


aconnect_frames = sync_to_async(connect_frames)


def snapshot_html(thread: Thread) -> str:
    """The whole snapshot as one text (what its frames add up to)."""
    return "".join(snapshot_frames(thread))


asnapshot_html = sync_to_async(snapshot_html)
