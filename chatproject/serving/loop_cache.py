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
closed with the loop. A call with no other on its way goes at once, alone; calls asked for
while a round trip is under way wait for it and leave together in the next one (a
pipeline, each command's reply its caller's): a thousand messages arriving at once cost a
few round trips, not a thousand, and redis-py's work around each (a connection from the
pool and back, its retry and bookkeeping) once per round trip, not per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import types
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import NoScriptError

from chatproject.serving.cache_calls import cache_call
from chatproject.serving.window_counts import COUNT_ONE_SCRIPT, count_one, counted

MAX_CONNECTIONS = 32
# Commands per pipeline, at most: a round trip's reply stays a few hundred kilobytes.
BATCH = 500
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
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


async def get(key: str) -> Any:
    """The value under `key`, None if there is none."""
    backend = _redis_backend()
    if backend is None:
        return await cache_call(caches["default"].get, key)
    value = await _client(backend).call("GET", backend.make_and_validate_key(key))
    return None if value is None else backend._cache._serializer.loads(value)


async def put(key: str, value: Any, seconds: int) -> None:
    """Sets `key` to `value` for `seconds`."""
    backend = _redis_backend()
    if backend is None:
        await cache_call(caches["default"].set, key, value, timeout=seconds)
        return
    await _client(backend).call(
        "SET",
        backend.make_and_validate_key(key),
        backend._cache._serializer.dumps(value),
        "EX",
        seconds,
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
    await _client(backend).run_script(
        _DELETE_IF, [backend.make_and_validate_key(key)], [backend._cache._serializer.dumps(value)]
    )


def _delete_if_in_cache(backend: Any, key: str, value: Any) -> None:
    if backend.get(key) == value:
        backend.delete(key)


async def count_one_async(key: str, seconds: int, limit: int) -> tuple[int, int]:
    """`window_counts.count_one`, from the event loop on Redis."""
    backend = _redis_backend()
    if backend is None:
        return await cache_call(count_one, key, seconds, limit)
    count, left_ms = await _client(backend).run_script(
        COUNT_ONE_SCRIPT, [backend.make_and_validate_key(key)], [seconds]
    )
    return counted(count, left_ms, limit)


class _Client:
    """A loop's client of one Redis server: its calls, batched while a round trip is under
    way (see the module's docstring)."""

    def __init__(self, server: str) -> None:
        pool = BlockingConnectionPool.from_url(
            server,
            max_connections=MAX_CONNECTIONS,
            timeout=WAIT_SECONDS,
            socket_connect_timeout=WAIT_SECONDS,
            socket_timeout=WAIT_SECONDS,
        )
        self.redis = Redis(connection_pool=pool)
        # Scripts are sent by their SHA; loaded again if the server has forgotten them.
        self._scripts: dict[str, Any] = {}
        self._waiting: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._under_way = False
        self._trips: set[asyncio.Task[None]] = set()  # held: the loop keeps only weak ones

    async def call(self, *command: Any) -> Any:
        """One command's reply, as redis-py parses it; raises what Redis or the connection
        raised."""
        if not self._under_way:
            self._under_way = True
            try:
                return await self.redis.execute_command(*command)
            finally:
                self._next_trip()
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((command, done))
        return await done

    async def run_script(self, source: str, keys: list[Any], args: list[Any]) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self.redis.register_script(source)
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return await self.call(*command)
        except NoScriptError:
            await self.redis.script_load(source)  # Redis restarted, or its scripts flushed
            return await self.call(*command)

    def _next_trip(self) -> None:
        if self._waiting:
            batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            trip = asyncio.get_running_loop().create_task(self._trip(batch), name="cache-calls")
            self._trips.add(trip)
            trip.add_done_callback(self._trips.discard)
        else:
            self._under_way = False

    async def _trip(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            pipe = self.redis.pipeline(transaction=False)
            for command, _done in batch:
                pipe.execute_command(*command)
            replies = await pipe.execute(raise_on_error=False)
        except BaseException as error:
            for _command, done in batch:
                if not done.done():
                    done.set_exception(error if isinstance(error, Exception) else _stopped())
            if not isinstance(error, Exception):
                raise
        else:
            for (_command, done), reply in zip(batch, replies, strict=True):
                if done.done():
                    continue  # its caller stopped waiting
                if isinstance(reply, Exception):
                    done.set_exception(reply)
                else:
                    done.set_result(reply)
        finally:
            self._next_trip()


def _stopped() -> Exception:
    return ConnectionError("The cache call stopped with its event loop")


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
