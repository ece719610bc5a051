"""One of two web instances goes away while an answer streams, behind a round-robin proxy
without sticky sessions: the page reconnects through the proxy to the survivor, the
answer's row ends as it should, and what the page sent and saw matches the database.

Services backend only (PostgreSQL and Redis): both instances share them, as in production.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from collections.abc import Callable, Iterator

import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import InvalidHandshake

from chat.models import Message, Thread
from chat.web.consumers import (
    CLOSE_FORBIDDEN,
    CLOSE_SERVICE_RESTART,
    CLOSE_SERVICE_RESTART_APP,
    CLOSE_UNAUTHENTICATED,
)
from tests.assistants.outages import tokens
from tests.conftest import ASSISTANTS_DIR
from tests.drivers import streamed_pieces, wait_for
from tests.factories import make_thread
from tests.round_robin import RoundRobinProxy
from tests.services import Daphne, free_port, service_env
from tests.sockets import PageSocket, session_cookie

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs the services backend: REDIS_URL and DATABASE_URL on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]

ASSISTANT = str(ASSISTANTS_DIR / "outages.py")
# Long enough that the instance goes away mid-answer, whatever the machine's load.
STREAMED = 400
STREAM = f"stream {STREAMED} 0.05"


class Cluster:
    """Two daphne instances behind the proxy."""

    def __init__(self, web: list[Daphne], proxy: RoundRobinProxy) -> None:
        self.web = web
        self.proxy = proxy

    def serving(self, socket: PageSocket) -> Daphne:
        """The instance the proxy relays this socket to."""
        port = self.proxy.backend_of(socket.connection.local_address[1])
        return next(each for each in self.web if each.port == port)

    def other_than(self, instance: Daphne) -> Daphne:
        return next(each for each in self.web if each is not instance)


@pytest.fixture
def cluster(django_db_blocker, tmp_path) -> Iterator[Callable[..., Cluster]]:
    """Starts two instances (with the given settings) and the proxy in front of them."""
    started: list[Daphne] = []
    proxies: list[RoundRobinProxy] = []

    def start(**settings: str) -> Cluster:
        with django_db_blocker.unblock():
            env = service_env(
                tmp_path,
                f"chat-test-{uuid.uuid4().hex[:12]}",
                CHAT_ASSISTANT=ASSISTANT,
                MEDIA_ROOT=str(tmp_path / "media"),
                # Nothing else on this Redis reaches their groups.
                CHANNEL_PREFIX=f"chat-failover-{uuid.uuid4().hex[:8]}",
                CHAT_STREAM_SAVE_SECONDS="0.2",
                **settings,
            )
        web = [
            Daphne("web-1", env, tmp_path, free_port()),
            Daphne("web-2", env, tmp_path, free_port()),
        ]
        started.extend(web)
        for instance in web:
            instance.start()
        proxy = RoundRobinProxy([each.port for each in web]).start()
        proxies.append(proxy)
        return Cluster(web, proxy)

    yield start
    for proxy in proxies:
        proxy.stop()
    for instance in started:
        instance.stop(timeout=40)


class Page:
    """A browser tab on the thread, through the proxy, behaving as the page does: after a
    close (other than a sign-out or a refusal) it opens again; what is typed while it is
    closed waits in htmx's queue and goes out, with its id, once it is open again."""

    def __init__(self, cluster: Cluster, thread: Thread, cookie: str) -> None:
        self.cluster = cluster
        self.thread = thread
        self.cookie = cookie
        self.sockets: list[PageSocket] = []
        self.sent: dict[str, str] = {}  # client id -> content, every message sent
        self._queued: list[str] = []

    @property
    def socket(self) -> PageSocket:
        return self.sockets[-1]

    @property
    def frames(self) -> list[str]:
        return [frame for socket in self.sockets for frame in socket.frames]

    async def open(self, *, within: float = 30.0) -> PageSocket:
        """Opens a socket through the proxy, trying again until one opens."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            try:
                socket = await PageSocket.open(
                    self.cluster.proxy.port, self.thread, self.cookie, f"socket {len(self.sockets)}"
                )
                break
            except (OSError, InvalidHandshake, TimeoutError) as error:
                if loop.time() > deadline:
                    pytest.fail(f"The page could not reconnect within {within} s: {error!r}")
                await asyncio.sleep(0.25)
        self.sockets.append(socket)
        for client_id in self._queued:
            await self._send(client_id)
        self._queued.clear()
        return socket

    async def reconnect(self, *, within: float = 30.0) -> PageSocket:
        """Waits for the socket to close, and opens another as the page would."""
        await wait_for(lambda: self.socket.closed, within=within, what="the socket closed")
        assert self.socket.close_code not in (CLOSE_UNAUTHENTICATED, CLOSE_FORBIDDEN)
        return await self.open()

    async def say(self, content: str) -> str:
        client_id = uuid.uuid4().hex
        self.sent[client_id] = content
        if self.sockets and not self.socket.closed:
            await self._send(client_id)
        else:
            self._queued.append(client_id)
        return client_id

    async def _send(self, client_id: str) -> None:
        frame = {"type": "message", "content": self.sent[client_id], "client_id": client_id}
        await self.socket.connection.send(json.dumps({**frame, "HEADERS": {"HX-Request": "true"}}))

    def streamed(self, message_id: object) -> str:
        """The text shown for a message as it streamed, on every socket, in order."""
        return "".join(streamed_pieces(self.frames, message_id))

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.close()


async def the_reply(thread: Thread) -> Message:
    return await Message.objects.filter(
        thread=thread, author_kind=Message.Author.ASSISTANT
    ).alatest("order")


async def user_rows(thread: Thread) -> list[tuple[str, str]]:
    rows = Message.objects.filter(thread=thread, author_kind=Message.Author.USER)
    return [(row.client_id, row.content) async for row in rows]


async def answers_to(thread: Thread, content: str) -> int:
    return await Message.objects.filter(
        thread=thread, author_kind=Message.Author.ASSISTANT, content=f"echo: {content}"
    ).acount()


async def _answered_once(thread: Thread, content: str) -> bool:
    return await answers_to(thread, content) == 1


def shown_with_status(message_id: object, status: str) -> Callable[[str], bool]:
    return lambda frame: f'id="m-{message_id}"' in frame and f'data-status="{status}"' in frame


async def assert_each_message_stored_once_and_answered(
    thread: Thread, expected: dict[str, str], answered: list[str]
) -> None:
    stored = await user_rows(thread)
    assert sorted(stored) == sorted(expected.items()), "nothing lost, nothing twice"
    for content in answered:
        # An assistant's message is shown as its row is written: the page may see it first.
        await wait_for(
            lambda c=content: _answered_once(thread, c), within=10, what=f"the answer to {content}"
        )
    assert not await Message.objects.filter(
        thread=thread, status=Message.Status.STREAMING
    ).aexists()


async def test_a_deploy_stopping_one_instance_mid_answer_sends_the_page_to_the_survivor(
    cluster, user
):
    # The answer outlasts the grace; only the shutdown can mark it interrupted here.
    web = cluster(CHAT_SHUTDOWN_GRACE_SECONDS="4", CHAT_STREAM_STALE_SECONDS="600")
    thread = await database_sync_to_async(make_thread)(user)
    page = Page(web, thread, await session_cookie(user))
    try:
        await page.open()
        leaving = web.serving(page.socket)
        survivor = web.other_than(leaving)
        asked = await page.say(STREAM)
        await page.socket.until(lambda f: "tok20 " in f)
        reply = await the_reply(thread)

        leaving.process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(leaving.wait_for_log, "Shutting down", 20)
        # Typed while it drains: refused with a notice, kept in the composer, typed again.
        mark = len(page.socket.frames)
        refused = await page.say("typed during the deploy")
        await page.socket.until(lambda f: "data-keep-draft" in f, after=mark)

        again = await page.reconnect(within=60)
        assert page.sockets[0].close_code in (CLOSE_SERVICE_RESTART, CLOSE_SERVICE_RESTART_APP)
        assert web.serving(again) is survivor
        # The survivor shows the answer as the shutdown saved it, already interrupted.
        await again.until(shown_with_status(reply.pk, "interrupted"))
        retyped = await page.say("typed during the deploy")
        after = await page.say("after the deploy")
        for content in ("typed during the deploy", "after the deploy"):
            await again.until(lambda f, c=content: f"echo: {c}" in f)
        assert await asyncio.to_thread(leaving.process.wait, 30) == 0
    finally:
        await page.close()

    stored = await Message.objects.aget(pk=reply.pk)
    assert stored.status == Message.Status.INTERRUPTED
    # Every token the page was shown is stored, in order, and nothing it was not sent.
    shown = page.streamed(reply.pk)
    assert shown.startswith("tok0 tok1 tok2 ")
    assert stored.content.startswith(shown)
    assert tokens(STREAMED).startswith(stored.content)
    expected = {k: v for k, v in page.sent.items() if k != refused}
    assert set(expected) == {asked, retyped, after}
    await assert_each_message_stored_once_and_answered(
        thread, expected, ["typed during the deploy", "after the deploy"]
    )
    for instance in web.web:
        assert "Traceback" not in instance.log(), instance.log_tail()


async def test_an_instance_killed_mid_answer_leaves_it_interrupted_and_the_survivor_answers(
    cluster, user
):
    web = cluster(CHAT_STREAM_STALE_SECONDS="2")
    thread = await database_sync_to_async(make_thread)(user)
    page = Page(web, thread, await session_cookie(user))
    try:
        await page.open()
        dying = web.serving(page.socket)
        survivor = web.other_than(dying)
        asked = await page.say(STREAM)
        await page.socket.until(lambda f: "tok20 " in f)
        reply = await the_reply(thread)

        dying.process.kill()
        await wait_for(lambda: page.socket.closed, within=20, what="the socket closed")
        # Typed before it is back: waits in the page's queue, goes out on the next open.
        queued = await page.say("typed while reconnecting")
        again = await page.reconnect()
        assert web.serving(again) is survivor

        # No one finishes the answer: it goes stale, and is shown and stored interrupted.
        await again.until(shown_with_status(reply.pk, "interrupted"), within=30)
        after = await page.say("after the crash")
        for content in ("typed while reconnecting", "after the crash"):
            await again.until(lambda f, c=content: f"echo: {c}" in f)
    finally:
        await page.close()

    stored = await Message.objects.aget(pk=reply.pk)
    assert stored.status == Message.Status.INTERRUPTED
    assert stored.content.startswith("tok0 ")
    assert tokens(STREAMED).startswith(stored.content)
    assert set(page.sent) == {asked, queued, after}
    await assert_each_message_stored_once_and_answered(
        thread, page.sent, ["typed while reconnecting", "after the crash"]
    )
    assert "Traceback" not in survivor.log(), survivor.log_tail()
