"""Finding threads by the words of their title or their messages, whatever the case.

On PostgreSQL a message's words are in a full-text index (migration 0002); each word of
the search is looked up as the start of a word, so that results come as the user types
("reimb" finds "reimbursed"). On SQLite the text is scanned with LIKE.

No single query plan is fast for every word on PostgreSQL: for a rare word, start from
the index (few messages, whoever wrote them); for a common one, walk the threads newest
first and check each one's messages, stopping at the end of the page (from the index, a
common word names a good part of a million messages first). The planner picks between
them on a selectivity estimate that for prefix queries is mostly a guess, and a wrong
guess costs seconds (to_tsvector over every message of a heavy user). So a first query
asks the index itself, reading no further than RARE_BELOW messages; for a rare word it
also returns the threads, so nothing is asked twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, transaction
from django.db.models import Exists, Func, OuterRef, Q, QuerySet, Subquery

from chat.models import Message, Thread

QUERY_MAX = 200
# PostgreSQL indexes this much of each message (a tsvector has a size limit).
INDEXED_CHARS = 100_000
# A word in fewer messages than this, over all users, is looked up from the index.
RARE_BELOW = 2000
# Shorter words are matched whole: as a prefix, "a" would match most of the index.
PREFIX_MIN = 3


class MessageDocument(Func):
    """A message's words; the same expression as the index made by migration 0002
    (message_content_fts), so that PostgreSQL answers from the index."""

    template = f"to_tsvector('simple'::regconfig, left(%(expressions)s, {INDEXED_CHARS}))"
    output_field = SearchVectorField()


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text[:QUERY_MAX].lower())[:12]


def _tsquery(found: list[str]) -> SearchQuery:
    terms = [f"{word}:*" if len(word) >= PREFIX_MIN else word for word in found]
    return SearchQuery(" & ".join(terms), search_type="raw", config="simple")


def _full_text() -> bool:
    return connection.vendor == "postgresql"


def matching_messages(messages: QuerySet[Message], text: str) -> QuerySet[Message]:
    """The messages that contain every word of the text."""
    found = words(text)
    if not found:
        return messages.filter(content__icontains=text.strip()[:QUERY_MAX])
    if _full_text():
        return messages.annotate(document=MessageDocument("content")).filter(
            document=_tsquery(found)
        )
    for word in found:
        messages = messages.filter(content__icontains=word)
    return messages


def _checked_one_by_one(text: str) -> QuerySet[Message]:
    """One matching message of the outer thread. The LIKE on each word comes first (the
    planner orders a scan's conditions by cost) and spares most messages the costly
    to_tsvector; a word that starts a word of the text is also inside the text."""
    messages = Message.objects.filter(thread=OuterRef("pk"))
    for word in words(text):
        messages = messages.filter(content__icontains=word)
    return matching_messages(messages, text).values("pk")[:1]


@contextmanager
def _from_the_index() -> Iterator[None]:
    """Has PostgreSQL read the full-text index (bitmap scans only) for the queries inside.

    With a LIMIT, the planner prefers to scan the table and compute to_tsvector row by row
    until it has enough: at a million messages, 0.7 s for a common word (0.08 s from the
    index), and half a minute for a word it wrongly thinks common (every message).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'),"
            " set_config('enable_seqscan', 'off', true),"
            " set_config('enable_indexscan', 'off', true)"
        )
        seqscan, indexscan, _, _ = cursor.fetchone()
        try:
            yield
        finally:
            # SET LOCAL lasts until the outermost transaction ends: put things back now.
            cursor.execute(
                "SELECT set_config('enable_seqscan', %s, true),"
                " set_config('enable_indexscan', %s, true)",
                [seqscan, indexscan],
            )


def rare_word_threads(text: str) -> list[Any] | None:
    """The ids of the threads with a matching message, if fewer than RARE_BELOW messages
    (of all users) match; None if more do. One query, answered from the index."""
    messages = matching_messages(Message.objects.order_by(), text)
    found = messages.values_list("thread_id", flat=True)
    with _from_the_index():
        thread_ids = list(found[:RARE_BELOW])
    return None if len(thread_ids) >= RARE_BELOW else list(set(thread_ids))


def in_title(text: str) -> Q:
    found = Q()
    for word in words(text) or [text.strip()[:QUERY_MAX]]:
        found &= Q(title__icontains=word)
    return found


_NOT_ASKED: Any = object()


def _message_condition(
    threads: QuerySet[Thread], text: str, thread_ids: list[Any] | None = _NOT_ASKED
) -> tuple[QuerySet[Thread], Q]:
    """`thread_ids`: what rare_word_threads(text) said, if it was asked already."""
    if not _full_text() or not words(text):
        in_messages = matching_messages(Message.objects.filter(thread=OuterRef("pk")), text)
        return threads, Q(Exists(in_messages))
    if thread_ids is _NOT_ASKED:
        thread_ids = rare_word_threads(text)
    if thread_ids is not None:
        # Few messages match: the index named them, and their threads are looked up.
        return threads, Q(pk__in=thread_ids)
    # Many messages match: each thread is checked on its own, and the walk stops early.
    marked = threads.annotate(_message_hit=Subquery(_checked_one_by_one(text)))
    return marked, Q(_message_hit__isnull=False)


def threads_with_message(threads: QuerySet[Thread], text: str) -> QuerySet[Thread]:
    """The threads with a message that has every word of the text."""
    marked, condition = _message_condition(threads, text)
    return marked.filter(condition)


# Users whose email matches, at most: a search that names more is not looking for a user.
USERS_MAX = 200


def any_thread_matching(threads: QuerySet[Thread], text: str) -> QuerySet[Thread]:
    """For reviewers: threads with the text in their title, a message or their user's email.

    The users are looked up first, so that each branch of the OR is an index lookup
    (titles: the trigram index of migration 0009) and PostgreSQL combines them instead
    of reading every thread."""
    text = text.strip()[:QUERY_MAX]
    users = get_user_model().objects.filter(email__icontains=text).order_by()
    user_ids = list(users.values_list("pk", flat=True)[:USERS_MAX])
    if not _full_text() or not words(text):
        marked, in_messages = _message_condition(threads, text)
        return marked.filter(in_title(text) | in_messages | Q(owner_id__in=user_ids))
    in_messages_ids = rare_word_threads(text)
    if in_messages_ids is not None:
        # A rare word: the threads with it in a title too, from the trigram index. A list
        # of ids alone is looked up by primary key; OR'ed with the title's LIKE, the
        # planner reads every thread instead and checks each against the whole list
        # (0.2 to 0.4 s at 100k threads).
        titled = Thread.objects.filter(in_title(text)).order_by().values_list("pk", flat=True)
        in_titles = list(titled[:RARE_BELOW])
        if len(in_titles) < RARE_BELOW:
            named = {*in_messages_ids, *in_titles}
            return threads.filter(Q(pk__in=named) | Q(owner_id__in=user_ids))
    marked, in_messages = _message_condition(threads, text, in_messages_ids)
    return marked.filter(in_title(text) | in_messages | Q(owner_id__in=user_ids))
