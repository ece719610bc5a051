"""What one message costs the database and the channel layer, counted (not timed)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from chat.engine.session import SIDEBAR_DELAY_SECONDS
from chat.models import AnswerReservation, Quota, Step
from tests.factories import make_thread

pytestmark = pytest.mark.django_db(transaction=True)

BENCH_APP = str(Path(__file__).resolve().parents[3] / "bench" / "app.py")


class Counted:
    def __init__(self) -> None:
        self.sql: list[str] = []
        self.trips = 0
        self.commits = 0
        self.other_threads = 0
        self._lock = threading.Lock()

    def add(self, sql: str) -> None:
        with self._lock:
            self.sql.append(sql)


@pytest.fixture
def counted(monkeypatch) -> Counted:
    """Every statement on every connection (the database thread's too), and every send to
    the channel layer."""
    seen = Counted()
    execute, executemany = CursorWrapper.execute, CursorWrapper.executemany

    def counting_execute(self, sql, params=None):
        seen.add(sql)
        return execute(self, sql, params)

    def counting_executemany(self, sql, param_list):
        seen.add(sql)
        return executemany(self, sql, param_list)

    commit = BaseDatabaseWrapper.commit

    def counting_commit(self):
        seen.commits += 1
        return commit(self)

    call = SyncToAsync.__call__

    def counting_call(self, *args, **kwargs):
        # The database's thread takes the thread-sensitive calls; the others (a cache on
        # the network) go to a pool of their own.
        if self._thread_sensitive:
            seen.trips += 1
        else:
            seen.other_threads += 1
        return call(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting_call)
    monkeypatch.setattr(CursorWrapper, "execute", counting_execute)
    monkeypatch.setattr(CursorWrapper, "executemany", counting_executemany)
    monkeypatch.setattr(BaseDatabaseWrapper, "commit", counting_commit)
    return seen


@pytest.fixture
async def bench_chat(use_assistant, open_chat, thread, user):
    """bench/app.py on a thread, past its first message (which titles the thread)."""
    use_assistant(BENCH_APP)
    chat = await open_chat(thread, user)
    await chat.send("echo warm")
    await drain_side_work()
    return chat


async def drain_side_work() -> None:
    # The sidebar's update after a first message waits a moment before it starts.
    await asyncio.sleep(SIDEBAR_DELAY_SECONDS + 0.2)


def statements(counted: Counted) -> list[str]:
    return [sql.split()[0] for sql in counted.sql]


async def test_an_echo_takes_two_trips_to_the_database_and_seven_statements(bench_chat, counted):
    await bench_chat.send("echo hi")
    # The question: quotas, a waiting question and whether its words are one of the
    # person's favorites (its star) in one statement, then its position and row, in one
    # trip; the answer's position and row in another.
    if connection.vendor == "postgresql":
        # Each message's position and row in one statement committed alone: no BEGIN or
        # COMMIT round trips (3 round trips in all, 2 commits).
        assert statements(counted) == ["SELECT", "WITH", "WITH"]
        assert counted.commits == 0
    else:
        # Each row, which reads its position, then the thread's counter moved on.
        assert statements(counted) == [
            "SELECT", "BEGIN", "INSERT", "UPDATE", "BEGIN", "INSERT", "UPDATE",
        ]  # fmt: skip
        assert counted.commits == 2
    assert counted.trips == 2
    assert [m.content for m in await bench_chat.messages()][-2:] == ["echo hi", "hi"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit setting")
async def test_with_asynchronous_commits_only_the_answer_skips_waiting_for_the_disk(
    bench_chat, counted, settings
):
    settings.CHAT_ASSISTANT_WRITES_ASYNC_COMMIT = True
    await bench_chat.send("echo hi")
    question, answer = [sql for sql in counted.sql if sql.startswith("WITH")]
    assert "synchronous_commit" not in question
    assert "synchronous_commit" in answer
    assert [m.content for m in await bench_chat.messages()][-2:] == ["echo hi", "hi"]


async def test_two_nested_steps_take_two_trips_to_the_database(bench_chat, counted):
    await bench_chat.send("steps")
    # The question (1); both steps and the answer, queued while the assistant's code ran
    # on, together (1). Nothing in the steps waits for the database, so both had ended
    # before their starts went to it: each row is written once, ended, with no UPDATE
    # and no question about its elements.
    assert counted.trips == 2
    kinds = statements(counted)
    assert kinds.count("SELECT") == 1  # the question's checks and star
    if connection.vendor == "postgresql":
        # The question, two steps, the answer: each position and row in one statement.
        assert kinds.count("WITH") == 4
        assert "UPDATE" not in kinds
        assert len(kinds) == 5
        # Both steps and the answer in one transaction (chat.engine.shared_trips): one
        # commit, one wait for the disk, where each row was committed alone (three).
        assert counted.commits == 1
    else:
        assert kinds.count("INSERT") == 4  # the question, two steps, the answer
        assert kinds.count("UPDATE") == 4  # four positions
        # The trip's three rows in one transaction, committed once, with no savepoints: a
        # row SQLite refuses is undone alone.
        assert kinds.count("BEGIN") == 2
        assert "SAVEPOINT" not in kinds
        assert counted.commits == 2
        assert len(kinds) == 11
    steps = [s async for s in Step.objects.filter(thread_id=bench_chat.thread.pk)]
    assert sorted(s.output for s in steps) == ["NESTED", "NESTED"]
    assert all(s.ended_at is not None for s in steps)


async def test_answers_starting_together_share_their_trips_to_the_database(
    use_assistant, open_chat, user, counted
):
    # Alone, a streamed answer takes three trips (its question, its first row, its final
    # text). Started together, the writes of all the sessions waiting meanwhile share a
    # trip (chat.engine.shared_trips): far fewer trips, every answer stored whole.
    use_assistant(BENCH_APP)
    threads = [await asyncio.to_thread(make_thread, user) for _ in range(10)]
    chats = [await open_chat(thread, user) for thread in threads]
    for chat in chats:
        await chat.send("echo warm")
    await drain_side_work()
    counted.trips = 0

    await asyncio.gather(*(chat.send("stream 20") for chat in chats))

    # Alone: three per answer. How many share a trip depends on the machine's pace (one per
    # answer was seen once under heavy load), never as many as alone.
    assert counted.trips < 2 * len(chats)
    for chat in chats:
        question, answer = (await chat.messages())[-2:]
        assert question.content == "stream 20"
        assert (answer.status, len(answer.content.split())) == ("done", 20)


async def test_a_resent_question_leaves_no_answer_reserved_against_a_quota(
    bench_chat, counted, user
):
    await Quota.objects.acreate(user=user, period="day", metric="tokens", limit=10_000)
    await bench_chat.send("echo once", client_id="same")
    await bench_chat.send("echo once", client_id="same")  # the page sent it again
    said = [m.content for m in await bench_chat.messages()]
    assert said.count("echo once") == 1
    assert said.count("once") == 1
    assert await AnswerReservation.objects.acount() == 0


async def test_through_the_socket_an_echo_still_takes_two_trips_to_the_database(
    use_assistant, connect, thread, user, counted, monkeypatch
):
    # The sign-in check and the rate limit of each frame, and the run's mark that refuses
    # edits on other instances (put up, then checked and taken down), use this process's
    # memory in place (no thread for any), or Redis from a thread other than the database's.
    use_assistant(BENCH_APP)
    connected, _, socket = await connect(f"/ws/threads/{thread.id}/", user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    await socket.say("echo warm")
    await socket.until(lambda f: 'data-running="false"' in f and "warm" not in f)
    await drain_side_work()
    counted.trips = counted.other_threads = 0
    layer = get_channel_layer()
    group_sends: list[str] = []
    group_send = layer.group_send

    async def counting_group_send(group, message):
        group_sends.append(message.get("type", ""))
        await group_send(group, message)

    monkeypatch.setattr(layer, "group_send", counting_group_send)
    await socket.say("echo hi")
    await socket.until(lambda f: ">hi</p>" in f)
    await socket.until(lambda f: 'data-running="false"' in f)
    assert counted.trips == 2
    # The cache's calls (the sign-in check, the rate limit, the run mark put up and taken
    # down) go to no other thread: the embedded default's memory is read inline, Redis
    # from the event loop (four thread hops per message before).
    assert counted.other_threads == 0
    # The question and the answer go straight to the only tab of the thread; the run
    # state (which every session of the thread says) and the end-of-run note to other
    # instances go through the channel layer.
    if isinstance(layer, InMemoryChannelLayer):
        assert group_sends == ["chat.fragment", "chat.fragment", "run.sync"]


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the Redis channel layer: services backend only"
)
async def test_on_redis_an_echo_costs_one_publish_per_frame_and_nothing_to_receive(
    use_assistant, connect, thread, user, monkeypatch
):
    # Frames for this process's sockets never wait on Redis; each is published once for
    # the tabs on other instances, and what those publish is pushed here (no polling).
    from redis.asyncio.connection import AbstractConnection

    sent: list[str] = []
    pack_command = AbstractConnection.pack_command

    def counting(self, *args):
        name = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
        sent.append(name.upper())
        return pack_command(self, *args)

    use_assistant(BENCH_APP)
    connected, _, socket = await connect(f"/ws/threads/{thread.id}/", user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    await socket.say("echo warm")
    await socket.until(lambda f: 'data-running="false"' in f and "warm" not in f)
    await drain_side_work()
    monkeypatch.setattr(AbstractConnection, "pack_command", counting)
    await socket.say("echo hi")
    await socket.until(lambda f: ">hi</p>" in f)
    await socket.until(lambda f: 'data-running="false"' in f)
    await asyncio.sleep(0.2)  # the last frame's publication
    # The question, the run starting, the answer, the run ending (its state and Stop)...
    assert [name for name in sent if name == "PUBLISH"] == ["PUBLISH"] * 5
    # ...and the cache's, one command each: the sign-in version, the rate limit (a
    # script), the run's mark put up, and taken down if still its own (a script).
    assert [name for name in sent if name != "PUBLISH"] == ["GET", "EVALSHA", "SET", "EVALSHA"]


async def test_a_streamed_answers_end_is_its_update_and_one_read(bench_chat, counted):
    await bench_chat.send("stream 20")
    kinds = statements(counted)
    # The final render: the UPDATE, then the message read back with its rating and
    # whether it has elements, in one statement (their own only when it has).
    assert kinds[-2:] == ["UPDATE", "SELECT"]
    assert sum("chat_element" in sql for sql in counted.sql) == 1
    assert [m.content for m in await bench_chat.messages()][-1].split()[-1] == "tok19"
