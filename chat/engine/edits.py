"""Editing a sent message and regenerating the last answer, as the open tabs see it.

What is stored (the superseded marks, the earlier wordings) is chat.threads.edits; here the
replaced messages and steps leave every tab, and the session runs the assistant again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from asgiref.sync import sync_to_async
from django.utils.translation import gettext as _

from chat.models import Element, Message
from chat.rendering import fragments
from chat.threads.edits import EDIT, REGENERATE, CannotEdit, edited, last_question, supersede_after

if TYPE_CHECKING:
    from chat.engine.emitter import Emitter


async def _hide(emitter: Emitter, message_ids: list[str], step_ids: list[str]) -> None:
    for message_id in message_ids:
        await emitter.push(fragments.message_removed(message_id))
    for step_id in step_ids:
        await emitter.push(fragments.step_removed(step_id))


async def edit(emitter: Emitter, message_id: str, content: str) -> tuple[Message, list[Element]]:
    """Changes a user's message and hides everything after it; returns it with its files."""
    try:
        UUID(str(message_id))
    except ValueError:
        raise CannotEdit(_("That message can no longer be edited.")) from None
    row = await sync_to_async(edited)(emitter.thread_id, message_id, content)
    hidden = await sync_to_async(supersede_after)(emitter.thread_id, row.order, EDIT)
    await _hide(emitter, *hidden)
    await emitter.update_message(str(row.pk))
    files = await sync_to_async(lambda: list(Element.objects.filter(message=row)))()
    return row, files


async def regenerate(emitter: Emitter) -> tuple[Message, list[Element]]:
    """Hides every answer to the last user message; returns that message with its files."""
    question = await sync_to_async(last_question)(emitter.thread_id)
    if question is None:
        raise CannotEdit(_("There is no answer to regenerate yet."))
    hidden = await sync_to_async(supersede_after)(emitter.thread_id, question.order, REGENERATE)
    await _hide(emitter, *hidden)
    files = await sync_to_async(lambda: list(Element.objects.filter(message=question)))()
    return question, files
