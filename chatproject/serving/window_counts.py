"""A count of events in a window of time, kept in Django's cache (shared by every process
on Redis): one more, and how long the window has left once the count is over a limit.

On Redis it is one command, a script that counts and opens the window when it is the
first (setting its expiry) and answers with the window's time left: an add, an exists and
an incr were three round trips for every message. Elsewhere (the embedded default's memory)
the cache's add and incr, under its lock.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

# KEYS[1]: the count; ARGV[1]: the window's seconds. Answers {count, milliseconds left}.
COUNT_ONE_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1] * 1000)
    return {count, ARGV[1] * 1000}
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
    -- A count without an expiry (written by something else): the window starts now.
    redis.call('PEXPIRE', KEYS[1], ARGV[1] * 1000)
    left = ARGV[1] * 1000
end
return {count, left}
"""

# Made with the first client; run through whichever client each call has (the same SHA).
_script: Any = None


def count_one(key: str, seconds: int, limit: int) -> tuple[int, int]:
    """Adds one to the count under `key` in the default cache, atomically; the first of a
    window opens it for `seconds`. Returns the count and, once it is over `limit`, the
    whole seconds until the window ends (at least 1; 0 while within the limit)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return counted(*_count_one_on_redis(backend, key, seconds), limit)
    return _count_one_in_cache(backend, key, seconds, limit)


def counted(count: Any, left_ms: Any, limit: int) -> tuple[int, int]:
    """COUNT_ONE_SCRIPT's answer as count_one returns it: the count and, once over
    `limit`, the whole seconds left in the window (at least 1)."""
    count = int(count)
    return count, max(1, math.ceil(int(left_ms) / 1000)) if count > limit else 0


def _count_one_on_redis(backend: RedisCache, key: str, seconds: int) -> tuple[Any, Any]:
    full_key = backend.make_and_validate_key(key)
    client = backend._cache.get_client(full_key, write=True)
    global _script
    if _script is None:
        _script = client.register_script(COUNT_ONE_SCRIPT)
    count, left_ms = _script(keys=[full_key], args=[seconds], client=client)
    return count, left_ms


def _count_one_in_cache(backend: Any, key: str, seconds: int, limit: int) -> tuple[int, int]:
    # When the window opened is noted beside the count: memory caches have no expiry to
    # read back.
    start_key = f"{key}:start"
    if backend.add(key, 0, timeout=seconds):
        backend.set(start_key, time.time(), timeout=seconds)
    try:
        count = backend.incr(key)
    except ValueError:  # the window ended between the two calls: this one opens the next
        backend.set(key, 1, timeout=seconds)
        backend.set(start_key, time.time(), timeout=seconds)
        count = 1
    if count <= limit:
        return count, 0
    started = backend.get(start_key)
    ends = (started if isinstance(started, float) else time.time()) + seconds
    return count, max(1, math.ceil(ends - time.time()))
