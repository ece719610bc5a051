"""The Redis channel layer while its Redis is away and when it comes back empty.

Two layers on one Redis stand for two processes. The Redis is the test's own, stopped
and started here (the shared one is never touched); skipped without REDIS_URL, as the
services backend runs it.
"""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from chat.redis_channel_layer import RECOVERED, ResilientRedisChannelLayer
from tests.services import RedisServer

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
    caplog.set_level(logging.WARNING, logger="chat.redis_channel_layer")
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
