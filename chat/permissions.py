"""The one gate: who may see what. Views, the consumer, file serving and the admin ask here."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from chat.models import Element, Message, Thread


def can_view_thread(user: Any, thread: Thread) -> bool:
    return bool(user and user.is_authenticated and user.is_active and thread.owner_id == user.pk)


def can_write_thread(user: Any, thread: Thread) -> bool:
    return can_view_thread(user, thread)


def can_rate_message(user: Any, message: Message) -> bool:
    """Only who may write in the thread rates its answers (the thread must be loaded)."""
    return can_write_thread(user, message.thread)


def sharing_on(thread: Thread | None = None) -> bool:
    """CHAT_SHARING, then the thread's profile switch (chat.engine.profile_config keeps it
    in the thread's metadata)."""
    if not settings.CHAT_SHARING:
        return False
    if thread is not None and "metadata" in thread.get_deferred_fields():
        # A sidebar row (listed without its metadata): the share view checks the thread.
        return True
    overrides = (thread.metadata or {}).get("config_overrides") if thread is not None else None
    return not isinstance(overrides, dict) or overrides.get("sharing") is not False


def can_share_thread(user: Any, thread: Thread) -> bool:
    return sharing_on(thread) and can_write_thread(user, thread)


def can_view_shared_thread(user: Any, thread: Thread) -> bool:
    """A shared link opens for anyone signed in to this site, while it is not revoked and
    sharing is on (the app's @cl.on_shared_thread_view may narrow it: chat.engine.sharing)."""
    return bool(
        sharing_on(thread)
        and user
        and user.is_authenticated
        and user.is_active
        and thread.share_token
    )


def can_view_element(user: Any, element: Element) -> bool:
    """Who may see the element's thread: its owner, anyone while it is shared, reviewers.

    An upload not yet sent with a message is its owner's alone.
    """
    thread = element.thread
    if can_view_thread(user, thread):
        return True
    if element.metadata.get("upload") == "pending":
        return False
    return can_view_shared_thread(user, thread) or can_review_threads(user)


def can_review_threads(user: Any) -> bool:
    """Staff with the view permission read every conversation in the admin."""
    return bool(user and user.is_active and user.is_staff and user.has_perm("chat.view_thread"))


def can_delete_threads_in_admin(user: Any) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm("chat.delete_thread"))
