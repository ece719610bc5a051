"""The statements every message sends are prepared once per PostgreSQL connection, read
back as Django's own cursors read them, and not prepared at all when turned off (a pooler
that would hand them to a server connection that never saw them)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import override_settings

from chat.engine import asks, thread_end
from chat.models import Message
from chatproject.serving.db.prepared import prepared_cursor

pytestmark = pytest.mark.django_db(transaction=True)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL"
)


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def assistant_line(thread, text: str) -> Message:
    return Message(thread=thread, author_kind=Message.Author.ASSISTANT, content=text)


def test_a_prepared_cursor_reads_what_djangos_cursor_reads(thread):
    stored = thread_end.append(assistant_line(thread, "hello"))
    with prepared_cursor() as cursor:
        cursor.execute(
            'SELECT "created_at", "metadata", "content" FROM "chat_message" WHERE "id" = %s',
            [Message._meta.pk.get_db_prep_value(stored.pk, connection)],
        )
        created_at, metadata, content = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "created_at", "metadata", "content" FROM "chat_message" WHERE "id" = %s',
            [Message._meta.pk.get_db_prep_value(stored.pk, connection)],
        )
        assert cursor.fetchone() == (created_at, metadata, content)
    assert content == "hello"
    if connection.vendor == "postgresql":  # in the connection's time zone, as Django's
        assert created_at.utcoffset() == datetime.timedelta(0)


@postgresql_only
def test_a_messages_statements_are_prepared_once_per_connection(thread):
    for text in ("one", "two", "three"):
        thread_end.append(assistant_line(thread, text))
        asks.pending_kind_now(thread.pk)
    statements = prepared_statements()
    inserts = [s for s in statements if s.startswith("WITH o AS (UPDATE")]
    reads = [s for s in statements if s.startswith('SELECT "metadata", "order" FROM')]
    assert (len(inserts), len(reads)) == (1, 1)
    assert [m.order for m in Message.objects.filter(thread=thread).order_by("order")] == [1, 2, 3]


@postgresql_only
@override_settings(DB_PREPARED_STATEMENTS=False)
def test_nothing_is_prepared_when_turned_off(thread):
    connection.close()  # a new connection, with nothing prepared by earlier tests
    thread_end.append(assistant_line(thread, "one"))
    asks.pending_kind_now(thread.pk)
    assert prepared_statements() == []
    assert Message.objects.get(thread=thread).content == "one"
