"""A page of a thread: its latest messages, or the ones before a point, with the steps and
elements between them.

A long conversation is shown from its end: the chat page, the socket's snapshot and the
reviewers' transcript render one page of messages, and older pages load on demand. Pages
are cut by `order` at a message, so every step lands on exactly one page (the one of the
message after which it ran), and each page costs the same few queries however long the
thread is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from chat.models import Message, Step, Thread
from chat.threads import edits


@dataclass(frozen=True)
class Window:
    messages: list[Message]
    steps: list[Step]
    # The order of the page's first message when older messages exist, else None: what
    # "Show earlier messages" asks for next.
    earlier_before: int | None
    # How many messages the page holds (what the announcement counts).
    count: int


def mark_stale_streams(thread: Thread) -> None:
    """A stream whose server stopped writing is interrupted: say so in the database too."""
    stale_before = timezone.now() - timedelta(seconds=settings.CHAT_STREAM_STALE_SECONDS)
    Message.objects.filter(
        thread=thread, status=Message.Status.STREAMING, updated_at__lt=stale_before
    ).update(status=Message.Status.INTERRUPTED)


def page_size() -> int:
    return max(1, settings.CHAT_THREAD_PAGE_SIZE)


def window(
    thread: Thread,
    *,
    before: int | None = None,
    size: int | None = None,
    include_superseded: bool = False,
) -> Window:
    """The `size` latest messages before order `before` (the thread's end when None)."""
    size = size or page_size()
    mark_stale_streams(thread)
    messages = thread.messages.all()
    steps = thread.steps.all()
    if not include_superseded:
        messages, steps = edits.current(messages), edits.current(steps)
    if before is not None:
        messages, steps = messages.filter(order__lt=before), steps.filter(order__lt=before)
    newest_first = list(
        messages.with_feedback().prefetch_related("elements").order_by("-order")[: size + 1]
    )
    more = len(newest_first) > size
    page = newest_first[:size][::-1]
    if more and page:
        # The steps that ran after the page's first message, up to `before`.
        steps = steps.filter(order__gte=page[0].order)
    elif more:
        steps = steps.none()
    return Window(
        messages=page,
        steps=list(steps.prefetch_related("elements")),
        earlier_before=page[0].order if more and page else None,
        count=len(page),
    )


def parse_before(value: str | None) -> int | None:
    """`?before=` as an order, or None when it is missing or not a whole number >= 0."""
    if value is None or not value.isdigit() or len(value) > 12:
        return None
    return int(value)


def earlier_context(url: str, page: Window) -> dict:
    """What the page's "Show earlier messages" button needs (nothing when there is none)."""
    if page.earlier_before is None:
        return {"earlier_url": "", "count": page.count}
    return {"earlier_url": f"{url}?before={page.earlier_before}", "count": page.count}


# What a page draws of a message besides its columns: the owner's rating, and its star.
_SHOWN_EXTRAS = ("feedback_value", "feedback_comment", "starred")


def marker(page: Window, *others: Iterable[Model]) -> str:
    """A digest of every stored value the page is drawn from (its messages, steps, their
    elements and ratings, and `others`, such as the thread's task lists).

    The page carries it to its socket's first connect: the same marker then means the
    page already shows what the socket's snapshot would, and the snapshot is left out.
    Any change to a row shown (a token stored, a status, a rating, a new message) changes
    the digest, so the snapshot goes out whenever the page may be behind.
    """
    digest = hashlib.blake2b(repr(page.earlier_before).encode(), digest_size=16)
    rows: list[Model] = [*page.messages, *page.steps]
    for group in others:
        rows.extend(group)
    for row in rows:
        digest.update(_row_state(row))
        for element in _prefetched_elements(row):
            digest.update(_row_state(element))
    return digest.hexdigest()


def _row_state(row: Model) -> bytes:
    values = [getattr(row, field.attname) for field in row._meta.concrete_fields]
    values += [getattr(row, name, None) for name in _SHOWN_EXTRAS]
    return f"{type(row).__name__}{values!r}\n".encode("utf-8", "surrogatepass")


def _prefetched_elements(row: Model) -> list[Model]:
    cache = getattr(row, "_prefetched_objects_cache", {})
    # Sorted: rows fetched without an order may come in any (the digest must not care).
    return sorted(cache.get("elements", ()), key=lambda element: str(element.pk))
