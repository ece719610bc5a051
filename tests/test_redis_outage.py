"""Redis goes away mid-answer and comes back empty (no persistence, as a restarted cache
usually is), under two real daphne instances: nothing typed is lost, and every listener
of each process finds its groups again without a restart.

Services backend only (PostgreSQL): the instances get a Redis of this test's own, which
the test stops and starts; the shared one is never touched.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session

from chat.models import Message
from chat.web.consumers import CLOSE_UNAUTHENTICATED
from tests.assistants.outages import tokens
from tests.conftest import ASSISTANTS_DIR
from tests.drivers import wait_for
from tests.factories import make_thread
from tests.services import RedisServer, service_env, started
from tests.sockets import PageSocket, session_cookie

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs the services backend: REDIS_URL and DATABASE_URL on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

ASSISTANT = str(ASSISTANTS_DIR / "outages.py")
OUTAGE_SECONDS = 4.0


@pytest.fixture(scope="module")
def redis_and_instances(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redis-outage")
    redis = RedisServer(tmp)
    redis.start()
    with django_db_blocker.unblock():
        env = service_env(
            tmp,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            CHAT_ASSISTANT=ASSISTANT,
            MEDIA_ROOT=str(tmp / "media"),
            REDIS_URL=redis.url,
            CHAT_STREAM_SAVE_SECONDS="0.2",
        )
    try:
        with started(env, tmp) as web:
            yield redis, web
    finally:
        redis.stop()


async def stored_user_messages(thread) -> list[tuple[str, str]]:
    rows = Message.objects.filter(thread=thread, author_kind=Message.Author.USER)
    return [(row.client_id, row.content) async for row in rows]


async def test_a_redis_outage_loses_nothing_typed_and_every_listener_comes_back(
    redis_and_instances, user
):
    redis, (web1, web2) = redis_and_instances
    thread = await database_sync_to_async(make_thread)(user)
    cookie = await session_cookie(user)
    first = await PageSocket.open(web1.port, thread, cookie, "tab on web-1")
    second = await PageSocket.open(web2.port, thread, cookie, "tab on web-2")
    sockets = [first, second]
    try:
        # An answer streams on web-1; both tabs see it, web-2's through Redis.
        await first.say("stream 120 0.04")
        await second.until(lambda f: "tok10 " in f)

        redis.stop()
        away_at = time.monotonic()
        # What people type meanwhile, on both instances, and a tab opened meanwhile.
        typed = []
        for i in range(3):
            typed.append(await first.say(f"typed on web-1 during the outage {i}"))
            typed.append(await second.say(f"typed on web-2 during the outage {i}"))
            await asyncio.sleep(0.3)
        late = await PageSocket.open(web2.port, thread, cookie, "tab opened during the outage")
        sockets.append(late)
        # Web-1's own tab goes on seeing its answer, from its own process.
        mark = len(first.frames)
        await first.until(lambda f: "tok" in f, after=mark)
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - away_at)))
        redis.start()

        # Every tab catches up: the answer ends complete, shown on both instances.
        full = tokens(120).strip()

        async def answer_done() -> bool:
            return await Message.objects.filter(
                thread=thread, content__startswith=full, status=Message.Status.DONE
            ).aexists()

        await wait_for(answer_done, within=30, what="the answer finished and stored whole")
        for each in (first, second, late):
            await each.until(lambda f: "tok119" in f and 'data-status="done"' in f, within=20)
        for i in range(3):
            await second.until(lambda f, i=i: f"echo: typed on web-1 during the outage {i}" in f)
            await first.until(lambda f, i=i: f"echo: typed on web-2 during the outage {i}" in f)

        # Stop from web-2 reaches the run on web-1 (run control listens again).
        mark = len(first.frames)
        await first.say("stream 400 0.05")
        await second.until(lambda f: "tok20 " in f, after=len(second.frames))
        # A tab opened now on web-2 is caught up by web-1 (the run's control group again).
        joining = await PageSocket.open(web2.port, thread, cookie, "tab opened after it")
        sockets.append(joining)
        # The stream's open block, replaced whole from its start.
        await joining.until(
            lambda f: 'hx-swap-oob="innerHTML:#m-' in f and '-text">tok0 tok1 ' in f
        )
        await second.stop()
        await first.until(lambda f: 'data-status="stopped"' in f, after=mark, within=15)

        # A question asked on web-1 gets the answer typed on web-2.
        mark = len(first.frames)
        await first.say("ask")
        await second.until(lambda f: "What is your name?" in f)
        await asyncio.sleep(0.2)
        await second.say("Ada")
        await first.until(lambda f: "you said: Ada" in f, after=mark, within=15)
    finally:
        for each in sockets:
            await each.close()

    # Every tab stayed open through the outage (no 1011, no reconnect storm).
    assert [each.close_code for each in sockets] == [1000] * len(sockets)
    # Everything typed is stored exactly once, or was handed back with a notice.
    sent = {**first.sent, **second.sent}
    stored = await stored_user_messages(thread)
    stored_ids = [client_id for client_id, _ in stored]
    assert len(stored_ids) == len(set(stored_ids))
    refused = first.refused_visibly() + second.refused_visibly()
    missing = [sent[client_id] for client_id in sent if client_id not in stored_ids]
    assert len(missing) <= refused, missing
    assert all(client_id in stored_ids for client_id in typed), "typed during the outage"
    # Nothing stays "streaming", and nothing claims a failure that did not happen.
    assert not await Message.objects.filter(
        thread=thread, status=Message.Status.STREAMING
    ).aexists()
    assert not await Message.objects.filter(thread=thread, is_error=True).aexists()
    # The outage is logged once per process, not once per frame.
    for instance in (web1, web2):
        log = instance.log()
        assert log.count("Redis is unreachable") <= 2, instance.log_tail()
        assert log.count("Traceback") == 0, instance.log_tail()


async def test_a_sign_in_ended_while_redis_was_away_closes_its_socket_when_it_is_back(
    redis_and_instances, user
):
    redis, (web1, _) = redis_and_instances
    thread = await database_sync_to_async(make_thread)(user)
    ended_cookie, kept_cookie = await session_cookie(user), await session_cookie(user)
    ended = await PageSocket.open(web1.port, thread, ended_cookie, "tab whose session ends")
    kept = await PageSocket.open(web1.port, thread, kept_cookie, "tab of another session")
    try:
        redis.stop()
        await asyncio.sleep(1.0)  # the instance notices: its sockets' reads fail
        # Its session ends meanwhile: whatever announcement there was went nowhere.
        session_key = ended_cookie.partition("=")[2]
        await Session.objects.filter(session_key=session_key).adelete()
        redis.start()

        # Back, the instance checks its sockets' sign-ins without waiting for a frame
        # or for the next periodic check.
        await wait_for(lambda: ended.closed, within=10, what="the ended session's tab closed")
        assert ended.close_code == CLOSE_UNAUTHENTICATED
        await kept.say("still here")
        await kept.until(lambda f: "echo: still here" in f)
        assert not kept.closed
    finally:
        for each in (ended, kept):
            await each.close()
