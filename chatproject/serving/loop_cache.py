"""The default cache's calls that every message makes, from the event loop itself.

A message reads the person's sign-in version, counts one against the rate limit, puts its
run's mark up and takes it down again (the marks of the runs under way are renewed every
few seconds, all of a loop's in one pipeline: `put_many`). On the embedded default the
cache is this process's memory and those calls are made inline
(`cache_calls.cache_call`). On Redis, Django's cache is a blocking client, so each call
went to a worker thread and back: four thread hops per message, each a queue put, a
wake-up and the GIL handed over, on top of the round trip.
Here they are made with redis.asyncio on the calling event loop, as the channel layer does:
the same keys, the same values (Django's serializer, so what its sync cache writes is read
here and the other way round), one command each (a mark is taken down, if still this run's,
by a script).

Each event loop has a client of its own (a connection belongs to the loop that made it),
closed with the loop. Its pool holds at most MAX_CONNECTIONS connections: many sessions
asking at once wait for a free one rather than open a connection each.
"""

from __future__ import annotations

import asyncio
import contextlib
import types
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.asyncio import BlockingConnectionPool, Redis

from chatproject.serving.cache_calls import backend_is, cache_call
from chatproject.serving.window_counts import COUNT_ONE_SCRIPT, count_one, counted

MAX_CONNECTIONS = 32
# How long a call waits for a free connection, then for Redis, before it fails (its caller
# treats a failure as the cache being away).
WAIT_SECONDS = 10.0

# KEYS[1]: the key; ARGV[1]: the value (serialized) it must still hold to be deleted.
_DELETE_IF = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

# Per event loop, per Redis server (a test may point the cache at another).
_clients: dict[asyncio.AbstractEventLoop, dict[str, _Client]] = {}


def _redis_backend() -> RedisCache | None:
    # The settings say which (the cache object itself is the dearer lookup: see backend_is).
    return caches["default"] if backend_is(RedisCache) else None  # type: ignore[return-value]


async def get(key: str) -> Any:
    """The value under `key`, None if there is none."""
    backend = _redis_backend()
    if backend is None:
        return await cache_call(caches["default"].get, key)
    value = await _client(backend).redis.get(backend.make_and_validate_key(key))
    return None if value is None else backend._cache._serializer.loads(value)


async def put(key: str, value: Any, seconds: int) -> None:
    """Sets `key` to `value` for `seconds`."""
    backend = _redis_backend()
    if backend is None:
        await cache_call(caches["default"].set, key, value, timeout=seconds)
        return
    await _client(backend).redis.set(
        backend.make_and_validate_key(key), backend._cache._serializer.dumps(value), ex=seconds
    )


async def put_many(items: list[tuple[str, Any]], seconds: int) -> None:
    """Sets each (key, value) for `seconds`: on Redis in one round trip (a pipeline)."""
    backend = _redis_backend()
    if backend is None:
        await cache_call(caches["default"].set_many, dict(items), timeout=seconds)
        return
    dumps = backend._cache._serializer.dumps
    pipe = _client(backend).redis.pipeline(transaction=False)
    for key, value in items:
        pipe.set(backend.make_and_validate_key(key), dumps(value), ex=seconds)
    await pipe.execute()


async def delete_if(key: str, value: Any) -> None:
    """Deletes `key` if it still holds `value` (a run's own mark, not another's)."""
    backend = _redis_backend()
    if backend is None:
        await cache_call(_delete_if_in_cache, caches["default"], key, value)
        return
    on = _client(backend)
    await on.delete_if(
        keys=[backend.make_and_validate_key(key)], args=[backend._cache._serializer.dumps(value)]
    )


def _delete_if_in_cache(backend: Any, key: str, value: Any) -> None:
    if backend.get(key) == value:
        backend.delete(key)


async def count_one_async(key: str, seconds: int, limit: int) -> tuple[int, int]:
    """`window_counts.count_one`, from the event loop on Redis."""
    backend = _redis_backend()
    if backend is None:
        return await cache_call(count_one, key, seconds, limit)
    count, left_ms = await _client(backend).count_one(
        keys=[backend.make_and_validate_key(key)], args=[seconds]
    )
    return counted(count, left_ms, limit)


class _Client:
    """A loop's client of one Redis server, and its scripts (sent by their SHA; loaded
    again by redis-py if the server has forgotten them)."""

    def __init__(self, server: str) -> None:
        pool = BlockingConnectionPool.from_url(
            server,
            max_connections=MAX_CONNECTIONS,
            timeout=WAIT_SECONDS,
            socket_connect_timeout=WAIT_SECONDS,
            socket_timeout=WAIT_SECONDS,
        )
        self.redis = Redis(connection_pool=pool)
        self.count_one = self.redis.register_script(COUNT_ONE_SCRIPT)
        self.delete_if = self.redis.register_script(_DELETE_IF)


def _client(backend: RedisCache) -> _Client:
    loop = asyncio.get_running_loop()
    clients = _clients.get(loop)
    if clients is None:
        clients = _clients[loop] = {}
        _close_with(loop)
    server = backend._servers[0]
    client = clients.get(server)
    if client is None:
        client = clients[server] = _Client(server)
    return client


def _close_with(loop: asyncio.AbstractEventLoop) -> None:
    """Closes the loop's clients when the loop closes (tests and async_to_sync make loops
    that end; a web process has one for its life)."""
    close = loop.close

    def closing(self: asyncio.AbstractEventLoop, *args: Any, **kwargs: Any) -> None:
        clients = _clients.pop(loop, {})
        if not loop.is_closed() and not loop.is_running():
            for client in clients.values():
                with contextlib.suppress(Exception):
                    loop.run_until_complete(client.redis.aclose(close_connection_pool=True))
        loop.close = close  # type: ignore[method-assign]
        close(*args, **kwargs)

    loop.close = types.MethodType(closing, loop)  # type: ignore[method-assign]
