"""A user's past conversations: listed by activity, searched, renamed, deleted, shared.

Every function takes the acting user and checks through chat.permissions; a thread the
user may not see is reported as missing (NotFound), the same as one that does not exist.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Exists, Func, OuterRef, Q, QuerySet
from django.utils.dateparse import parse_datetime

from chat import permissions
from chat.models import Message, Thread

from . import retention, threads
from .errors import UserFacingError

PAGE_SIZE = 50
TITLE_MAX = Thread._meta.get_field("title").max_length
QUERY_MAX = 200
# What the sidebar shows of a thread; the rest (metadata can be large) stays in the database.
LISTED_FIELDS = ("id", "owner_id", "title", "updated_at", "share_token")
# PostgreSQL indexes this much of each message for search (a tsvector has a size limit).
INDEXED_CHARS = 100_000


class NotFound(Exception):
    """No such thread for this user (it may exist, and belong to someone else)."""


class InvalidTitle(UserFacingError):
    pass


class MessageDocument(Func):
    """A message's words for full-text search; the same expression as the index made by
    migration 0002 (message_content_fts), so PostgreSQL answers from the index."""

    template = f"to_tsvector('simple'::regconfig, left(%(expressions)s, {INDEXED_CHARS}))"
    output_field = SearchVectorField()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())[:12]


def matching_messages(messages: QuerySet[Message], text: str) -> QuerySet[Message]:
    """The messages that contain every word of the text, whatever the case.

    PostgreSQL looks the words up in the full-text index, each as the start of a word so
    that a search finds as the user types ("reimb" finds "reimbursed"); SQLite scans with
    LIKE, where a word may also sit inside another.
    """
    words = _words(text[:QUERY_MAX])
    if not words:
        return messages.filter(content__icontains=text.strip()[:QUERY_MAX])
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        return messages.annotate(document=MessageDocument("content")).filter(
            document=SearchQuery(tsquery, search_type="raw", config="simple")
        )
    for word in words:
        messages = messages.filter(content__icontains=word)
    return messages


def _in_title(words: list[str]) -> Q:
    found = Q()
    for word in words:
        found &= Q(title__icontains=word)
    return found


def matching_anyone(text: str) -> Q:
    """Any user's threads with the text in their title, their user's email or a message.

    Each part is a subquery asked once (the full-text index answers the messages'), not
    per thread: a reviewer's search goes over every thread, and a join or a per-thread
    check would make PostgreSQL walk them all.
    """
    text = text.strip()[:QUERY_MAX]
    messages = matching_messages(Message.objects.all(), text).values("thread_id")
    users = get_user_model().objects.filter(email__icontains=text).values("pk")
    return _in_title(_words(text) or [text]) | Q(pk__in=messages) | Q(owner__in=users)


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
    stamp, _, pk = cursor.partition("~")
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

    One query; two for a search: threads whose title matches, and threads with a
    matching message, each newest first, merged here. Asked as one query with an OR,
    PostgreSQL would look up every matching message of every user before the first page
    (seconds for a common word); asked apart, each stops at the page's end.
    """
    size = size or PAGE_SIZE
    query = query.strip()[:QUERY_MAX]
    rows = Thread.objects.filter(owner=user).exclude(title="")
    if cursor:
        rows = _after_cursor(rows, cursor)
    if not query:
        page = _page(rows, size)
    else:
        by_title = rows.filter(_in_title(_words(query) or [query]))
        in_messages = matching_messages(Message.objects.filter(thread=OuterRef("pk")), query)
        found = {
            t.pk: t for t in _page(by_title, size) + _page(rows.filter(Exists(in_messages)), size)
        }
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
        raise InvalidTitle("A title cannot be empty.")
    if len(title) > TITLE_MAX:
        raise InvalidTitle(f"A title has at most {TITLE_MAX} characters.")
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
    return thread


def revoke(user: Any, thread_id: Any) -> Thread:
    """Turns the link off for good: sharing again makes a new one."""
    thread = owned_thread(user, thread_id)
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
