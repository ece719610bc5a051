"""A new message or step goes to its thread's end: a position of its own, stored whole or not
at all, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime
import threading
import uuid
import zoneinfo

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext_lazy

from chat.engine import thread_end
from chat.models import Message, Step, Thread

pytestmark = pytest.mark.django_db(transaction=True)


def question(thread: Thread, text: str, client_id: str = "") -> Message:
    return Message(
        thread=thread, author_kind=Message.Author.USER, content=text, client_id=client_id
    )


def positions(thread: Thread) -> list[tuple[int, str]]:
    rows = [*Message.objects.filter(thread=thread).values_list("order", "content")]
    rows += Step.objects.filter(thread=thread).values_list("order", "name")
    return sorted(rows)


def test_messages_and_steps_take_the_next_positions_of_one_counter(thread):
    first = thread_end.append(question(thread, "hello"))
    step = thread_end.append(Step(thread=thread, name="search"))
    second = thread_end.append(question(thread, "again"))
    assert (first.order, step.order, second.order) == (1, 2, 3)
    assert positions(thread) == [(1, "hello"), (2, "search"), (3, "again")]
    thread.refresh_from_db()
    assert thread.last_order == 3
    # The row is stored as given, and is an ordinary saved row afterwards.
    stored = Message.objects.get(pk=first.pk)
    assert (stored.author_kind, stored.content, stored.status) == ("user", "hello", "done")
    assert stored.created_at == first.created_at
    first.content = "hello, edited"
    first.save()
    assert Message.objects.get(pk=first.pk).content == "hello, edited"


def test_every_field_of_a_row_is_stored_as_given(thread):
    message = Message(
        thread=thread, author_kind=Message.Author.ASSISTANT, author_name="Bot «β»",
        content="x\x01 <b>y</b>", status=Message.Status.STREAMING, is_error=True,
        client_id="c9", metadata={"modes": {"tone": "dry"}, "n": [1, 2.5, None]},
    )  # fmt: skip
    parent = thread_end.append(Step(thread=thread, name="outer", type="tool"))
    step = Step(
        thread=thread, parent=parent, message=thread_end.append(message), name="inner",
        type="llm", input='{"q": 1}', output="out", language="json", metadata={"k": "v"},
    )  # fmt: skip
    thread_end.append(step)
    for row in (message, step):
        stored = type(row).objects.get(pk=row.pk)
        for field in type(row)._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(row, field.attname), field.name


def test_a_resent_message_is_refused_and_takes_no_position(thread):
    thread_end.append(question(thread, "hello", client_id="c1"))
    with pytest.raises(IntegrityError):
        thread_end.append(question(thread, "hello", client_id="c1"))
    thread.refresh_from_db()
    assert thread.last_order == 1
    assert thread_end.append(question(thread, "next")).order == 2


def test_a_refused_row_inside_a_callers_transaction_leaves_it_usable(thread):
    thread_end.append(question(thread, "hello", client_id="c1"))
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            thread_end.append(question(thread, "hello", client_id="c1"))
        thread_end.append(question(thread, "kept"))
    assert positions(thread) == [(1, "hello"), (2, "kept")]


def test_a_message_for_a_deleted_thread_is_not_stored(thread):
    thread_id = thread.pk
    thread.delete()
    orphan = Message(thread_id=thread_id, author_kind=Message.Author.USER, content="x")
    with pytest.raises(Thread.DoesNotExist):
        thread_end.append(orphan)
    assert not Message.objects.filter(thread_id=thread_id).exists()


def test_concurrent_writers_to_one_thread_each_get_a_position_and_nothing_is_lost(thread):
    writers, per_writer = 4, 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                thread_end.append(question(thread, f"{n}-{i}", client_id=uuid.uuid4().hex))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored = positions(thread)
    assert [order for order, _ in stored] == list(range(1, writers * per_writer + 1))
    # Each writer's messages are in the order it sent them.
    for n in range(writers):
        mine = [text for _, text in stored if text.startswith(f"{n}-")]
        assert mine == [f"{n}-{i}" for i in range(per_writer)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's one statement")
def test_on_postgresql_a_message_is_one_statement_with_no_transaction_around_it(
    thread, monkeypatch
):
    sent: list[str] = []
    commits: list[bool] = []
    execute, commit = CursorWrapper.execute, BaseDatabaseWrapper.commit

    def counting_execute(self, sql, params=None):
        sent.append(sql.split()[0])
        return execute(self, sql, params)

    def counting_commit(self):
        commits.append(True)
        return commit(self)

    monkeypatch.setattr(CursorWrapper, "execute", counting_execute)
    monkeypatch.setattr(BaseDatabaseWrapper, "commit", counting_commit)
    thread_end.append(question(thread, "hello"))
    thread_end.append(Step(thread=thread, name="search"))
    # No BEGIN or COMMIT of its own: the statement commits alone, one round trip each.
    assert sent == ["WITH", "WITH"]
    assert commits == []
    assert connection.get_autocommit()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit setting")
def test_a_row_committed_without_waiting_for_the_disk_is_stored_and_changes_nothing_else(
    thread,
):
    step = thread_end.append(Step(thread=thread, name="search"), durable=False)
    assert Step.objects.get(pk=step.pk).order == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        # The setting lasted for that statement's commit only.
        assert cursor.fetchone() == ("on",)


def test_a_rows_parameters_are_exactly_those_the_orm_would_send(thread):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    parent = thread_end.append(Step(thread=thread, name="outer"))
    message = Message(
        thread=thread, author_kind=Message.Author.ASSISTANT, author_name=gettext_lazy("Bot"),
        content="x\x01 «β»", status=Message.Status.STREAMING, is_error=True, client_id="c9",
        created_at=datetime.datetime(2026, 3, 29, 2, 30, 5, 123456, tzinfo=paris),
        updated_at=datetime.datetime(2026, 12, 7, 6, 0, tzinfo=datetime.UTC),
        metadata={"modes": {"tone": "dry"}, "n": [1, 2.5, None, "é"]},
    )  # fmt: skip
    step = Step(
        thread=thread, parent=parent, message=message, name="inner", type="llm",
        input='{"q": 1}', language="json", ended_at=datetime.datetime.now(paris), metadata={},
    )  # fmt: skip
    # Ids written out, as the public API gives them.
    named = Step(thread=thread, id=str(uuid.uuid4()).upper(), message_id=str(message.id), name="n")
    for row in (message, step, named, Step(thread=thread, name="plain")):
        plan = thread_end._plan(type(row), connection.alias)
        orm = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in plan.fields]
        assert [_as_sent(p) for p in plan.params(row, connection)] == [_as_sent(p) for p in orm]


def _as_sent(param):
    """A parameter as the driver sends it: its type, and its JSON text for a JSON value."""
    dumps = getattr(param, "dumps", None)
    if dumps is not None:  # psycopg's Jsonb
        return type(param), dumps(param.obj)
    return type(param), param
