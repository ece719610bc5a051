"""Which of a person's messages are one of their favorites: the star under each is drawn
pressed. Wherever a message is drawn for its person (the page, a tab's snapshot, a pushed
frame) it is marked here first; only the thread's owner opens its chat, so a frame pushed
to the thread's tabs is drawn for the owner."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, connections

from chat.models import Favorite, Message, Thread
from chatproject.serving.db.prepared import prepared_cursor


def digest(content: str) -> str:
    return hashlib.sha256(content.strip().encode("utf-8")).hexdigest()


def mark_starred(user: Any, messages: Iterable[Message]) -> list[Message]:
    """Sets `starred` on the person's own messages whose words are one of their favorites
    (one query, none when there is no such message), so that their stars show pressed.
    `user` is the person or their id."""
    user_id = getattr(user, "pk", user)
    return _mark(
        messages,
        lambda wanted: Favorite.objects.filter(user_id=user_id, digest__in=wanted).values_list(
            "digest", flat=True
        ),
    )


def mark_starred_for_owner(thread_id: Any, messages: Iterable[Message]) -> list[Message]:
    """As mark_starred, for the owner of the thread `thread_id` (a frame pushed to the
    thread's tabs), in the same one query."""
    return _mark(messages, lambda wanted: _owners_favorites(thread_id, wanted))


def _mark(
    messages: Iterable[Message], favorites: Callable[[list[str]], Iterable[str]]
) -> list[Message]:
    """Marks the own messages among `messages` from `favorites(digests)`: which of those
    digests are saved."""
    messages = list(messages)
    own = [m for m in messages if m.author_kind == Message.Author.USER]
    if not own:
        return messages
    saved = set(favorites(sorted({digest(m.content) for m in own})))
    for message in own:
        message.starred = digest(message.content) in saved
    return messages


def _owners_favorites(thread_id: Any, digests: list[str]) -> list[str]:
    """The same query as mark_starred's with the owner as a subquery, written out: every
    message a person sends asks it, and building it through the ORM cost more than
    running it."""
    sql, params = _owners_favorites_query(thread_id, digests)
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def owners_favorite_query(thread_id: Any, content: str) -> tuple[str, list[Any]]:
    """A statement giving one row when `content` is one of the favorites of the thread's
    owner (its star drawn pressed): open to be read with other checks, so that a new
    message's star costs no statement of its own."""
    sql, params = _owners_favorites_query(thread_id, [digest(content)])
    return f"{sql} LIMIT 1", params


def _owners_favorites_query(thread_id: Any, digests: list[str]) -> tuple[str, list[Any]]:
    return _owners_favorites_sql(connection.alias, len(digests)), [
        Thread._meta.pk.get_db_prep_value(thread_id, connection),
        *digests,
    ]


@functools.lru_cache(maxsize=64)  # by database and number of digests
def _owners_favorites_sql(alias: str, digests: int) -> str:
    q = connections[alias].ops.quote_name
    favorite, thread = Favorite._meta, Thread._meta
    column = {
        name: q(model.get_field(name).column)
        for model, name in ((favorite, "user"), (favorite, "digest"), (thread, "owner"))
    }
    # Names from the models, values as parameters.
    return (
        f"SELECT f.{column['digest']} FROM {q(favorite.db_table)} f"  # noqa: S608
        f" JOIN {q(thread.db_table)} t ON t.{column['owner']} = f.{column['user']}"
        f" WHERE t.{q(thread.pk.column)} = %s"
        f" AND f.{column['digest']} IN ({', '.join(['%s'] * digests)})"
    )
