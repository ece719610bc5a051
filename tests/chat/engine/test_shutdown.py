"""A graceful stop of a real daphne: on SIGTERM the answers in flight finish (or are saved
whole as interrupted), no new run starts, and the sockets close with the reconnect code.
On both backends: daphne shares the test database (and Redis, if REDIS_URL is set)."""

from __future__ import annotations

import asyncio
import html
import json
import re
import signal
import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat.models import Message
from tests.conftest import ASSISTANTS_DIR
from tests.drivers import streamed_pieces
from tests.services import Daphne, free_port, service_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RECONNECT_CODES = {1012, 4012}


@pytest.fixture
def start_web(django_db_blocker, tmp_path):
    """Starts daphne with the echo assistant and the given shutdown grace."""
    started: list[Daphne] = []

    def start(grace: float) -> Daphne:
        with django_db_blocker.unblock():
            env = service_env(
                tmp_path,
                f"chat-test-{uuid.uuid4().hex[:12]}",
                CHAT_ASSISTANT=str(ASSISTANTS_DIR / "echo.py"),
                CHAT_SHUTDOWN_GRACE_SECONDS=str(grace),
                # Nothing here turns "interrupted" by going stale: only the shutdown can.
                CHAT_STREAM_STALE_SECONDS="600",
                CHANNEL_PREFIX=f"chat-drain-{uuid.uuid4().hex[:8]}",
            )
        web = Daphne(f"web-{len(started)}", env, tmp_path, free_port())
        started.append(web)
        web.start()
        return web

    yield start
    for web in started:
        web.stop(timeout=40)


@database_sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


class Tab:
    """A page's socket: every frame it got, and how it was closed."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.frames: list[str] = []
        self.close_code: int | None = None

    async def until(self, predicate, within: float = 30.0) -> str:
        async with asyncio.timeout(within):
            while True:
                frame = await self.connection.recv()
                self.frames.append(frame)
                if predicate(frame):
                    return frame

    async def read_to_close(self, within: float = 60.0) -> None:
        try:
            async with asyncio.timeout(within):
                while True:
                    self.frames.append(await self.connection.recv())
        except ConnectionClosed as closed:
            self.close_code = closed.rcvd.code if closed.rcvd else None

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

    def streamed(self, message_id) -> str:
        """The text the tab was shown for a message as it streamed, in order."""
        return "".join(streamed_pieces(self.frames, message_id))


def words_of(frame: str) -> list[str]:
    """The words a message's frame shows in its text (its buttons and labels aside)."""
    body = re.search(r'class="message__body[^"]*"[^>]*>(.*?)</div>', frame, re.S)
    assert body, frame[:300]
    return html.unescape(re.sub(r"<[^>]+>", " ", body.group(1))).split()


async def open_tab(web: Daphne, thread, user) -> Tab:
    base = f"127.0.0.1:{web.port}"
    connection = await connect(
        f"ws://{base}/ws/threads/{thread.pk}/",
        origin=f"http://{base}",
        additional_headers={"Cookie": await session_cookie(user)},
        proxy=None,
        open_timeout=20,
        max_size=None,
    )
    tab = Tab(connection)
    await tab.until(lambda f: "run-state" in f)
    return tab


async def the_reply(thread) -> Message:
    return await Message.objects.filter(
        thread=thread, author_kind=Message.Author.ASSISTANT
    ).alatest("order")


async def exited(web: Daphne) -> int:
    return await asyncio.to_thread(web.process.wait, 60)


async def test_on_sigterm_the_answer_in_flight_finishes_then_the_socket_says_reconnect(
    start_web, thread, user
):
    web = start_web(grace=30)
    tab = await open_tab(web, thread, user)
    await tab.say("drip 60 50")
    await tab.until(lambda f: "d5 " in f)
    reply = await the_reply(thread)

    web.process.send_signal(signal.SIGTERM)
    await asyncio.to_thread(web.wait_for_log, "Shutting down", 20)
    # A message sent while the process stops is refused, and the page keeps it.
    await tab.say("sent during the shutdown")
    await tab.until(lambda f: "data-keep-draft" in f and "restarting" in f)
    # New sockets go elsewhere: this process no longer listens.
    with pytest.raises(OSError, match=r"Connect call failed|refused"):
        await open_tab(web, thread, user)
    await tab.read_to_close()
    assert await exited(web) == 0

    assert tab.close_code in RECONNECT_CODES
    final = [f for f in tab.frames if f'id="m-{reply.pk}"' in f and "data-status" in f]
    assert 'data-status="done"' in final[-1]
    stored = await Message.objects.aget(pk=reply.pk)
    expected = "".join(f"d{i} " for i in range(60))
    assert stored.status == Message.Status.DONE
    assert stored.content == expected
    assert tab.streamed(reply.pk) == expected
    assert not await Message.objects.filter(content="sent during the shutdown").aexists()
    assert "runs finished: 1," in web.log()


async def test_an_answer_longer_than_the_grace_is_saved_with_every_shown_token_as_interrupted(
    start_web, thread, user
):
    web = start_web(grace=1)
    tab = await open_tab(web, thread, user)
    await tab.say("drip 2000 20")
    await tab.until(lambda f: "d20 " in f)
    reply = await the_reply(thread)

    web.process.send_signal(signal.SIGTERM)
    await tab.read_to_close()
    assert await exited(web) == 0

    assert tab.close_code in RECONNECT_CODES
    final = [f for f in tab.frames if f'id="m-{reply.pk}"' in f and "data-status" in f]
    assert 'data-status="interrupted"' in final[-1]
    stored = await Message.objects.aget(pk=reply.pk)
    # Interrupted by the shutdown itself (staleness would take ten minutes here), with
    # every token the tab was shown, and nothing it was not.
    assert stored.status == Message.Status.INTERRUPTED
    # Nothing the tab was shown token by token is missing; the tokens not yet sent as
    # the stream was ended (a few, on a busy machine) come with its final render: the tab
    # ends showing exactly what was saved.
    assert stored.content.startswith(tab.streamed(reply.pk))
    assert stored.content.startswith("d0 d1 d2 ")
    assert words_of(final[-1]) == stored.content.split()
    assert "runs finished: 0," in web.log()
    assert "interrupted and saved as they stood: 1" in web.log()
