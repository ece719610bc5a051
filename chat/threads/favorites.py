"""Favorites: prompts a person saved from their own messages (a star under the message),
offered again in the composer's "/" list and its Favorites menu. Kept per person, each text
once, at most CHAT_FAVORITES_MAX of them (the oldest make room for no one: a full list
refuses, so nothing saved disappears unasked)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from chat import permissions
from chat.errors import UserFacingError
from chat.models import Favorite, Message
from chat.threads.stars import digest, mark_starred
from chat.threads.store import _as_uuid

# `mark_starred` is drawn from here by the pages (chat.threads.stars has it).
__all__ = [
    "FavoriteRefused",
    "NotFound",
    "digest",
    "is_favorite",
    "mark_starred",
    "of",
    "remove",
    "star",
]


class NotFound(Exception):
    """No such message (or favorite) of this user."""


class FavoriteRefused(UserFacingError):
    pass


def of(user: Any) -> list[Favorite]:
    """The person's favorites, newest first."""
    return list(Favorite.objects.filter(user=user)[: settings.CHAT_FAVORITES_MAX])


def _own_message(user: Any, message_id: Any) -> Message:
    pk = _as_uuid(message_id)
    message = (
        Message.objects.select_related("thread").filter(pk=pk).first() if pk is not None else None
    )
    if (
        message is None
        or message.author_kind != Message.Author.USER
        or not permissions.can_write_thread(user, message.thread)
    ):
        raise NotFound
    return message


def is_favorite(user: Any, content: str) -> bool:
    return Favorite.objects.filter(user=user, digest=digest(content)).exists()


def star(user: Any, message_id: Any, starred: bool) -> Message:
    """Saves the message's words as a favorite (or takes them out); the same words twice
    are one favorite. Returns the message."""
    message = _own_message(user, message_id)
    content = message.content.strip()
    if not starred:
        Favorite.objects.filter(user=user, digest=digest(content)).delete()
        return message
    if not content:
        raise FavoriteRefused(_("Only a message with words can be a favorite."))
    with transaction.atomic():
        if Favorite.objects.filter(user=user, digest=digest(content)).exists():
            return message
        if Favorite.objects.filter(user=user).count() >= settings.CHAT_FAVORITES_MAX:
            raise FavoriteRefused(
                _("You have the most favorites there can be (%(count)d): remove one first.")
                % {"count": settings.CHAT_FAVORITES_MAX}
            )
        try:
            with transaction.atomic():
                Favorite.objects.create(user=user, content=content, digest=digest(content))
        except IntegrityError:
            pass  # saved by another tab at the same moment
    return message


def remove(user: Any, favorite_id: Any) -> None:
    try:
        pk = int(favorite_id)
    except (TypeError, ValueError):
        raise NotFound from None
    deleted, _count = Favorite.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise NotFound
