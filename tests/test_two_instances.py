"""Two web instances and one worker on the same PostgreSQL and Redis, as a load balancer
without sticky sessions would use them (the commands docker-compose.yml runs).

Services backend only: REDIS_URL set and DATABASE_URL on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from collections.abc import Callable

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from chat.models import Message, Thread
from tests.conftest import ASSISTANTS_DIR
from tests.drivers import wait_for
from tests.services import Daphne, instances_env, started

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs the services backend: REDIS_URL and DATABASE_URL on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

ASSISTANT = str(ASSISTANTS_DIR / "worker_jobs.py")


@pytest.fixture(scope="module")
def instances(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two daphne processes and one Celery worker, sharing the test database and Redis."""
    tmp = tmp_path_factory.mktemp("instances")
    with django_db_blocker.unblock():
        env = instances_env(tmp, "two", CHAT_ASSISTANT=ASSISTANT, MEDIA_ROOT=str(tmp / "media"))
    with started(env, tmp, worker=True) as processes:
        yield processes


@database_sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


class Tab:
    """A browser tab's websocket to one instance, through the network as a browser's."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.frames: list[str] = []

    async def until(self, predicate: Callable[[str], bool], *, within: float = 30.0) -> str:
        for frame in self.frames:
            if predicate(frame):
                return frame
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            try:
                frame = await asyncio.wait_for(
                    self.connection.recv(), timeout=max(0.01, deadline - loop.time())
                )
            except TimeoutError:
                last = "\n".join(f[:300] for f in self.frames[-5:])
                pytest.fail(f"No matching frame within {within} s; the last ones:\n{last}")
            self.frames.append(frame)
            if predicate(frame):
                return frame

    async def say(self, content: str) -> None:
        await self.connection.send(
            json.dumps(
                {
                    "type": "message",
                    "content": content,
                    "client_id": uuid.uuid4().hex,
                    "HEADERS": {"HX-Request": "true"},
                }
            )
        )

    async def close(self) -> None:
        await self.connection.close()


@pytest.fixture
async def tab(user):
    from websockets.asyncio.client import connect

    cookie = await session_cookie(user)
    opened: list[Tab] = []

    async def open_(instance: Daphne, thread: Thread) -> Tab:
        base = f"127.0.0.1:{instance.port}"
        connection = await connect(
            f"ws://{base}/ws/threads/{thread.pk}/",
            origin=f"http://{base}",
            additional_headers={"Cookie": cookie},
            proxy=None,
            open_timeout=20,
        )
        tab = Tab(connection)
        opened.append(tab)
        await tab.until(lambda f: "run-state" in f)  # the snapshot
        return tab

    yield open_
    for tab in opened:
        await tab.close()


async def idle(thread: Thread) -> None:
    """The chat sessions' start hooks ran and saved their state."""

    async def started() -> bool:
        fresh = await Thread.objects.aget(pk=thread.pk)
        return bool(fresh.metadata.get("started"))

    await wait_for(started, within=20, what="the session started")


async def test_two_tabs_on_two_instances_see_the_same_answers_and_jobs(instances, tab, thread):
    web1, web2, _ = instances
    first = await tab(web1, thread)
    second = await tab(web2, thread)
    await idle(thread)
    await asyncio.sleep(0.5)  # the second session's start hook too

    # An answer streamed by instance 1 reaches the tab on instance 2, token by token.
    await first.say("stream 40")
    await second.until(lambda f: "tok5 " in f)
    await first.until(lambda f: "tok39" in f)
    await second.until(lambda f: "tok39" in f)

    # A job's output (from the worker) reaches both.
    await second.say("report 10 0.02")
    for each in (first, second):
        await each.until(lambda f: "report done" in f)


async def test_a_tab_reconnecting_to_the_other_instance_gets_its_session_back(
    instances, tab, thread
):
    web1, web2, _ = instances
    first = await tab(web1, thread)
    await idle(thread)
    await first.say("count")
    await first.until(lambda f: "count=1 " in f)
    await first.say("count")
    await first.until(lambda f: "count=2 " in f)

    async def saved() -> bool:
        fresh = await Thread.objects.aget(pk=thread.pk)
        return fresh.metadata.get("user_session", {}).get("count") == 2

    await wait_for(saved, within=10, what="the session saved")
    await first.close()

    # The same tab reconnects, this time to the other instance: on_chat_resume runs
    # there, and the counter goes on from the saved session.
    again = await tab(web2, thread)
    await again.say("count")
    frame = await again.until(lambda f: "count=3 " in f)
    found = re.search(r"count=3 resumes=(\d+) pid=(\d+)", frame)
    assert found, frame
    assert int(found.group(1)) >= 1
    assert int(found.group(2)) == web2.pid


async def test_the_message_limit_counts_a_persons_frames_on_every_instance(instances, tab, thread):
    """The limit (20 a minute by default) is one count in Redis, not one per instance."""
    web1, web2, _ = instances
    first = await tab(web1, thread)
    second = await tab(web2, thread)
    await idle(thread)
    # The count runs in fixed minutes: start well inside one, so that all 21 fall in it.
    if time.time() % 60 > 40:
        await asyncio.sleep(61 - time.time() % 60)

    for number in range(10):
        await first.say(f"on one {number}")
        await second.say(f"on two {number}")
    await wait_for(lambda: answers(thread, 20), within=30, what="twenty answers")
    await first.say("the twenty-first")

    notice = await first.until(lambda f: 'id="chat-notice"' in f and "notice--" in f)
    assert "Your message was not sent" in notice
    assert not await thread.messages.filter(content="the twenty-first").aexists()


async def answers(thread: Thread, count: int) -> bool:
    return await thread.messages.filter(content__startswith="echo: on ").acount() == count


async def test_an_edit_is_refused_while_the_answer_runs_on_the_other_instance(
    instances, tab, thread
):
    web1, web2, _ = instances
    first = await tab(web1, thread)
    second = await tab(web2, thread)
    await idle(thread)
    await asyncio.sleep(0.5)  # the second session's start hook too

    await first.say("stream 400")  # about 8 s of tokens, run by instance 1
    await second.until(lambda f: "tok5 " in f)
    asked = await Message.objects.filter(thread=thread, author_kind="user").aget()

    async def edit(tab_: Tab, content: str) -> None:
        frame = {"type": "edit", "message_id": str(asked.pk), "content": content}
        await tab_.connection.send(json.dumps({**frame, "HEADERS": {"HX-Request": "true"}}))

    # Instance 2 runs nothing for this thread, yet refuses: the answer runs on instance 1.
    await edit(second, "stream 3")
    notice = await second.until(lambda f: "Wait for the answer to finish" in f)
    assert "notice--error" in notice
    await first.until(lambda f: "tok399" in f)
    assert (await Message.objects.aget(pk=asked.pk)).content == "stream 400"

    # Once it has ended, the same edit goes through.
    first.frames.clear()  # (frames read so far include the snapshot's "not running")
    await first.until(lambda f: 'data-running="false"' in f)
    second.frames.clear()
    await edit(second, "stream 3")
    await second.until(lambda f: "tok2" in f)

    async def edited() -> bool:
        return (await Message.objects.aget(pk=asked.pk)).content == "stream 3"

    await wait_for(edited, within=10, what="the edit saved")
