"""A count in a window of time, kept in the cache (Redis on the production stack, memory on
the embedded default): each one counted, the wait said once over the limit, and the window
closing when its time is up."""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from chatproject.serving import window_counts


def test_counts_within_the_limit_then_says_how_long_the_window_has_left():
    key = f"test:window:{uuid.uuid4().hex}"
    assert window_counts.count_one(key, 60, 2) == (1, 0)
    assert window_counts.count_one(key, 60, 2) == (2, 0)
    count, wait = window_counts.count_one(key, 60, 2)
    assert count == 3
    assert 59 <= wait <= 60


def test_a_new_window_opens_when_the_last_one_is_over():
    key = f"test:window:{uuid.uuid4().hex}"
    assert window_counts.count_one(key, 1, 1) == (1, 0)
    assert window_counts.count_one(key, 1, 1) == (2, 1)
    time.sleep(1.2)
    assert window_counts.count_one(key, 1, 1) == (1, 0)


@pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="the cache is Redis in production"
)
def test_on_redis_a_count_left_without_an_expiry_is_given_one():
    backend = caches["default"]
    key = f"test:window:{uuid.uuid4().hex}"
    full_key = backend.make_and_validate_key(key)
    client = backend._cache.get_client(full_key, write=True)
    client.set(full_key, 5)  # as an older writer might have left it: no expiry
    count, wait = window_counts.count_one(key, 30, 2)
    assert (count, wait) == (6, 30)
    assert 0 < client.pttl(full_key) <= 30_000
