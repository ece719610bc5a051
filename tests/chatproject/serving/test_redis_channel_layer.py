"""The Redis channel layer while its Redis is away and when it comes back empty.

Two layers on one Redis stand for two processes. The Redis is the test's own, stopped
and started here (the shared one is never touched); skipped without REDIS_URL, as the
services backend runs it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from redis.asyncio import Redis

from chatproject.serving.redis_channel_layer import RECOVERED, ResilientRedisChannelLayer
from tests.services import RedisServer, free_port

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis: runs on the services backend"
)


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def layer_on(redis: RedisServer) -> ResilientRedisChannelLayer:
    return ResilientRedisChannelLayer(
        hosts=[{"address": redis.url, "socket_timeout": None}], prefix="outage", capacity=100
    )


async def receive(layer, channel: str, within: float = 10.0) -> dict:
    return await asyncio.wait_for(layer.receive(channel), timeout=within)


async def test_while_redis_is_away_this_processs_members_still_get_group_messages(redis):
    here = layer_on(redis)
    tab = await here.new_channel()
    await here.group_add("thread", tab)
    waiting = asyncio.ensure_future(here.receive(tab))
    await asyncio.sleep(0.2)

    redis.stop()
    await here.group_send("thread", {"type": "chat.fragment", "html": "during"})
    assert await asyncio.wait_for(waiting, 10) == {"type": "chat.fragment", "html": "during"}
    assert not here.reachable
    # Joining and leaving groups meanwhile raises nothing either.
    other = await here.new_channel()
    await here.group_add("thread", other)
    await here.group_discard("thread", other)
    await here.group_send("thread", {"type": "chat.fragment", "html": "again"})
    assert (await receive(here, tab))["html"] == "again"
    await here.close_pools()


async def test_when_redis_comes_back_empty_the_groups_are_made_again_every_time(redis):
    here, elsewhere = layer_on(redis), layer_on(redis)
    tab = await here.new_channel()
    await here.group_add("thread", tab)
    for outage in range(3):
        waiting = asyncio.ensure_future(here.receive(tab))
        await asyncio.sleep(0.2)

        redis.stop()
        await asyncio.sleep(0.5)
        redis.start()  # without the memberships: no persistence
        # The member hears that Redis is back (its consumer catches up from the
        # database)...
        assert (await asyncio.wait_for(waiting, 10))["type"] == RECOVERED
        assert here.reachable
        # ...and another process's messages reach it again.
        await elsewhere.group_send("thread", {"type": "chat.fragment", "html": str(outage)})
        assert (await receive(here, tab))["html"] == str(outage)
    await here.close_pools()
    await elsewhere.close_pools()


async def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(redis, caplog):
    caplog.set_level(logging.WARNING, logger="chatproject.serving.redis_channel_layer")
    here = layer_on(redis)
    tab = await here.new_channel()
    await here.group_add("thread", tab)
    redis.stop()
    for i in range(200):
        await here.group_send("thread", {"type": "chat.fragment", "html": str(i)})
    redis.start()
    while (await receive(here, tab))["type"] != RECOVERED:
        pass
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].startswith("Redis is unreachable")
    assert messages[1].startswith("Redis is back")
    assert not any(record.exc_info for record in caplog.records)
    await here.close_pools()


class Logged(logging.Handler):
    """Set once the layer logs a line containing `text`."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


async def until_recovered(layer, channel: str) -> None:
    while (await receive(layer, channel))["type"] != RECOVERED:
        pass


@pytest.fixture
def refused():
    """Set once the layer logs that Redis refused it as a read-only replica."""
    handler = Logged("read only replica")
    logger = logging.getLogger("chatproject.serving.redis_channel_layer")
    logger.addHandler(handler)
    yield handler.seen
    logger.removeHandler(handler)


async def test_a_redis_that_comes_back_refusing_writes_is_retried_until_it_accepts(
    redis, caplog, refused
):
    caplog.set_level(logging.WARNING, logger="chatproject.serving.redis_channel_layer")
    here, elsewhere = layer_on(redis), layer_on(redis)
    tab = await here.new_channel()
    await here.group_add("thread", tab)
    redis.stop()
    await here.group_send("thread", {"type": "chat.fragment", "html": "during"})
    assert not here.reachable
    # Back as a replica of a primary that is gone, as during a failover: it answers a
    # ping, and READONLY to the joins made again.
    redis.start("--replicaof", "127.0.0.1", str(free_port()))
    await asyncio.wait_for(refused.wait(), 10)
    assert not here.reachable

    admin = redis_client(redis)
    await admin.execute_command("REPLICAOF", "NO", "ONE")
    await admin.aclose()
    assert (await receive(here, tab))["html"] == "during"
    await until_recovered(here, tab)
    assert here.reachable
    await elsewhere.group_send("thread", {"type": "chat.fragment", "html": "after"})
    assert (await receive(here, tab))["html"] == "after"
    refusals = [record for record in caplog.records if "read only" in record.getMessage()]
    assert len(refusals) == 1
    await here.close_pools()
    await elsewhere.close_pools()


async def test_a_socket_that_joins_while_the_groups_are_made_again_hears_other_processes(
    redis, monkeypatch
):
    here, elsewhere = layer_on(redis), layer_on(redis)
    tabs = [await here.new_channel() for _ in range(3)]
    for tab in tabs:
        await here.group_add("thread", tab)
    late = await here.new_channel()

    # A socket connects while the layer is still making the groups again in Redis.
    make_in_redis = RedisChannelLayer.group_add
    joined_meanwhile = asyncio.Event()

    async def a_socket_joins_meanwhile(layer, group: str, channel: str) -> None:
        if layer is here and not here.reachable and not joined_meanwhile.is_set():
            joined_meanwhile.set()
            await here.group_add("other-thread", late)
        await make_in_redis(layer, group, channel)

    monkeypatch.setattr(RedisChannelLayer, "group_add", a_socket_joins_meanwhile)
    redis.stop()
    await here.group_send("thread", {"type": "chat.fragment", "html": "during"})
    redis.start()
    await until_recovered(here, late)
    assert joined_meanwhile.is_set()

    await elsewhere.group_send("other-thread", {"type": "chat.fragment", "html": "elsewhere"})
    assert (await receive(here, late))["html"] == "elsewhere"
    await here.close_pools()
    await elsewhere.close_pools()


def redis_client(server: RedisServer) -> Redis:
    return Redis.from_url(server.url)


async def test_the_configured_layer_notices_a_redis_that_vanished_without_closing(redis):
    """No socket timeout (it would close idle websockets), so TCP keepalive and health
    checks must tell a silent network partition from a quiet Redis."""
    host = dict(settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0], address=redis.url)
    assert host["socket_timeout"] is None
    here = ResilientRedisChannelLayer(hosts=[host], prefix="outage")
    pool = here.connection(0).connection_pool
    connection = await pool.get_connection()
    try:
        sock = connection._writer.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        assert connection.health_check_interval > 0
    finally:
        await pool.release(connection)
        await here.close_pools()
