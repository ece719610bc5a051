"""The mark a running hook keeps in the cache, which refusals on every instance read."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from chat.engine import run_marks


async def test_a_mark_is_up_while_a_run_lasts_and_down_after():
    thread_id = uuid.uuid4()
    mark = run_marks.RunMark(thread_id)
    assert not await run_marks.marked(thread_id)
    await mark.put_up()
    assert await run_marks.marked(thread_id)
    await mark.take_down()
    assert not await run_marks.marked(thread_id)


async def test_a_run_ending_leaves_the_mark_another_run_put_up_last():
    thread_id = uuid.uuid4()
    here, there = run_marks.RunMark(thread_id), run_marks.RunMark(thread_id)
    await here.put_up()
    await there.put_up()
    await here.take_down()
    assert await run_marks.marked(thread_id)
    await there.take_down()
    assert not await run_marks.marked(thread_id)


# A Redis nobody listens on: every cache call fails, as in an outage.
DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


async def test_a_broken_cache_never_stops_a_run(caplog):
    thread_id = uuid.uuid4()
    with override_settings(CACHES=DEAD_CACHE):
        mark = run_marks.RunMark(thread_id)
        await mark.put_up()
        assert not await run_marks.marked(thread_id)
        await mark.take_down()
        assert not await run_marks.marked(thread_id)
    # The outage is said once, without a traceback, however many marks it touched.
    said = [r for r in caplog.records if "Run marks are off" in r.getMessage()]
    assert len(said) == 1
    assert said[0].exc_info is None
    assert "Traceback" not in caplog.text
    await run_marks.marked(thread_id)
    assert "The cache is back: run marks apply again" in caplog.text


@pytest.fixture(autouse=True)
def _no_renewals(monkeypatch):
    # Renewals every few seconds are not what these tests are about.
    monkeypatch.setattr(run_marks, "RENEW_SECONDS", 3600)
