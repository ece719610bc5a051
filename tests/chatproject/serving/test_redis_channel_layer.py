"""The Redis channel layer: what it asks of Redis, and what it does while Redis is away,
silent, or back empty.

Two layers on one Redis stand for two processes. The Redis is the test's own, stopped and
started here (the shared one is never touched), so its command counts are ours alone;
skipped without REDIS_URL, as the services backend runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from redis.asyncio import Redis

from chatproject.serving import redis_pubsub
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


def layer_on(url: str, **host: object) -> ResilientRedisChannelLayer:
    return ResilientRedisChannelLayer(
        hosts=[{"address": url, "socket_timeout": None, **host}], prefix="outage", capacity=100
    )


async def receive(layer, channel: str, within: float = 10.0) -> dict:
    return await asyncio.wait_for(layer.receive(channel), timeout=within)


async def nothing_for(layer, channel: str, seconds: float = 0.3) -> bool:
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(seconds)
    if waiting.done():
        return False
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    return True


async def until_unreachable(layer, within: float = 10.0) -> None:
    for _ in range(int(within / 0.05)):
        if not layer.reachable:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the layer did not notice that Redis is away")


def redis_client(server: RedisServer) -> Redis:
    return Redis.from_url(server.url)


async def commands_run(server: RedisServer) -> dict[str, int]:
    """Commands Redis has run, by name (its own count; INFO itself left out)."""
    admin = redis_client(server)
    try:
        stats = await admin.info("commandstats")
    finally:
        await admin.aclose()
    return {
        name.removeprefix("cmdstat_"): row["calls"]
        for name, row in stats.items()
        if name != "cmdstat_info"
    }


# What each new connection says first (ours, and the one counting).
HANDSHAKE = {"hello", "client|setinfo", "select"}


def more(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    """The commands run between two counts, connecting aside."""
    return {
        k: v - before.get(k, 0)
        for k, v in after.items()
        if v != before.get(k, 0) and k not in HANDSHAKE
    }


# -- what it asks of Redis -------------------------------------------------------------------
async def test_a_group_send_is_one_publish_and_reaches_both_processes_members(redis):
    here, elsewhere = layer_on(redis.url), layer_on(redis.url)
    mine, theirs = await here.new_channel(), await elsewhere.new_channel()
    await here.group_add("thread", mine)
    await elsewhere.group_add("thread", theirs)
    before = await commands_run(redis)

    for n in range(20):
        await here.group_send("thread", {"type": "chat.fragment", "html": str(n)})
    assert [(await receive(here, mine))["html"] for _ in range(20)] == [str(n) for n in range(20)]
    got = [(await receive(elsewhere, theirs))["html"] for _ in range(20)]
    assert got == [str(n) for n in range(20)]

    # Receiving costs no command: what is published is pushed to each process.
    assert more(await commands_run(redis), before) == {"publish": 20}
    # Its own publication does not reach a member a second time.
    assert await nothing_for(here, mine)
    await here.close_pools()
    await elsewhere.close_pools()


async def test_a_send_to_a_channel_of_this_process_never_reaches_redis(redis):
    here, elsewhere = layer_on(redis.url), layer_on(redis.url)
    mine, theirs = await here.new_channel(), await elsewhere.new_channel()
    before = await commands_run(redis)

    await here.send(mine, {"type": "chat.shutdown"})
    assert await receive(here, mine) == {"type": "chat.shutdown"}
    assert more(await commands_run(redis), before) == {}

    await here.send(theirs, {"type": "chat.audio", "frame": b"\x00\x01"})
    assert await receive(elsewhere, theirs) == {"type": "chat.audio", "frame": b"\x00\x01"}
    assert more(await commands_run(redis), before) == {"publish": 1}
    await here.close_pools()
    await elsewhere.close_pools()


async def test_a_member_hears_every_message_sent_after_it_joined(redis):
    here, elsewhere = layer_on(redis.url), layer_on(redis.url)
    tab = await here.new_channel()
    for n in range(20):
        # The join is confirmed by Redis before group_add returns: a snapshot of the
        # thread read right after it misses nothing published later.
        await here.group_add(f"thread-{n}", tab)
        await elsewhere.group_send(f"thread-{n}", {"type": "chat.fragment", "html": str(n)})
        assert (await receive(here, tab))["html"] == str(n)
    await here.close_pools()
    await elsewhere.close_pools()


async def test_a_member_that_left_hears_nothing_more(redis):
    here, elsewhere = layer_on(redis.url), layer_on(redis.url)
    leaving, staying = await here.new_channel(), await here.new_channel()
    for tab in (leaving, staying):
        await here.group_add("thread", tab)
    await here.group_discard("thread", leaving)
    await elsewhere.group_send("thread", {"type": "chat.fragment", "html": "after"})
    assert (await receive(here, staying))["html"] == "after"
    assert await nothing_for(here, leaving)

    await here.group_discard("thread", staying)
    # The last member gone, this process no longer listens to the group.
    admin = redis_client(redis)
    for _ in range(100):
        if await admin.pubsub_numsub("outage:0:g:thread") == [(b"outage:0:g:thread", 0)]:
            break
        await asyncio.sleep(0.02)
    assert await admin.pubsub_numsub("outage:0:g:thread") == [(b"outage:0:g:thread", 0)]
    await admin.aclose()
    await here.close_pools()
    await elsewhere.close_pools()


async def test_a_consumer_that_stopped_receiving_leaves_nothing_behind(redis):
    here = layer_on(redis.url)
    tabs = [await here.new_channel() for _ in range(50)]
    for tab in tabs:
        await here.group_add("thread", tab)
        await here.group_discard("thread", tab)
        assert await nothing_for(here, tab, 0.01)  # Channels cancels the receive at close
    state = here._state()
    assert not state.mailboxes
    assert not state.groups
    await here.close_pools()


class Listener:
    """A tab of another process: a loop on a thread of its own, collecting a group's
    messages."""

    def __init__(self, url: str, expected: int) -> None:
        self.layer = layer_on(url)
        self.expected = expected
        self.messages: list[dict] = []
        self.joined = threading.Event()
        self.thread = threading.Thread(target=lambda: async_to_sync(self._listen)())

    async def _listen(self) -> None:
        tab = await self.layer.new_channel()
        await self.layer.group_add("thread", tab)
        self.joined.set()
        with contextlib.suppress(TimeoutError):
            while len(self.messages) < self.expected:
                self.messages.append(await receive(self.layer, tab))
        await self.layer.close_pools()

    def start(self) -> Listener:
        self.thread.start()
        assert self.joined.wait(10)
        return self

    def wait(self) -> list[dict]:
        self.thread.join(15)
        return self.messages


def test_sync_code_sends_through_a_loop_of_its_own_and_leaves_no_connection_open(redis):
    listener = Listener(redis.url, 1).start()
    # As a signal receiver does: a new event loop for the one call.
    here = layer_on(redis.url)
    async_to_sync(here.group_send)("thread", {"type": "chat.fragment", "html": "from sync"})
    assert listener.wait() == [{"type": "chat.fragment", "html": "from sync"}]
    # The listener closed its own; the sending loop's were closed with the loop.
    assert redis_clients(redis) == 0


def test_a_jobs_loop_that_listens_too_delivers_its_last_sends_before_it_closes(redis):
    listener = Listener(redis.url, 50).start()
    here = layer_on(redis.url)

    async def job() -> None:
        # A worker's job listens for Stop on a channel of its own, and its last frames
        # go out just before its loop (made by async_to_sync) closes.
        await here.group_add("control", await here.new_channel())
        for n in range(50):
            await here.group_send("thread", {"type": "chat.fragment", "html": str(n)})

    async_to_sync(job)()
    assert [m["html"] for m in listener.wait()] == [str(n) for n in range(50)]


def redis_clients(server: RedisServer) -> int:
    import redis as sync_redis

    admin = sync_redis.Redis.from_url(server.url)
    try:
        return len(admin.client_list()) - 1
    finally:
        admin.close()


# -- while Redis is away ----------------------------------------------------------------------
async def test_while_redis_is_away_this_processs_members_still_get_group_messages(redis):
    here = layer_on(redis.url)
    tab = await here.new_channel()
    await here.group_add("thread", tab)
    waiting = asyncio.ensure_future(here.receive(tab))
    await asyncio.sleep(0.2)

    redis.stop()
    await here.group_send("thread", {"type": "chat.fragment", "html": "during"})
    assert await asyncio.wait_for(waiting, 10) == {"type": "chat.fragment", "html": "during"}
    await until_unreachable(here)
    # Joining and leaving groups meanwhile raises nothing either.
    other = await here.new_channel()
    await here.group_add("thread", other)
    await here.group_discard("thread", other)
    await here.group_send("thread", {"type": "chat.fragment", "html": "again"})
    assert (await receive(here, tab))["html"] == "again"
    await here.close_pools()


async def test_when_redis_comes_back_empty_the_groups_are_made_again_every_time(redis):
    here, elsewhere = layer_on(redis.url), layer_on(redis.url)
    tab = await here.new_channel()
    await here.group_add("thread", tab)
    for outage in range(3):
        waiting = asyncio.ensure_future(here.receive(tab))
        await asyncio.sleep(0.2)

        redis.stop()
        await asyncio.sleep(0.5)
        redis.start()  # a new server: no subscriptions
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
    here = layer_on(redis.url)
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
    """Set once the layer logs that Redis refuses its subscriptions."""
    handler = Logged("refuses this process's subscriptions")
    logger = logging.getLogger("chatproject.serving.redis_channel_layer")
    logger.addHandler(handler)
    yield handler.seen
    logger.removeHandler(handler)


async def test_a_redis_that_comes_back_refusing_subscriptions_is_retried_until_it_accepts(
    redis, caplog, refused
):
    caplog.set_level(logging.WARNING, logger="chatproject.serving.redis_channel_layer")
    here, elsewhere = layer_on(redis.url), layer_on(redis.url)
    tab = await here.new_channel()
    await here.group_add("thread", tab)
    redis.stop()
    await here.group_send("thread", {"type": "chat.fragment", "html": "during"})
    await until_unreachable(here)
    # Back with an access list that lets this client ping but not subscribe (as a
    # misconfigured ACL would).
    redis.start("--user", "default", "on", "nopass", "~*", "&*", "+@all", "-subscribe")
    await asyncio.wait_for(refused.wait(), 10)
    assert not here.reachable

    admin = redis_client(redis)
    await admin.execute_command("ACL", "SETUSER", "default", "+subscribe")
    await admin.aclose()
    assert (await receive(here, tab))["html"] == "during"
    await until_recovered(here, tab)
    assert here.reachable
    await elsewhere.group_send("thread", {"type": "chat.fragment", "html": "after"})
    assert (await receive(here, tab))["html"] == "after"
    refusals = [r for r in caplog.records if "refuses" in r.getMessage()]
    assert len(refusals) == 1
    await here.close_pools()
    await elsewhere.close_pools()


async def test_a_socket_that_joins_while_the_groups_are_made_again_hears_other_processes(
    redis, monkeypatch
):
    here, elsewhere = layer_on(redis.url), layer_on(redis.url)
    tabs = [await here.new_channel() for _ in range(3)]
    for tab in tabs:
        await here.group_add("thread", tab)
    late = await here.new_channel()

    # A socket connects while the layer is still subscribing again after an outage.
    subscribe = redis_pubsub.Subscriber.subscribe
    joined_meanwhile = asyncio.Event()

    async def a_socket_joins_meanwhile(subscriber, *names: bytes) -> None:
        if not here.reachable and not joined_meanwhile.is_set():
            joined_meanwhile.set()
            await here.group_add("other-thread", late)
        await subscribe(subscriber, *names)

    monkeypatch.setattr(redis_pubsub.Subscriber, "subscribe", a_socket_joins_meanwhile)
    redis.stop()
    await here.group_send("thread", {"type": "chat.fragment", "html": "during"})
    redis.start()
    await until_recovered(here, late)
    assert joined_meanwhile.is_set()

    await elsewhere.group_send("other-thread", {"type": "chat.fragment", "html": "elsewhere"})
    assert (await receive(here, late))["html"] == "elsewhere"
    await here.close_pools()
    await elsewhere.close_pools()


# -- a Redis gone silent ----------------------------------------------------------------------
class FreezingProxy:
    """A TCP relay to Redis that can go silent without closing anything, as a network
    partition does."""

    def __init__(self, redis_port: int) -> None:
        self.redis_port = redis_port
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", free_port())
        return self.server.sockets[0].getsockname()[1]

    async def _accept(self, client_r, client_w) -> None:
        redis_r, redis_w = await asyncio.open_connection("127.0.0.1", self.redis_port)
        self.writers += [client_w, redis_w]
        await asyncio.gather(self._relay(client_r, redis_w), self._relay(redis_r, client_w))

    async def _relay(self, reader, writer) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                await self.flowing.wait()  # holds the bytes: nothing through, nothing closed
                writer.write(data)
                await writer.drain()

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        assert self.server is not None
        self.server.close()


async def test_a_redis_gone_silent_is_noticed_and_its_return_too(redis, caplog):
    """No socket timeout (it would close idle websockets, see settings): a quiet
    subscriber asks for a pong, and a send waits a bounded time."""
    caplog.set_level(logging.WARNING, logger="chatproject.serving.redis_channel_layer")
    proxy = FreezingProxy(redis.port)
    url = f"redis://127.0.0.1:{await proxy.start()}/0"
    here, elsewhere = layer_on(url, health_check_interval=0.5), layer_on(redis.url)
    tab = await here.new_channel()
    await here.group_add("thread", tab)

    proxy.flowing.clear()
    await here.group_send("thread", {"type": "chat.fragment", "html": "during"})
    assert (await receive(here, tab))["html"] == "during"
    await until_unreachable(here)

    proxy.flowing.set()
    await until_recovered(here, tab)
    await elsewhere.group_send("thread", {"type": "chat.fragment", "html": "after"})
    assert (await receive(here, tab))["html"] == "after"
    await here.close_pools()
    await elsewhere.close_pools()
    await proxy.stop()


async def test_the_configured_layer_keeps_idle_sockets_and_checks_a_quiet_redis():
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    assert host["socket_timeout"] is None
    assert host["socket_keepalive"] is True
    layer = ResilientRedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
    assert 0 < layer.quiet_seconds <= 60
