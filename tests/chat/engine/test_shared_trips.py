"""Many sessions' writes at once share trips to the database thread and their commits; each
is stored (or refused) as it would be on its own, in its caller's context, and its caller
hears back only once it is committed."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import translation
from django.utils.translation import gettext as _

from chat.engine import shared_trips, thread_end
from chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="commits wait for the disk on PostgreSQL"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's refusals")


def ask(thread_id, text: str, client_id: str = "") -> Message:
    return thread_end.append(
        Message(
            thread_id=thread_id, author_kind=Message.Author.USER, content=text, client_id=client_id
        )
    )


@pytest.fixture
def commits(monkeypatch) -> list[int]:
    made: list[int] = []
    commit = BaseDatabaseWrapper.commit

    def counting(self):
        made.append(1)
        return commit(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "commit", counting)
    return made


async def stored(thread) -> list[str]:
    rows = Message.objects.filter(thread=thread).order_by("order")
    return [m.content async for m in rows]


async def test_twenty_sessions_writing_at_once_each_get_their_own_row(thread, trips, commits):
    written = await asyncio.gather(
        *(shared_trips.run(ask, thread.id, f"message {i}") for i in range(20))
    )
    # Together: the first goes at once, alone; those asked for while a trip is under way
    # wait for the next one.
    assert 1 <= len(trips) <= 3
    assert len(commits) <= len(trips)  # one transaction per trip
    assert [m.content for m in written] == [f"message {i}" for i in range(20)]
    assert sorted(await stored(thread)) == sorted(f"message {i}" for i in range(20))
    assert sorted(m.order for m in written) == list(range(1, 21))


async def test_a_refused_write_fails_alone_and_the_others_of_its_trip_are_stored(thread):
    await shared_trips.run(ask, thread.id, "first", "c1")
    outcomes = await asyncio.gather(
        shared_trips.run(ask, thread.id, "before"),
        shared_trips.run(ask, thread.id, "again", "c1"),  # the page sent it twice
        shared_trips.run(ask, thread.id, "after"),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], IntegrityError)
    assert outcomes[0].content == "before"
    assert outcomes[2].content == "after"
    assert await stored(thread) == ["first", "before", "after"]


async def test_writes_are_stored_in_the_order_they_were_asked_for(thread):
    outcomes = await shared_trips.run_all(
        [(ask, (thread.id, "one")), (ask, (thread.id, "two")), (ask, (thread.id, "three"))]
    )
    assert [stored_ for stored_, _ in outcomes] == [True, True, True]
    assert await stored(thread) == ["one", "two", "three"]


@on_sqlite
async def test_on_sqlite_a_refused_row_fails_alone_inside_its_trips_transaction(thread, commits):
    await shared_trips.run(ask, thread.id, "first", "c1")
    commits.clear()
    outcomes = await shared_trips.run_all(
        [
            (ask, (thread.id, "before")),
            (ask, (thread.id, "again", "c1")),
            (ask, (thread.id, "after")),
        ]
    )
    assert [stored_ for stored_, _ in outcomes] == [True, False, True]
    assert isinstance(outcomes[1][1], IntegrityError)
    # One commit: the trip was not made again; the refused row took no position.
    assert len(commits) == 1
    assert [m.order for _, m in (outcomes[0], outcomes[2])] == [2, 3]
    assert await stored(thread) == ["first", "before", "after"]


async def test_a_write_that_spoils_the_transaction_has_the_trip_made_again_each_stored_once(
    thread,
):
    await shared_trips.run(ask, thread.id, "first", "c1")

    def resent_through_the_orm() -> None:
        # The ORM marks the transaction for rollback when its statement fails.
        Message(
            thread_id=thread.id, order=99, author_kind=Message.Author.USER, client_id="c1"
        ).save()

    outcomes = await shared_trips.run_all(
        [(ask, (thread.id, "before")), (resent_through_the_orm, ()), (ask, (thread.id, "after"))]
    )
    assert [stored_ for stored_, _ in outcomes] == [True, False, True]
    assert isinstance(outcomes[1][1], IntegrityError)
    assert await stored(thread) == ["first", "before", "after"]


async def test_a_trip_whose_commit_fails_is_made_again_write_by_write(thread, monkeypatch):
    commit = BaseDatabaseWrapper.commit
    failed = []

    def failing_once(self):
        if not failed:
            failed.append(1)
            raise OperationalError("the commit did not reach the server")
        return commit(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "commit", failing_once)
    outcomes = await shared_trips.run_all([(ask, (thread.id, "one")), (ask, (thread.id, "two"))])
    assert failed
    assert [stored_ for stored_, _ in outcomes] == [True, True]
    assert await stored(thread) == ["one", "two"]


@on_postgresql
async def test_a_caller_hears_back_only_once_its_row_is_committed(thread):
    def visible_elsewhere(message_id) -> bool:
        # Another connection sees only what is committed.
        from django.db import connections

        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT 1 FROM chat_message WHERE id = %s", [message_id])
                return cursor.fetchone() is not None
        finally:
            other.close()

    written = await asyncio.gather(*(shared_trips.run(ask, thread.id, f"m{i}") for i in range(5)))
    for message in written:
        assert await sync_to_async(visible_elsewhere)(message.pk)


async def test_each_write_is_made_in_the_language_of_whoever_asked_for_it(thread):
    def said() -> str:
        return str(_("Please answer the question above first."))

    async def asked_in(language: str) -> str:
        with translation.override(language):
            return await shared_trips.run(said)

    french, english = await asyncio.gather(asked_in("fr"), asked_in("en"))
    assert english == "Please answer the question above first."
    assert french != english


@on_postgresql
async def test_with_asynchronous_assistant_commits_writes_do_not_share_trips(
    thread, trips, settings
):
    settings.CHAT_ASSISTANT_WRITES_ASYNC_COMMIT = True
    await asyncio.gather(*(shared_trips.run(ask, thread.id, f"m{i}") for i in range(5)))
    assert len(trips) == 5
    assert sorted(await stored(thread)) == [f"m{i}" for i in range(5)]


async def test_new_threads_titled_at_once_each_get_their_title_and_listing(user, trips):
    from chat.models import Thread
    from chat.threads import history
    from tests.factories import make_thread

    threads = [await sync_to_async(make_thread)(user) for _ in range(5)]
    trips.clear()
    listings = await asyncio.gather(
        *(
            shared_trips.run(history.listing_after_message_now, user, t.id, f"Question {n}", True)
            for n, t in enumerate(threads)
        )
    )
    titles = {t.pk: t.title async for t in Thread.objects.filter(pk__in=[t.pk for t in threads])}
    assert [titles[t.pk] for t in threads] == [f"Question {n}" for n in range(5)]
    assert all(f"Question {n}" in html for n, html in enumerate(listings))
    if connection.vendor == "postgresql":
        assert len(trips) < 5
