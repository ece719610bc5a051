"""A user's past conversations: listed by activity, searched, renamed, deleted, shared.

Every function takes the acting user and checks through chat.permissions; a thread the
user may not see is reported as missing (NotFound), the same as one that does not exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from chat import audit, permissions
from chat.errors import UserFacingError
from chat.models import Thread
from chat.rendering import fragments, sidebar
from chat.threads import retention, search, tags
from chat.threads import store as threads

PAGE_SIZE = 50
TITLE_MAX = Thread._meta.get_field("title").max_length
QUERY_MAX = search.QUERY_MAX
# What the sidebar shows of a thread; the rest (metadata can be large) stays in the database.
LISTED_FIELDS = ("id", "owner_id", "title", "updated_at", "share_token", "tags")


class NotFound(Exception):
    """No such thread for this user (it may exist, and belong to someone else)."""


class InvalidTitle(UserFacingError):
    pass


# -- listing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Listing:
    threads: list[Thread]
    next_cursor: str | None
    query: str


def _cursor_of(thread: Thread) -> str:
    return f"{thread.updated_at.isoformat()}~{thread.pk}"


def _after_cursor(rows: QuerySet[Thread], cursor: str) -> QuerySet[Thread]:
    """Rows that come after the cursor in the listing order (newest activity first)."""
    stamp, _sep, pk = cursor.partition("~")
    moment: datetime | None = None
    try:
        moment = parse_datetime(stamp)
    except ValueError:
        moment = None
    uuid = threads._as_uuid(pk)
    if moment is None or uuid is None:
        return rows  # a garbled cursor starts from the top rather than failing
    return rows.filter(Q(updated_at__lt=moment) | Q(updated_at=moment, pk__lt=uuid))


def _page(rows: QuerySet[Thread], size: int) -> list[Thread]:
    return list(rows.order_by("-updated_at", "-pk").only(*LISTED_FIELDS)[: size + 1])


def list_threads(
    user: Any, *, query: str = "", cursor: str | None = None, size: int | None = None
) -> Listing:
    """One page of the user's titled threads, newest activity first.

    One query; a search asks for threads whose title matches and for threads with a
    matching message apart (each newest first, merged here), so that each can stop at the
    page's end, and on PostgreSQL first how rare the words are (see chat.threads.search).
    """
    size = size or PAGE_SIZE
    query = query.strip()[:QUERY_MAX]
    rows = Thread.objects.filter(owner=user).exclude(title="")
    if cursor:
        rows = _after_cursor(rows, cursor)
    wanted, words = tags.split_query(query)
    for tag in wanted:
        rows = rows.filter(tags.tagged(tag))
    if not words:
        page = _page(rows, size)
    else:
        by_title = _page(rows.filter(search.in_title(words)), size)
        by_message = _page(search.threads_with_message(rows, words), size)
        found = {t.pk: t for t in by_title + by_message}
        page = sorted(found.values(), key=lambda t: (t.updated_at, t.pk), reverse=True)
        page = page[: size + 1]
    more = len(page) > size
    page = page[:size]
    return Listing(threads=page, next_cursor=_cursor_of(page[-1]) if more else None, query=query)


# -- changing one thread --------------------------------------------------------------------
def owned_thread(user: Any, thread_id: Any) -> Thread:
    thread = threads.visible_thread(user, thread_id)
    if thread is None or not permissions.can_write_thread(user, thread):
        raise NotFound
    return thread


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidTitle(_("A title cannot be empty."))
    if len(title) > TITLE_MAX:
        raise InvalidTitle(_("A title has at most %(count)d characters.") % {"count": TITLE_MAX})
    return title


def rename(user: Any, thread_id: Any, title: str) -> Thread:
    """Sets the title; from then on the first message no longer names the thread."""
    thread = owned_thread(user, thread_id)
    thread.title = clean_title(title)
    # Not activity: a renamed thread keeps its place in the list.
    Thread.objects.filter(pk=thread.pk).update(title=thread.title)
    return thread


def delete(user: Any, thread_id: Any) -> None:
    """Deletes the thread with its messages, steps, elements, feedback and stored files."""
    thread = owned_thread(user, thread_id)
    retention.remove_threads([thread.pk])


# -- sharing ---------------------------------------------------------------------------------
def share(user: Any, thread_id: Any) -> Thread:
    """Turns on the thread's read-only link (the same link if it is already on)."""
    thread = owned_thread(user, thread_id)
    if not permissions.can_share_thread(user, thread):
        raise NotFound
    if not thread.share_token:
        thread.share_token = secrets.token_urlsafe(24)
        Thread.objects.filter(pk=thread.pk).update(share_token=thread.share_token)
        audit.record(user, audit.Action.SHARE_ON, f"thread {thread.pk}")
    return thread


