"""Ratings of the assistant's answers: thumbs up or down and a comment, one per user."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chat import permissions
from chat.errors import UserFacingError
from chat.models import Feedback, Message
from chat.rendering import feedback as shown
from chat.rendering import fragments
from chat.threads.store import _as_uuid

COMMENT_MAX = 2000
VALUES = {"1": 1, "-1": -1, "0": 0}


class NotFound(Exception):
    """No such message for this user (it may exist, in someone else's thread)."""


class FeedbackRefused(UserFacingError):
    pass


def rateable(message: Message) -> bool:
    return shown.rateable(message, fragments.shown_status(message))


def parse_value(raw: Any) -> int | None:
    """1 (up), -1 (down), 0 (take the rating back), or None when absent or invalid."""
    return VALUES.get(str(raw).strip()) if raw is not None else None


def rate(user: Any, message_id: Any, value: int | None, comment: str | None = None) -> Message:
    """Stores the user's rating of an answer; returns the message with it annotated.

    `value` None keeps the current rating (to change only the comment); `comment` None
    keeps the current comment. A value of 0 removes the rating and its comment.
    """
    pk = _as_uuid(message_id)
    message = Message.objects.select_related("thread").filter(pk=pk).first() if pk else None
    if message is None or not permissions.can_rate_message(user, message):
        raise NotFound
    if not rateable(message):
        raise FeedbackRefused(_("Only the assistant's finished answers can be rated."))
    if value is None and comment is None:
        raise FeedbackRefused(_("Choose thumbs up or down, or write a comment."))
    if comment is not None:
        comment = comment.strip()
        if len(comment) > COMMENT_MAX:
            raise FeedbackRefused(
                _("A comment has at most %(count)d characters.") % {"count": COMMENT_MAX}
            )
    with transaction.atomic():
        mine = Feedback.objects.filter(message=message, user=user)
        if value == 0:
            mine.delete()
            current = None
        elif value is None:
            # Only the comment changes: there must be a rating to comment on.
            if not mine.update(comment=comment or "", updated_at=timezone.now()):
                raise FeedbackRefused(_("Choose thumbs up or down first."))
            current = mine.get()
        else:
            changes: dict[str, Any] = {"value": value, "updated_at": timezone.now()}
            if comment is not None:
                changes["comment"] = comment
            current, _created = Feedback.objects.update_or_create(
                message=message,
                user=user,
                defaults=changes,
                create_defaults={**changes, "comment": comment or "", "thread": message.thread},
            )
    message.feedback_value = current.value if current else None
    message.feedback_comment = current.comment if current else None
    return message
