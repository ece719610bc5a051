"""The mark a running hook keeps in the cache, which refusals on every instance read."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.test import override_settings

from chat.engine import run_marks
from chatproject.serving import loop_cache


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


async def test_a_mark_outlives_its_expiry_while_its_run_lasts(monkeypatch):
    monkeypatch.setattr(run_marks, "MARK_SECONDS", 1)
    monkeypatch.setattr(run_marks, "RENEW_SECONDS", 0.2)
    thread_id = uuid.uuid4()
    mark = run_marks.RunMark(thread_id)
    await mark.put_up()
    await asyncio.sleep(1.6)
    assert await run_marks.marked(thread_id)
    await mark.take_down()
    assert not await run_marks.marked(thread_id)


async def test_the_marks_of_runs_under_way_are_renewed_together(monkeypatch):
    monkeypatch.setattr(run_marks, "RENEW_SECONDS", 0.1)
    renewed: list[list[str]] = []
    put_many = loop_cache.put_many

    async def counted(items, seconds):
        renewed.append(sorted(key for key, _ in items))
        await put_many(items, seconds)

    monkeypatch.setattr(loop_cache, "put_many", counted)
    marks = [run_marks.RunMark(uuid.uuid4()) for _ in range(20)]
    for mark in marks:
        await mark.put_up()
    await asyncio.sleep(0.25)
    for mark in marks:
        await mark.take_down()
    # One call (one pipeline on Redis) for all twenty, each time.
    assert renewed
    assert all(keys == sorted(mark.key for mark in marks) for keys in renewed)
    assert len(renewed) <= 3


async def test_a_run_ending_while_its_mark_is_renewed_leaves_no_mark(monkeypatch):
    monkeypatch.setattr(run_marks, "RENEW_SECONDS", 0.05)
    put_many = loop_cache.put_many
    renewing = asyncio.Event()

    async def slow(items, seconds):
        renewing.set()
        await asyncio.sleep(0.2)  # the renewal's answer is slow to come
        await put_many(items, seconds)

    monkeypatch.setattr(loop_cache, "put_many", slow)
    thread_id = uuid.uuid4()
    mark = run_marks.RunMark(thread_id)
    await mark.put_up()
    await renewing.wait()
    await mark.take_down()
    assert not await run_marks.marked(thread_id)
    await asyncio.sleep(0.3)
    assert not await run_marks.marked(thread_id)
