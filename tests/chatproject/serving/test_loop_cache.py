"""The cache calls every message makes, from the event loop: the same values as Django's own
cache reads and writes (Redis on the production stack, memory on the embedded default), and
on Redis without a trip to another thread."""

from __future__ import annotations

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
