"""Action buttons, stored with their message so that they still work after a reload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from chat.errors import UserFacingError
from chat.models import Message
from chat.rendering import fragments

if TYPE_CHECKING:
    from chat.engine.emitter import Emitter


class ActionUnavailable(UserFacingError):
    """The button is gone (removed, or its message is), or it belongs to another thread."""


def _change(message_id: str, thread_id: Any, change: Any) -> Message | None:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update().filter(pk=message_id, thread_id=thread_id).first()
        )
        if message is None:
            return None
        message.metadata["actions"] = change(message.metadata.get("actions", []))
        message.save(update_fields=["metadata"])
        return message


async def add(emitter: Emitter, message_id: str, items: list[dict[str, Any]]) -> None:
    def extend(current: list[dict[str, Any]]) -> list[dict[str, Any]]:
        known = {a["id"] for a in current}
        return current + [a for a in items if a["id"] not in known]

    await emitter.settle()  # the message's row first (an answer's may still be queued)
    message = await sync_to_async(_change)(message_id, emitter.thread_id, extend)
    if message is not None:
        await emitter.push(fragments.actions(message, oob=True))
        await emitter.attachments_changed(message_id)


async def remove(emitter: Emitter, message_id: str, action_id: str) -> None:
    def drop(current: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [a for a in current if a["id"] != action_id]

    await emitter.settle()
    message = await sync_to_async(_change)(message_id, emitter.thread_id, drop)
    if message is not None:
        await emitter.push(fragments.actions(message, oob=True))
        await emitter.attachments_changed(message_id)


async def find(thread_id: Any, message_id: str, action_id: str) -> dict[str, Any]:
    """The stored action a click names, if it is still under a message of this thread."""
    try:
        message = await Message.objects.filter(pk=message_id, thread_id=thread_id).afirst()
    except (ValueError, TypeError, ValidationError):
        message = None
    if message is not None:
        for action in message.metadata.get("actions", []):
            if action.get("id") == action_id:
                return {**action, "forId": str(message.id)}
    raise ActionUnavailable(_("This button is no longer available."))
