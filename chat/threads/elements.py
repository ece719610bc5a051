"""A thread's stored elements, as the pages and a resumed session read them."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q

from chat import permissions
from chat.models import Element, Thread
from chat.rendering import elements as rendering


def visible_element(user: Any, element_id: Any) -> Element | None:
    """The element if this user may see it; None for a missing or foreign one alike."""
    try:
        pk = uuid.UUID(str(element_id))
    except ValueError:
        return None
    element = Element.objects.select_related("thread").filter(pk=pk).first()
    if element is None or not permissions.can_view_element(user, element):
        return None
    return element


def thread_task_lists(thread: Thread | Any) -> list[Element]:
    """Task lists sent to the thread itself (not under a message), oldest first."""
    return list(Element.objects.filter(thread=thread, kind="tasklist", message=None, step=None))


def task_lists_html(thread: Thread | Any) -> str:
    return rendering.task_lists(thread_task_lists(thread), oob=True)


def element_dicts(thread: Thread | Any) -> list[dict[str, Any]]:
    """The thread's elements in Chainlit's ElementDict shape (for on_chat_resume)."""
    # Not the uploads still waiting for a message: those belong to nothing yet.
    rows = Element.objects.filter(
        Q(message__isnull=False) | Q(step__isnull=False) | Q(kind="tasklist"), thread=thread
    )
    return [
        {
            "id": str(e.id),
            "threadId": str(e.thread_id),
            "type": e.kind,
            "name": e.name,
            "display": e.display,
            "url": e.url or rendering.file_url(e),
            "mime": e.mime,
            "forId": str(e.message_id or e.step_id or "") or None,
            "size": e.metadata.get("size"),
            "language": e.metadata.get("language"),
            "page": e.metadata.get("page"),
        }
        for e in rows
    ]


# -- storing ----------------------------------------------------------------------------------
