"""A frame larger than daphne takes (1 MiB) gets a close frame with 1009, "message too
big", which the page explains; never a dropped connection that looks like a network
failure. Real daphne, on the backend the run uses."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.services import Daphne, service_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MESSAGE_TOO_BIG = 1009


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web(django_db_blocker, tmp_path):
    with django_db_blocker.unblock():
        env = service_env(
            tmp_path,
            f"chat-test-{uuid.uuid4().hex[:12]}",
            CHANNEL_PREFIX=f"chat-close-{uuid.uuid4().hex[:8]}",
        )
    process = Daphne("web", env, tmp_path, free_port())
    process.start()
    yield process
    process.stop()


async def read_to_close(connection) -> None:
    async with asyncio.timeout(30):
        while True:
            await connection.recv()


@database_sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


@pytest.mark.parametrize("compression", ["deflate", None])
@pytest.mark.parametrize("megabytes", [5, 50])
async def test_a_frame_over_the_limit_is_closed_with_message_too_big(
    web, thread, user, megabytes, compression
):
    base = f"127.0.0.1:{web.port}"
    async with connect(
        f"ws://{base}/ws/threads/{thread.pk}/",
        origin=f"http://{base}",
        additional_headers={"Cookie": await session_cookie(user)},
        proxy=None,
        compression=compression,
        open_timeout=20,
        close_timeout=10,
        max_size=None,
    ) as connection:
        async with asyncio.timeout(20):
            while "run-state" not in await connection.recv():
                pass
        # Random text, which deflate cannot shrink below the limit.
        content = secrets.token_hex(megabytes * 1024 * 1024 // 2)
        with contextlib.suppress(ConnectionClosed):
            await connection.send(f'{{"type": "message", "content": "{content}"}}')
        with pytest.raises(ConnectionClosed) as closed:
            await read_to_close(connection)
    assert closed.value.rcvd is not None, "the connection was dropped without a close frame"
    assert closed.value.rcvd.code == MESSAGE_TOO_BIG
