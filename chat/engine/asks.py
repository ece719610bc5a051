"""Questions the assistant asks the user and waits on (text, files, or a button).

The question is stored with its message, so after a reload or a reconnect it is shown
again and can still be answered until it expires. The answer reaches the waiting hook
through the thread's control group, whichever instance holds it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.engine import control
from chat.engine.context import Session
from chat.errors import UserFacingError
from chat.models import Message
from chatproject.serving.db.prepared import prepared_cursor


class AskUnavailable(UserFacingError):
    """There is no open question with this id in the thread (answered, expired, foreign)."""


class AskPending(UserFacingError):
    """The assistant waits for files or a button; a typed message cannot answer it."""


async def ask(
    session: Session,
    *,
    kind: str,
    content: str,
    author: str,
    wait_seconds: float,
    spec: dict[str, Any],
    shown: Callable[[str], Awaitable[None]] | None = None,
) -> Any:
    """Shows the question and waits for its answer; None when it times out. `shown` runs
    once the question is on the page, with its id (to attach an element to it)."""
    expires = timezone.now() + timedelta(seconds=wait_seconds)
    ask_data = {"kind": kind, "status": "pending", "expires_at": expires.isoformat(), **spec}
    row = await session.emitter.create_message(
        author_kind=Message.Author.ASSISTANT,
        author_name=author,
        content=content,
        metadata={"ask": ask_data},
    )
    ask_id = str(row.id)
    waiting = asyncio.get_running_loop().create_future()
    session.pending_asks[ask_id] = waiting
    try:
        if shown is not None:
            await shown(ask_id)
        return await asyncio.wait_for(waiting, wait_seconds)
    except TimeoutError:
        await _close(session.emitter, ask_id, status="expired")
        return None
    finally:
        session.pending_asks.pop(ask_id, None)


def _claim(thread_id: Any, kind: str | None, ask_id: str | None) -> Message:
    """Marks the open question answered, once: a second answer finds it closed."""
    with transaction.atomic():
        rows = Message.objects.select_for_update().filter(
            thread_id=thread_id, author_kind=Message.Author.ASSISTANT
        )
        if ask_id:
            try:
                rows = rows.filter(pk=ask_id)
            except (ValueError, TypeError, ValidationError):
                raise AskUnavailable(_("This question is no longer open.")) from None
        else:
            rows = rows.order_by("-order")[:5]
        now = timezone.now().isoformat()
        for message in rows:
            ask = message.metadata.get("ask")
            if not ask or ask.get("status") != "pending" or ask.get("expires_at", "") < now:
                continue
            if kind is not None and ask.get("kind") != kind:
                continue
            ask["status"] = "answered"
            message.save(update_fields=["metadata"])
            return message
    raise AskUnavailable(_("This question is no longer open."))


claim = sync_to_async(_claim)


def recent_assistant_metadata_query(thread_id: Any) -> tuple[str, list[Any]]:
    """A statement giving the metadata of the thread's last five assistant messages,
    newest first.

    This runs before every message the user sends: written out once (a fifth of the time of
    building it through the ORM), only the metadata read, and open to be read with other
    checks. Its first column is read by metadata_from_db; the second is the position."""
    thread = Message._meta.get_field("thread")
    return _recent_assistant_metadata_sql(connection.alias), [
        thread.get_db_prep_value(thread_id, connection),
        Message.Author.ASSISTANT.value,
    ]


@functools.cache
def _recent_assistant_metadata_sql(alias: str) -> str:
    meta, quote = Message._meta, connections[alias].ops.quote_name
    metadata, thread, kind, order = (
        meta.get_field(name) for name in ("metadata", "thread", "author_kind", "order")
    )
    # Names from the model, values as parameters.
    return (
        f"SELECT {quote(metadata.column)}, {quote(order.column)} "  # noqa: S608
        f"FROM {quote(meta.db_table)} "
        f"WHERE {quote(thread.column)} = %s AND {quote(kind.column)} = %s "
        f"ORDER BY {quote(order.column)} DESC LIMIT 5"
    )


def metadata_from_db(value: Any) -> dict[str, Any]:
    return Message._meta.get_field("metadata").from_db_value(value, None, connection) or {}


def pending_kind_now(thread_id: Any) -> str | None:
    """The kind of the thread's open question, if there is one."""
    sql, params = recent_assistant_metadata_query(thread_id)
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pending_kind_among([metadata_from_db(value) for value, _order in rows])


def pending_kind_among(recent: list[dict[str, Any]]) -> str | None:
    """The kind of the open question among the metadata of the thread's last assistant
    messages (newest first), if there is one."""
    now = timezone.now().isoformat()
    for metadata in recent:
        ask = metadata.get("ask")
        if ask and ask.get("status") == "pending" and ask.get("expires_at", "") >= now:
            return ask["kind"]
    return None


async def deliver(emitter: Any, message: Message, answer: Any, summary: str) -> None:
    """Shows the question as answered and hands the answer to the waiting hook."""
    message.metadata["ask"]["answer"] = summary
    await emitter.update_message(str(message.pk), metadata=message.metadata)
    await control.send_answer(message.thread_id, str(message.pk), answer)


async def _close(emitter: Any, ask_id: str, *, status: str) -> None:
    message = await Message.objects.filter(pk=ask_id).afirst()
    if message is None:
        return
    ask = message.metadata.get("ask", {})
    if ask.get("status") == "pending":
        ask["status"] = status
        await emitter.update_message(ask_id, metadata=message.metadata)
