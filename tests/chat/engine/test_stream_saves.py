"""The periodic saves of live streams: written together, one trip at a time, never lost."""

from __future__ import annotations

import asyncio

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from chat.engine import stream_saves
from chat.models import Message
from tests.drivers import wait_for
from tests.factories import make_message, make_thread

pytestmark = pytest.mark.django_db(transaction=True)


async def streaming_rows(thread, count: int) -> list[Message]:
    return [
        await asyncio.to_thread(
            make_message, thread, "", author_kind="assistant", status="streaming"
        )
        for _ in range(count)
    ]


async def test_many_streams_saving_at_once_are_written_in_one_trip(thread):
    rows = await streaming_rows(thread, 30)
    saves = stream_saves.saves()
    trips = saves.trips

    await asyncio.gather(
        *(
            stream_saves.save(Message, str(row.pk), {"content": f"text {n}"})
            for n, row in enumerate(rows)
        )
    )

    assert saves.trips == trips + 1
    stored = {m.pk: m.content async for m in Message.objects.filter(thread=thread)}
    assert [stored[r.pk] for r in rows] == [f"text {n}" for n in range(30)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a round trip per statement")
async def test_on_postgresql_streams_saving_at_once_are_one_statement_each_row_its_own_text(
    thread, monkeypatch
):
    from django.db.backends.utils import CursorWrapper

    rows = await streaming_rows(thread, 30)
    sent: list[str] = []
    execute = CursorWrapper.execute

    def counting(self, sql, params=None):
        sent.append(sql.split()[0])
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", counting)
    now = timezone.now()
    await asyncio.gather(
        *(
            stream_saves.save(Message, str(row.pk), {"content": f"ünï {n}'", "updated_at": now})
            for n, row in enumerate(rows)
        )
    )
    assert sent == ["UPDATE"]
    monkeypatch.undo()
    stored = {m.pk: m async for m in Message.objects.filter(thread=thread)}
    assert [stored[r.pk].content for r in rows] == [f"ünï {n}'" for n in range(30)]
    assert {stored[r.pk].updated_at for r in rows} == {now}


async def test_saves_that_come_while_a_trip_is_on_go_together_in_the_next(thread):
    rows = await streaming_rows(thread, 10)
    saves = stream_saves.saves()
    trips = saves.trips
    first = asyncio.create_task(stream_saves.save(Message, str(rows[0].pk), {"content": "a"}))
    await asyncio.sleep(0)  # its trip has begun
    later = [stream_saves.save(Message, str(r.pk), {"content": "b"}) for r in rows[1:]]
    await asyncio.gather(first, *later)
    assert saves.trips == trips + 2


async def test_the_latest_text_of_a_stream_is_what_its_row_holds(thread):
    (row,) = await streaming_rows(thread, 1)
    await asyncio.gather(
        stream_saves.save(Message, str(row.pk), {"content": "Hel"}),
        stream_saves.save(Message, str(row.pk), {"content": "Hello"}),
    )
    assert (await Message.objects.aget(pk=row.pk)).content == "Hello"


async def test_a_save_given_up_before_its_trip_is_never_written(thread):
    busy, closing = await streaming_rows(thread, 2)
    saves = stream_saves.saves()
    trips = saves.trips
    on_its_way = asyncio.create_task(stream_saves.save(Message, str(busy.pk), {"content": "x"}))
    await asyncio.sleep(0)
    await asyncio.sleep(0)  # its trip has begun
    given_up = asyncio.create_task(stream_saves.save(Message, str(closing.pk), {"content": "y"}))
    await asyncio.sleep(0)  # waiting for the next trip
    given_up.cancel()
    with pytest.raises(asyncio.CancelledError):
        await given_up
    await on_its_way
    await asyncio.sleep(0.05)
    assert saves.trips == trips + 1
    assert (await Message.objects.aget(pk=closing.pk)).content == ""
    assert (await Message.objects.aget(pk=busy.pk)).content == "x"


async def test_a_row_that_cannot_be_written_fails_only_its_own_save(thread):
    good, bad, other = await streaming_rows(thread, 3)
    results = await asyncio.gather(
        stream_saves.save(Message, str(good.pk), {"content": "kept"}),
        stream_saves.save(Message, str(bad.pk), {"status": None}),  # NOT NULL
        stream_saves.save(Message, str(other.pk), {"content": "kept too"}),
        return_exceptions=True,
    )
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], IntegrityError)
    contents = {m.pk: m.content async for m in Message.objects.filter(thread=thread)}
    assert (contents[good.pk], contents[other.pk]) == ("kept", "kept too")


async def test_answers_streaming_in_many_threads_are_each_saved_as_they_go(
    settings, use_assistant, open_chat, user
):
    # What a crash mid-stream leaves: each answer's text so far, marked as streaming
    # (a page shows it as interrupted once it goes stale).
    settings.CHAT_STREAM_SAVE_SECONDS = 0.05
    use_assistant("features")
    chats = [await open_chat(await asyncio.to_thread(make_thread, user), user) for _ in range(5)]
    for chat in chats:
        chat.session.user_session["gate"] = asyncio.Event()
    await asyncio.gather(*(chat.send("slow 30", wait=False) for chat in chats))
    full = "".join(f"s{i} " for i in range(30))

    async def all_saved_partially() -> bool:
        for chat in chats:
            if len(await chat.messages()) < 2 or not (await chat.last_reply()).content:
                return False
        return True

    await wait_for(all_saved_partially, what="every answer's text so far in the database")
    for chat in chats:
        row = await chat.last_reply()
        assert row.status == Message.Status.STREAMING
        assert full.startswith(row.content)

    for chat in chats:
        chat.session.user_session["gate"].set()
    for chat in chats:
        await chat.idle()
        assert ((await chat.last_reply()).content, (await chat.last_reply()).status) == (
            full,
            Message.Status.DONE,
        )


async def test_a_streamed_answer_takes_three_trips_to_the_database(
    settings, use_assistant, open_chat, thread, user, trips
):
    settings.CHAT_STREAM_SAVE_SECONDS = 60
    use_assistant("features")
    chat = await open_chat(thread, user)
    chat.session.user_session["gate"] = gate = asyncio.Event()
    gate.set()
    await chat.send("echo first")  # the thread's first message: its title and sidebar
    await asyncio.sleep(0.2)
    trips.clear()

    await chat.send("quick 200")

    # The question (checked and stored), the answer's row (queued with the run's other
    # writes, see chat.engine.ordered_writes), its final text and status; each in a trip
    # that other sessions' writes may share (chat.engine.shared_trips), in one transaction.
    assert trips == ["together"] * 3
    assert (await chat.last_reply()).content == "".join(f"q{i} " for i in range(200))


async def test_a_long_stream_adds_one_trip_per_save(
    settings, use_assistant, open_chat, thread, user, trips
):
    settings.CHAT_STREAM_SAVE_SECONDS = 0.05
    use_assistant("features")
    chat = await open_chat(thread, user)
    chat.session.user_session["gate"] = gate = asyncio.Event()
    gate.set()
    await chat.send("echo first")
    await asyncio.sleep(0.2)
    trips.clear()

    await chat.send("slow 20")  # 20 tokens, 20 ms apart: about 8 saves

    saves = trips.count("_write_all")
    assert 2 <= saves <= 10
    assert len(trips) == 3 + saves
