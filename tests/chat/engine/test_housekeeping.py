"""Periodic work: old threads purged, dead jobs failed, dead streams interrupted, expired
sessions removed; from Celery beat on the services backend, from a timer in the web
process on the embedded default; one round at a time, however many ask."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from chat.engine import housekeeping
from chat.models import Job, Message, Thread
from chat.threads import retention
from tests.factories import make_message, make_thread
from tests.services import CELERY, Process, Worker, needs_redis, service_env, use_queue

pytestmark = pytest.mark.django_db(transaction=True)


def age(model, pk, **delta) -> None:
    """Moves a row's clock back (auto_now fields included: an update() writes as given)."""
    past = timezone.now() - timedelta(**delta)
    fields = {f: past for f in ("updated_at",) if hasattr(model, f)}
    model.objects.filter(pk=pk).update(**fields)


@pytest.fixture
def world(user):
    """An old thread, a fresh one, an answer whose process died mid-stream, a job whose
    worker died, an expired session."""
    old = make_thread(user, title="old")
    Thread.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=40))
    fresh = make_thread(user, title="fresh")
    dead_stream = make_message(
        fresh, "half an ans", author_kind=Message.Author.ASSISTANT, status=Message.Status.STREAMING
    )
    Message.objects.filter(pk=dead_stream.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    dead_job = Job.objects.create(
        thread=fresh,
        name="summarize",
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    session = SessionStore()
    session["x"] = 1
    session.set_expiry(-60)
    session.create()
    return {"old": old, "fresh": fresh, "stream": dead_stream, "job": dead_job, "session": session}


def done_to(world) -> dict:
    return {
        "old thread kept": Thread.objects.filter(pk=world["old"].pk).exists(),
        "fresh thread kept": Thread.objects.filter(pk=world["fresh"].pk).exists(),
        "stream": Message.objects.get(pk=world["stream"].pk).status,
        "job": Job.objects.get(pk=world["job"].pk).status,
        "expired session kept": Session.objects.filter(
            session_key=world["session"].session_key
        ).exists(),
    }


UNTOUCHED = {
    "old thread kept": True,
    "fresh thread kept": True,
    "stream": Message.Status.STREAMING,
    "job": Job.Status.RUNNING,
    "expired session kept": True,
}
TIDIED = {
    "old thread kept": False,
    "fresh thread kept": True,
    "stream": Message.Status.INTERRUPTED,
    "job": Job.Status.FAILED,
    "expired session kept": False,
}


@pytest.fixture(autouse=True)
def _no_lease_left():
    cache.delete(housekeeping.LEASE_KEY)
    yield
    cache.delete(housekeeping.LEASE_KEY)


@override_settings(CHAT_RETENTION_DAYS=30)
def test_a_round_purges_old_threads_and_ends_what_died(world):
    done = housekeeping.run_round()
    assert done is not None
    assert (done.threads_purged, done.jobs_failed, done.streams_interrupted) == (1, 1, 1)
    assert done_to(world) == TIDIED
    # The thread of the failed job is told why.
    assert Message.objects.filter(thread=world["fresh"], is_error=True).exists()


@override_settings(CHAT_RETENTION_DAYS=0)
def test_without_a_retention_period_no_thread_is_purged(world):
    housekeeping.run_round()
    assert done_to(world)["old thread kept"] is True


@override_settings(CHAT_RETENTION_DAYS=30)
def test_a_second_round_asked_while_one_runs_does_nothing(world, monkeypatch):
    """Two beats (or a beat and a manual run) at once: the one that comes second skips."""
    inside, release = threading.Event(), threading.Event()
    purge = retention.purge
    purges: list[int] = []

    def slow_purge(days: int, **kwargs):
        purges.append(days)
        inside.set()
        release.wait(timeout=30)
        return purge(days, **kwargs)

    monkeypatch.setattr(retention, "purge", slow_purge)
    first: list = []

    def round_in_a_thread() -> None:
        try:
            first.append(housekeeping.run_round())
        finally:
            connection.close()  # the thread's own, or the test database stays in use

    running = threading.Thread(target=round_in_a_thread)
    running.start()
    try:
        assert inside.wait(timeout=30)
        assert housekeeping.run_round() is None
        assert done_to(world) == UNTOUCHED
    finally:
        release.set()
        running.join(timeout=60)
    assert first[0] is not None
    assert purges == [30]
    assert done_to(world) == TIDIED
    # The lease went with the round: the next one runs.
    assert housekeeping.run_round() is not None


@override_settings(
    CHAT_RETENTION_DAYS=30, CHAT_HOUSEKEEPING_SECONDS=0.05, CHAT_JOBS_IN_PROCESS=True
)
async def test_on_the_embedded_default_a_timer_in_the_process_does_the_rounds(world):
    housekeeping.start_timer()

    def tidied() -> bool:
        return done_to(world) == TIDIED

    from asgiref.sync import sync_to_async

    deadline = asyncio.get_running_loop().time() + 20
    while not await sync_to_async(tidied)():
        assert asyncio.get_running_loop().time() < deadline, "no round ran"
        await asyncio.sleep(0.05)


@override_settings(CHAT_HOUSEKEEPING_SECONDS=0.05, CHAT_JOBS_IN_PROCESS=False)
async def test_with_a_broker_the_web_process_leaves_the_rounds_to_beat(world):
    from asgiref.sync import sync_to_async

    housekeeping.start_timer()
    await asyncio.sleep(0.5)
    assert await sync_to_async(done_to)(world) == {**UNTOUCHED, "expired session kept": True}


@needs_redis
@override_settings(CHAT_RETENTION_DAYS=30)
def test_with_a_broker_celery_beat_sends_the_rounds_to_a_worker(world, tmp_path):
    queue = f"chat-test-{uuid.uuid4().hex[:12]}"
    env = service_env(tmp_path, queue, CHAT_HOUSEKEEPING_SECONDS="1", CHAT_RETENTION_DAYS="30")
    worker = Worker(env, tmp_path)
    beat = Process(
        "beat",
        [CELERY, "-A", "chatproject", "beat", "-l", "info",
         "-s", str(tmp_path / "beat-schedule")],
        env,
        tmp_path,
    )  # fmt: skip
    previous = use_queue(queue)
    try:
        worker.start()
        beat.start()
        deadline = timezone.now() + timedelta(seconds=60)
        while done_to(world) != TIDIED:
            assert timezone.now() < deadline, f"no round ran:\n{worker.log_tail()}"
            threading.Event().wait(0.2)
    finally:
        beat.stop()
        worker.stop()
        use_queue(previous)
    assert "chat.housekeeping" in worker.log()
