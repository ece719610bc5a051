"""The cache calls every message makes, from the event loop: the same values as Django's own
cache reads and writes (Redis on the production stack, memory on the embedded default), and
on Redis without a trip to another thread."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
from asgiref.sync import SyncToAsync
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from chatproject.serving import loop_cache, window_counts

on_redis = pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="the cache is Redis in production"
)


def a_key() -> str:
    return f"test:loop-cache:{uuid.uuid4().hex}"


async def test_what_the_cache_holds_is_read_from_the_loop_and_the_other_way_round():
    written_by_django, written_here = a_key(), a_key()
    await cache.aset(written_by_django, "v1-abc", timeout=60)
    assert await loop_cache.get(written_by_django) == "v1-abc"
    await loop_cache.put(written_here, "token-42", 60)
    assert await cache.aget(written_here) == "token-42"
    assert await loop_cache.get(a_key()) is None


async def test_a_value_is_taken_down_only_while_it_is_still_the_one_put_up():
    key = a_key()
    await loop_cache.put(key, "mine", 60)
    await loop_cache.delete_if(key, "someone else's")
    assert await loop_cache.get(key) == "mine"
    await loop_cache.delete_if(key, "mine")
    assert await loop_cache.get(key) is None


async def test_a_count_from_the_loop_is_the_same_count_as_from_a_thread():
    key = a_key()
    assert await loop_cache.count_one_async(key, 60, 2) == (1, 0)
    assert window_counts.count_one(key, 60, 2) == (2, 0)
    count, wait = await loop_cache.count_one_async(key, 60, 2)
    assert count == 3
    assert 59 <= wait <= 60


@on_redis
async def test_on_redis_the_calls_stay_on_the_event_loops_thread(monkeypatch):
    hops: list[str] = []
    call = SyncToAsync.__call__

    def counting(self, *args, **kwargs):
        hops.append(getattr(self.func, "__name__", "?"))
        return call(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    key = a_key()
    here = threading.get_ident()
    await loop_cache.put(key, "x", 60)
    assert await loop_cache.get(key) == "x"
    await loop_cache.count_one_async(a_key(), 60, 5)
    await loop_cache.delete_if(key, "x")
    assert hops == []
    assert threading.get_ident() == here


@on_redis
async def test_on_redis_a_value_expires_when_its_time_is_up():
    key = a_key()
    await loop_cache.put(key, "short", 1)
    backend = caches["default"]
    full_key = backend.make_and_validate_key(key)
    ttl = backend._cache.get_client(full_key).pttl(full_key)
    assert 0 < ttl <= 1000


@on_redis
async def test_on_redis_calls_asked_for_together_share_round_trips(monkeypatch):
    from redis.asyncio.client import Pipeline, Redis

    trips: list[int] = []
    alone, piped = Redis.execute_command, Pipeline.execute

    async def one(self, *args, **options):
        trips.append(1)
        return await alone(self, *args, **options)

    async def many(self, raise_on_error=True):
        trips.append(len(self.command_stack))
        return await piped(self, raise_on_error=raise_on_error)

    monkeypatch.setattr(Redis, "execute_command", one)
    monkeypatch.setattr(Pipeline, "execute", many)
    keys = [a_key() for _ in range(50)]
    await asyncio.gather(*(loop_cache.put(key, f"v{i}", 60) for i, key in enumerate(keys)))
    trips.clear()
    counts = [a_key() for _ in range(50)]
    values, counted = await asyncio.gather(
        asyncio.gather(*(loop_cache.get(key) for key in keys)),
        asyncio.gather(*(loop_cache.count_one_async(key, 60, 5) for key in counts)),
    )
    assert values == [f"v{i}" for i in range(50)]
    assert counted == [(1, 0)] * 50
    assert sum(trips) == 100  # every call made, each once
    assert len(trips) <= 4  # the first alone, the rest in a pipeline or few


@on_redis
async def test_on_redis_a_refused_call_fails_alone_in_its_round_trip():
    wrong_type, fine = a_key(), a_key()
    backend = caches["default"]
    backend._cache.get_client(None, write=True).rpush(
        backend.make_and_validate_key(wrong_type), "a list"
    )
    await loop_cache.put(fine, "kept", 60)
    results = await asyncio.gather(
        loop_cache.get(fine),
        loop_cache.get(wrong_type),  # GET of a list: Redis refuses it
        loop_cache.get(fine),
        return_exceptions=True,
    )
    assert results[0] == results[2] == "kept"
    assert isinstance(results[1], Exception)
    assert "WRONGTYPE" in str(results[1])


@on_redis
async def test_on_redis_a_script_the_server_forgot_is_loaded_again():
    backend = caches["default"]
    backend._cache.get_client(None, write=True).script_flush()
    key = a_key()
    assert await loop_cache.count_one_async(key, 60, 5) == (1, 0)
    await loop_cache.put(key, "mine", 60)
    backend._cache.get_client(None, write=True).script_flush()
    await loop_cache.delete_if(key, "mine")
    assert await loop_cache.get(key) is None
