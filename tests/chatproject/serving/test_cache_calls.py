"""Cache calls from async code: inline for a cache in this process's memory, in a thread
for one that may wait on the network."""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache
from django.test.utils import override_settings

from chatproject.serving import cache_calls

MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1",
    }
}


def test_which_cache_is_in_use_follows_the_settings_as_they_change():
    with override_settings(CACHES=MEMORY):
        assert cache_calls.in_memory()
        assert not cache_calls.backend_is(RedisCache)
        with override_settings(CACHES=REDIS):
            assert not cache_calls.in_memory()
            assert cache_calls.backend_is(RedisCache)
        assert cache_calls.in_memory()


async def test_a_memory_cache_is_called_inline_and_a_network_one_in_a_thread():
    here = threading.get_ident()
    with override_settings(CACHES=MEMORY):
        assert await cache_calls.cache_call(threading.get_ident) == here
    with override_settings(CACHES=REDIS):
        assert await cache_calls.cache_call(threading.get_ident) != here
