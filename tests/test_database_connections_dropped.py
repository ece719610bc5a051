"""PostgreSQL drops every connection (pg_terminate_backend, as a failover or an
administrator would) while answers stream and a job runs, and no page sends a frame: the
web process and the worker notice on their next database use, and nothing is lost.

Services backend only: a real daphne and a real Celery worker on the test database.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from channels.db import database_sync_to_async
from django.db import connection

from chat.models import Job, Message
from tests.assistants.outages import tokens
from tests.conftest import ASSISTANTS_DIR
from tests.factories import make_thread
from tests.services import instances_env, started
from tests.sockets import PageSocket, session_cookie

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs the services backend: REDIS_URL and DATABASE_URL on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

ASSISTANT = str(ASSISTANTS_DIR / "outages.py")
STREAMED = 150
REPORTED = 80


@pytest.fixture(scope="module")
def web_and_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dropped-connections")
    with django_db_blocker.unblock():
        env = instances_env(
            tmp,
            "dropped",
            CHAT_ASSISTANT=ASSISTANT,
            MEDIA_ROOT=str(tmp / "media"),
            CHAT_STREAM_SAVE_SECONDS="0.2",
            # A job whose heartbeat stops is failed within seconds, not half a minute.
            CHAT_JOB_STALE_SECONDS="3",
        )
    with started(env, tmp, webs=1, worker=True) as processes:
        yield processes


@database_sync_to_async
def terminate_every_other_connection() -> int:
    """What an administrator (or a failover) does: every session on the database ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


async def test_dropped_database_connections_lose_no_streamed_text_and_fail_no_job(
    web_and_worker, user
):
    web, worker = web_and_worker
    cookie = await session_cookie(user)
    chat_thread = await database_sync_to_async(make_thread)(user)
    job_thread = await database_sync_to_async(make_thread)(user)
    chat = await PageSocket.open(web.port, chat_thread, cookie, "tab streaming an answer")
    jobs = await PageSocket.open(web.port, job_thread, cookie, "tab watching a job")
    try:
        await chat.say(f"stream {STREAMED} 0.04")
        await jobs.say(f"report {REPORTED} 0.05")
        await chat.until(lambda f: "tok10 " in f)
        await jobs.until(lambda f: "part5 " in f)

        # Twice, a moment apart; from here on no page sends anything.
        terminated = await terminate_every_other_connection()
        assert terminated >= 2  # at least the web process's and the worker's
        await asyncio.sleep(1.0)
        await terminate_every_other_connection()

        await chat.until(lambda f: f"tok{STREAMED - 1}" in f and 'data-status="done"' in f)
        await jobs.until(lambda f: "report done" in f, within=30)
    finally:
        await chat.close()
        await jobs.close()

    # The whole answer is stored and finished, as the tab showed it.
    answer = await Message.objects.aget(thread=chat_thread, author_kind=Message.Author.ASSISTANT)
    assert answer.status == Message.Status.DONE
    assert answer.content.strip() == tokens(STREAMED).strip()
    # The job finished on its worker, its whole report stored, and nothing says it failed.
    job = await Job.objects.aget(thread=job_thread)
    assert (job.status, job.error) == (Job.Status.DONE, "")
    report = await Message.objects.filter(thread=job_thread, content__startswith="part0 ").afirst()
    assert report is not None
    assert report.content.strip() == " ".join(f"part{i}" for i in range(REPORTED))
    for thread in (chat_thread, job_thread):
        assert not await Message.objects.filter(thread=thread, is_error=True).aexists()
        assert not await Message.objects.filter(
            thread=thread, status=Message.Status.STREAMING
        ).aexists()
    for process in (web, worker):
        assert "the connection is closed" not in process.log(), process.log_tail()
