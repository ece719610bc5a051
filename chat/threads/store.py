"""Thread services shared by every edge: lookup with permission, listing, single items."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.db import transaction
from django.db.models import Exists, OuterRef

from chat import permissions
from chat.models import Message, Step, Thread
from chat.rendering import fragments
from chat.threads import edits, elements, stars, switches, window

TITLE_LENGTH = 80
SIDEBAR_SIZE = 50


def _as_uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError):
        return None


def visible_thread(user: Any, thread_id: Any) -> Thread | None:
    """The thread if this user may see it; None for a missing or foreign one alike."""
    pk = _as_uuid(thread_id)
    if pk is None:
        return None
    thread = Thread.objects.filter(pk=pk).first()
    if thread is None or not permissions.can_view_thread(user, thread):
        return None
    return thread


avisible_thread = sync_to_async(visible_thread)


def draft_thread(user: Any) -> Thread:
    """The user's newest thread that has no message from them yet, or a new one."""
    user_messages = Message.objects.filter(thread=OuterRef("pk"), author_kind=Message.Author.USER)
    draft = (
        Thread.objects.filter(owner=user)
        .exclude(Exists(user_messages))
        .order_by("-created_at")
        .first()
    )
    return draft or Thread.objects.create(owner=user)


def sidebar_threads(user: Any) -> list[Thread]:
    """Threads the user has written in, newest first."""
    return list(Thread.objects.filter(owner=user).exclude(title="")[:SIDEBAR_SIZE])


async def listed_first(user: Any, thread_id: UUID) -> bool:
    """Whether the thread already heads the user's sidebar (the most recent activity)."""
    newest = Thread.objects.filter(owner=user).exclude(title="").order_by("-updated_at", "-pk")
    return str(await newest.values_list("pk", flat=True).afirst()) == str(thread_id)


def thread_messages(thread: Thread, *, include_superseded: bool = False) -> list[Message]:
    """The thread's messages as its user sees them; reviewers also see what was replaced."""
    window.mark_stale_streams(thread)
    rows = thread.messages.with_feedback().prefetch_related("elements")
    return list(rows if include_superseded else edits.current(rows))


def thread_steps(thread: Thread, *, include_superseded: bool = False) -> list[Step]:
    rows = thread.steps.prefetch_related("elements")
    return list(rows if include_superseded else edits.current(rows))


def item_html(user: Any, thread_id: Any, kind: str, item_id: Any) -> str | None:
    """One message or step of a thread the user may see, rendered as in the chat; None if
    there is no such item there. Items too large for a websocket frame load this way."""
    thread = visible_thread(user, thread_id)
    pk = _as_uuid(item_id)
    if thread is None or pk is None:
        return None
    if kind == "message":
        window.mark_stale_streams(thread)
        rows = thread.messages.with_feedback().prefetch_related("elements").filter(pk=pk)
        message = rows.order_by().first()
        if message is None:
            return None
        return fragments.message(stars.mark_starred(user, [message])[0])
    if kind == "step":
        steps = thread_steps(thread)
        if not any(s.pk == pk for s in steps):
            return None
        return fragments.step(pk, steps, switches.cot(thread.metadata))
    return None


def message_source(user: Any, thread_id: Any, message_id: Any) -> str | None:
    """The text of one message of a thread the user may see, as written; None if none."""
    thread = visible_thread(user, thread_id)
    pk = _as_uuid(message_id)
    if thread is None or pk is None:
        return None
    return thread.messages.filter(pk=pk).values_list("content", flat=True).first()


def title_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def set_title_if_empty(thread_id: UUID, text: str) -> bool:
    return bool(Thread.objects.filter(pk=thread_id, title="").update(title=title_from(text)))


def session_state(values: dict[str, Any]) -> dict[str, Any]:
    """The session's JSON-serialisable values, as a copy: what is saved with the thread."""
    kept: dict[str, Any] = {}
    for key, value in values.items():
        if type(value) in _JSON_AS_IS:
            kept[key] = value  # what the round trip through JSON would give back
            continue
        try:
            kept[key] = json.loads(json.dumps(value))
        except (TypeError, ValueError):
            continue
    return kept


# Values JSON gives back unchanged (every answer's end compares the session with the
# last saved: most of its values are these).
_JSON_AS_IS = frozenset({str, int, float, bool, type(None)})


def _save_session_state(thread_id: UUID, state: dict[str, Any], started: bool) -> None:
    with transaction.atomic():
        thread = Thread.objects.select_for_update().only("metadata").get(pk=thread_id)
        thread.metadata["user_session"] = state
        thread.metadata["started"] = started or thread.metadata.get("started", False)
        thread.save(update_fields=["metadata"])


async def save_session_state(thread_id: UUID, state: dict[str, Any], *, started: bool) -> None:
    """Saves what session_state() gave, in one trip to the database thread."""
    await sync_to_async(_save_session_state)(thread_id, state, started)


async def load_thread(thread_id: UUID) -> Thread:
    return await Thread.objects.select_related("owner").aget(pk=thread_id)


async def thread_dict(thread: Thread) -> dict[str, Any]:
    """The thread in Chainlit's ThreadDict shape, for on_chat_resume."""
    messages = [m async for m in edits.current(thread.messages.all())]
    step_rows = [s async for s in edits.current(thread.steps.all())]
    entries = [
        (
            m.order,
            {
                "id": str(m.id),
                "threadId": str(thread.id),
                "parentId": None,
                "name": m.author_name,
                "type": "user_message"
                if m.author_kind == Message.Author.USER
                else "assistant_message",
                "output": m.content,
                "input": "",
                "isError": m.is_error,
                "streaming": False,
                "createdAt": m.created_at.isoformat(),
                "start": m.created_at.isoformat(),
                "end": m.updated_at.isoformat(),
                "metadata": m.metadata,
            },
        )
        for m in messages
    ]
    entries += [
        (
            s.order,
            {
                "id": str(s.id),
                "threadId": str(thread.id),
                "parentId": str(s.parent_id) if s.parent_id else None,
                "name": s.name,
                "type": s.type,
                "output": s.output,
                "input": s.input,
                "isError": s.is_error,
                "streaming": False,
                "createdAt": s.started_at.isoformat(),
                "start": s.started_at.isoformat(),
                "end": s.ended_at.isoformat() if s.ended_at else None,
                "metadata": s.metadata,
            },
        )
        for s in step_rows
    ]
    steps = [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]
    return {
        "id": str(thread.id),
        "createdAt": thread.created_at.isoformat(),
        "name": thread.title or None,
        "userId": str(thread.owner_id),
        "userIdentifier": thread.owner.email,
        "tags": thread.metadata.get("tags", []),
        "metadata": {
            **{k: v for k, v in thread.metadata.items() if k != "user_session"},
            # Where Chainlit keeps them for on_chat_resume.
            "chat_profile": thread.chat_profile or None,
            "chat_settings": thread.metadata.get("user_session", {}).get("chat_settings", {}),
        },
        "steps": steps,
        "elements": await sync_to_async(elements.element_dicts)(thread),
    }