def revoke(user: Any, thread_id: Any) -> Thread:
    """Turns the link off for good: sharing again makes a new one."""
    thread = owned_thread(user, thread_id)
    if thread.share_token:
        audit.record(user, audit.Action.SHARE_OFF, f"thread {thread.pk}")
    thread.share_token = None
    Thread.objects.filter(pk=thread.pk).update(share_token=None)
    return thread


def shared_thread(user: Any, token: str) -> Thread:
    thread = None
    if token:
        thread = Thread.objects.select_related("owner").filter(share_token=token).first()
    if thread is None or not permissions.can_view_shared_thread(user, thread):
        raise NotFound
    return thread


# -- review ----------------------------------------------------------------------------------
def thread_for_review(user: Any, thread_id: Any) -> Thread:
    """Any user's thread, for staff who review conversations."""
    pk = threads._as_uuid(thread_id)
    thread = Thread.objects.select_related("owner").filter(pk=pk).first() if pk else None
    if thread is None or not permissions.can_review_threads(user):
        raise NotFound
    return thread


# -- the sidebar after a message ---------------------------------------------------------
def sidebar_html(user: Any, current_id: UUID) -> str:
    """The sidebar list and the page title, for tabs of a thread that just got its title."""
    listing = list_threads(user)
    # A thread that just got its title heads the list: its row is there already.
    listed = [t for t in listing.threads if t.pk == current_id]
    thread = listed[0] if listed else Thread.objects.only("title").get(pk=current_id)
    return fragments.thread_list(
        listing.threads, str(current_id), oob=True, next_cursor=listing.next_cursor
    ) + fragments.thread_title(thread)


def new_thread_listing(user: Any, thread_id: UUID) -> str:
    """What tabs of a thread that just got its title (so no sidebar lists it yet) are
    pushed: the thread on top of the "Today" group that their list starts with, or the
    whole list when it is the user's only thread; else the list read again."""
    # Re-rendering the whole list costs far more (50 entries) than adding one. The
    # thread's new message made it the newest, unless another one got a message since.
    newest = Thread.objects.filter(owner=user).exclude(title="").order_by("-updated_at", "-pk")
    top = list(newest.only(*LISTED_FIELDS)[:2])
    if not top or top[0].pk != thread_id:
        return sidebar_html(user, thread_id)
    thread, current = top[0], str(thread_id)
    if len(top) == 1:
        listed = fragments.thread_list([thread], current, oob=True)
    elif sidebar.is_today(top[1].updated_at) and sidebar.is_today(thread.updated_at):
        listed = fragments.thread_listed_first(thread, current)
    else:
        return sidebar_html(user, thread_id)
    return listed + fragments.thread_title(thread)


def listing_after_message_now(user: Any, thread_id: UUID, text: str, moves_up: bool) -> str:
    """`listing_after_message`, on the database thread (a title written, a listing read)."""
    if text and threads.set_title_if_empty(thread_id, text):
        return new_thread_listing(user, thread_id)
    return sidebar_html(user, thread_id) if moves_up else ""


async def listing_after_message(user: Any, thread_id: UUID, text: str, *, moves_up: bool) -> str:
    """Titles a new thread from its first message (`text`, if given) and returns the
    sidebar to push if that changed it or the thread `moves_up`; "" if nothing changed.
    One trip to the database thread."""
    return await sync_to_async(listing_after_message_now)(user, thread_id, text, moves_up)
