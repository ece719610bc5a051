"""Editing a sent message and regenerating the last answer: what is stored.

Nothing is deleted: what an edit or a regeneration replaces is marked superseded
(`metadata["superseded"]` on messages and steps), hidden from the user's chat and from
the assistant's history, and shown greyed in the reviewers' transcript. The edited
message keeps its id (as in Chainlit); its earlier wordings are kept in
`metadata["edits"]`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.errors import UserFacingError
from chat.models import Message, Step

# Why a message or step is no longer part of the conversation the user sees.
EDIT = "edit"
REGENERATE = "regenerate"
SUPERSEDED = "superseded"


class CannotEdit(UserFacingError):
    pass


def current(rows: Any) -> Any:
    """Messages or steps the user still sees: not replaced by an edit or a regeneration."""
    return rows.exclude(metadata__has_key=SUPERSEDED)


def is_superseded(row: Message | Step) -> bool:
    return SUPERSEDED in (row.metadata or {})


def superseded_reason(row: Message | Step) -> str:
    return (row.metadata or {}).get(SUPERSEDED, {}).get("reason", "")


def supersede_after(thread_id: UUID, order: int, reason: str) -> tuple[list[str], list[str]]:
    """Marks every current message and step after `order`; returns their ids."""
    stamp = {"reason": reason, "at": timezone.now().isoformat()}
    with transaction.atomic():
        messages = list(
            current(Message.objects.filter(thread_id=thread_id, order__gt=order)).only(
                "id", "metadata"
            )
        )
        steps = list(
            current(Step.objects.filter(thread_id=thread_id, order__gt=order)).only(
                "id", "metadata", "parent_id"
            )
        )
        for row in [*messages, *steps]:
            row.metadata = {**(row.metadata or {}), SUPERSEDED: stamp}
        Message.objects.bulk_update(messages, ["metadata"])
        Step.objects.bulk_update(steps, ["metadata"])
    # Only top-level steps have their own place on the page; children go with them.
    return [str(m.id) for m in messages], [str(s.id) for s in steps if s.parent_id is None]


def edited(thread_id: UUID, message_id: str, content: str) -> Message:
    with transaction.atomic():
        row = (
            current(Message.objects.select_for_update().filter(thread_id=thread_id))
            .filter(pk=message_id, author_kind=Message.Author.USER)
            .first()
        )
        if row is None:
            raise CannotEdit(_("That message can no longer be edited."))
        if row.content == content:
            raise CannotEdit(_("The message is unchanged."))
        history = list(row.metadata.get("edits", []))
        history.append({"content": row.content, "at": timezone.now().isoformat()})
        row.metadata = {**row.metadata, "edits": history}
        row.content = content
        row.updated_at = timezone.now()
        row.save(update_fields=["content", "metadata", "updated_at"])
    return row


def last_question(thread_id: UUID) -> Message | None:
    return (
        current(Message.objects.filter(thread_id=thread_id, author_kind=Message.Author.USER))
        .order_by("-order")
        .first()
    )
