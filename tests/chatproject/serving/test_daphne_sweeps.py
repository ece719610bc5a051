"""Daphne's sweeps visit only the connections with something due, and still do their
jobs: an idle socket is pinged every ping interval and stays open while its page answers,
a peer that stops answering is dropped after the ping timeout, and a closed socket's
application ends. Real daphne (with short ping options), on the backend the run uses; the
schedule itself in counts."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import struct
import uuid

import pytest
import yaml
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect

from chatproject.serving.daphne_sweeps import SWEEP_SECONDS, Sweeps, slot
from tests.conftest import ASSISTANTS_DIR
from tests.security.servers import ROOT, compose_daphne_arguments, shipped_daphne_arguments
from tests.services import PING_INTERVAL as SHIPPED_INTERVAL
from tests.services import PING_TIMEOUT as SHIPPED_TIMEOUT
from tests.services import Daphne, free_port, service_env

pytestmark = pytest.mark.django_db(transaction=True)

PING_INTERVAL = 1
PING_TIMEOUT = 2
PING = 0x9
CLOSE = 0x8


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweeps")
    with django_db_blocker.unblock():
        env = service_env(
            tmp,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            CHAT_ASSISTANT=str(ASSISTANTS_DIR / "echo.py"),
            CHAT_MESSAGE_RATE_LIMIT="",
            CHANNEL_PREFIX=f"chat-sweeps-{uuid.uuid4().hex[:8]}",
        )
    process = Daphne("web", env, tmp, free_port(), ping=(PING_INTERVAL, PING_TIMEOUT))
    process.start()
    yield process
    process.stop()


@database_sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


class RawSocket:
    """A websocket spoken by hand, so that the test sees the server's pings and decides
    whether to answer them (client libraries answer by themselves)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int, path: str, cookie: str) -> RawSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
                f"Cookie: {cookie}\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    async def frame(self) -> tuple[int, bytes]:
        """The next frame from the server (which never masks): (opcode, payload)."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    async def ping(self) -> bytes:
        while True:
            opcode, payload = await self.frame()
            assert opcode != CLOSE, payload
            if opcode == PING:
                return payload

    def pong(self, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.writer.write(bytes([0x80 | 0xA, 0x80 | len(payload)]) + mask + masked)

    async def closed(self) -> bool:
        """Reads to the end: whether the server closed the connection."""
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await self.frame()
        return True

    def close(self) -> None:
        self.writer.close()


async def test_an_idle_socket_is_pinged_and_stays_open_while_its_page_answers(web, thread, user):
    raw = await RawSocket.open(web.port, f"/ws/threads/{thread.pk}/", await session_cookie(user))
    try:
        async with asyncio.timeout(20):
            for _ in range(4):  # several intervals, each ping answered
                raw.pong(await raw.ping())
    finally:
        raw.close()


async def test_a_peer_that_stops_answering_pings_is_dropped(web, thread, user):
    raw = await RawSocket.open(web.port, f"/ws/threads/{thread.pk}/", await session_cookie(user))
    try:
        async with asyncio.timeout(20):
            await raw.ping()  # and no answer
            assert await raw.closed()
    finally:
        raw.close()


async def test_a_socket_that_answers_pings_keeps_being_served(web, thread, user):
    base = f"127.0.0.1:{web.port}"
    async with connect(
        f"ws://{base}/ws/threads/{thread.pk}/",
        origin=f"http://{base}",
        additional_headers={"Cookie": await session_cookie(user)},
        proxy=None,
        open_timeout=20,
    ) as connection:
        await asyncio.sleep(PING_INTERVAL + PING_TIMEOUT + 2 * SWEEP_SECONDS)
        frame = {"type": "message", "content": "still here?", "client_id": uuid.uuid4().hex}
        await connection.send(json.dumps({**frame, "HEADERS": {"HX-Request": "true"}}))
        async with asyncio.timeout(20):
            while "echo: still here?" not in await connection.recv():
                pass


def test_a_sweep_visits_only_the_connections_due():
    sweeps = Sweeps()
    now = sweeps.swept_to * SWEEP_SECONDS
    idle = [object() for _ in range(1000)]
    for protocol in idle:  # each next due in 20 s (its ping)
        sweeps.due[slot(now + 20) + 1].append(protocol)
    busy = object()
    sweeps.due[slot(now) + 1].append(busy)  # a handshake under way: every sweep

    assert sweeps.take_due(now + SWEEP_SECONDS) == [busy]
    assert sweeps.take_due(now + 2 * SWEEP_SECONDS) == []
    assert sweeps.take_due(now + 20) == []
    assert sweeps.take_due(now + 20 + SWEEP_SECONDS) == idle
    assert sweeps.take_due(now + 60) == []  # each once


def ping_options(arguments: list[str]) -> tuple[int, int]:
    def value(flag: str) -> int:
        return int(arguments[arguments.index(flag) + 1])

    return value("--ping-interval"), value("--ping-timeout")


def test_the_shipped_commands_ping_idle_sockets_every_50_s_and_drop_silent_peers_after_30():
    """Under the 60 s idle timeout of common load balancers; the tests' daphne alike."""
    kubernetes = next(yaml.safe_load_all((ROOT / "deploy/kubernetes/web.yaml").read_text()))
    (container,) = kubernetes["spec"]["template"]["spec"]["containers"]

    assert ping_options(shipped_daphne_arguments()) == (50, 30)
    assert ping_options(compose_daphne_arguments()) == (50, 30)
    assert ping_options(container["command"]) == (50, 30)
    assert (SHIPPED_INTERVAL, SHIPPED_TIMEOUT) == (50, 30)
