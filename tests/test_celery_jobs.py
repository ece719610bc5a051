"""Jobs on a real Celery worker: `celery worker` in a subprocess (as docker-compose.yml
runs it) on this run's test database and REDIS_URL, and sockets to the real application.

Services backend only (REDIS_URL set): without a broker there is no worker, and jobs run
in the web process (tests/chat/engine/test_jobs.py covers that path).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import uuid
from collections.abc import Callable

import pytest
from asgiref.sync import sync_to_async
from celery import current_app
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chat.engine import jobs, uploads
from chat.models import Job, Message
from chat.rag import ingest, library
from chat.rag.models import Document
from chatproject.asgi import application
from tests.chat.rag.conftest import upload
from tests.chat.rag.files import LIBRARY, corrupt_pdf_bytes
from tests.conftest import ASSISTANTS_DIR
from tests.drivers import wait_for
from tests.services import Worker, needs_redis, service_env, use_queue

pytestmark = [needs_redis, pytest.mark.django_db(transaction=True)]

ASSISTANT = str(ASSISTANTS_DIR / "worker_jobs.py")
ORIGIN = (b"origin", b"http://localhost")
ACTIVE = [Job.Status.QUEUED, Job.Status.RUNNING]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory, media):
    queue = f"chat-test-{uuid.uuid4().hex[:12]}"
    tmp = tmp_path_factory.mktemp("worker")
    with django_db_blocker.unblock():
        env = service_env(tmp, queue, CHAT_ASSISTANT=ASSISTANT, MEDIA_ROOT=str(media))
    process = Worker(env, tmp)
    previous = use_queue(queue)
    process.start()
    try:
        yield process
    finally:
        process.stop()
        use_queue(previous)


@pytest.fixture(autouse=True)
def _on_the_worker(worker, settings, media, use_assistant):
    settings.MEDIA_ROOT = media
    assert not settings.CHAT_JOBS_IN_PROCESS
    use_assistant(ASSISTANT)


@pytest.fixture(autouse=True)
async def _jobs_end_before_the_flush(background):
    """A job still running would write into the next test's (flushed) database."""
    yield
    for _ in range(200):
        if not await Job.objects.filter(status__in=ACTIVE).aexists():
            break
        await asyncio.sleep(0.1)


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


class Socket:
    """A browser tab's websocket to the application in this process."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.frames: list[str] = []

    async def until(self, predicate: Callable[[str], bool], *, within: float = 20.0) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        for frame in self.frames:
            if predicate(frame):
                return frame
        while True:
            try:
                output = await self.communicator.receive_output(
                    timeout=max(0.0, deadline - loop.time())
                )
            except TimeoutError:
                last = "\n".join(f[:300] for f in self.frames[-5:])
                pytest.fail(f"No matching frame within {within} s; the last ones:\n{last}")
            assert output["type"] == "websocket.send", f"socket closed: {output}"
            self.frames.append(output["text"])
            if predicate(output["text"]):
                return output["text"]

    async def send(self, **fields) -> None:
        await self.communicator.send_to(
            text_data=json.dumps({**fields, "HEADERS": {"HX-Request": "true"}})
        )

    async def say(self, content: str) -> None:
        await self.send(type="message", content=content, client_id=uuid.uuid4().hex)

    async def close(self) -> None:
        await self.communicator.disconnect(timeout=5)


@pytest.fixture
async def tab(background, thread, user):
    """Opens sockets on the thread as its owner; the first frame is the snapshot."""
    opened: list[Socket] = []

    async def open_() -> Socket:
        headers = [ORIGIN, (b"cookie", await session_cookie(user))]
        communicator = WebsocketCommunicator(
            application, f"/ws/threads/{thread.pk}/", headers=headers
        )
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        socket = Socket(communicator)
        opened.append(socket)
        await socket.until(lambda f: "run-state" in f)  # the snapshot
        return socket

    yield open_
    for socket in opened:
        await socket.close()


async def job_of(thread, name: str, **filters) -> Job:
    query = Job.objects.filter(thread=thread, name=name, **filters).order_by("created_at")
    await wait_for(query.aexists, within=20, what=f"a job {name}")
    return await query.alast()


async def until_status(job: Job, *statuses: str, within: float = 30.0) -> Job:
    query = Job.objects.filter(pk=job.pk, status__in=statuses)
    await wait_for(query.aexists, within=within, what=f"job {job.name} {statuses}")
    return await Job.objects.aget(pk=job.pk)


async def test_a_job_streams_into_the_thread_from_the_worker(tab, thread, worker):
    socket = await tab()
    await socket.say("report 30 0.03")
    first = await socket.until(lambda f: "report from pid" in f)
    pid = int(re.search(r"report from pid (\d+)", first).group(1))
    assert pid != os.getpid()
    assert pid in worker.pool_children()
    # Tokens arrive as they are streamed, before the job ends.
    await socket.until(lambda f: "part5 " in f and "report done" not in f)
    await socket.until(lambda f: "report done" in f)
    job = await until_status(await job_of(thread, "write_report"), Job.Status.DONE)
    assert job.error == ""
    streamed = await Message.objects.filter(thread=thread, content__startswith="part0").aget()
    assert streamed.content.split() == [f"part{i}" for i in range(30)]
    assert streamed.status == Message.Status.DONE


async def test_a_job_goes_on_when_its_tab_closes(tab, thread):
    socket = await tab()
    await socket.say("report 40 0.04")
    await socket.until(lambda f: "part1 " in f)
    await socket.close()
    job = await until_status(await job_of(thread, "write_report"), Job.Status.DONE)
    assert job.finished_at is not None
    streamed = await Message.objects.filter(thread=thread, content__startswith="part0").aget()
    assert "part39" in streamed.content
    # A new tab's snapshot shows the whole output, from the database.
    again = await tab()
    snapshot = again.frames[0]
    assert "part39" in snapshot
    assert "report done" in snapshot


async def test_a_failed_job_says_so_with_retry_and_retry_runs_it_again(tab, thread, tmp_path):
    socket = await tab()
    marker = tmp_path / "flaky-marker"
    await socket.say(f"flaky {marker}")
    frame = await socket.until(lambda f: "the report generator broke" in f)
    assert "Retry" in frame
    first = await until_status(await job_of(thread, "flaky"), Job.Status.FAILED)
    assert "RuntimeError: the report generator broke" in first.error
    failure = await Message.objects.aget(thread=thread, is_error=True)
    [retry] = failure.metadata["actions"]
    assert retry["label"] == "Retry"

    await socket.send(type="action", message_id=str(failure.pk), action_id=retry["id"])
    await socket.until(lambda f: "flaky worked this time" in f)
    second = await until_status(await job_of(thread, "flaky", attempt=2), Job.Status.DONE)
    assert (second.args, second.pk != first.pk) == ([str(marker)], True)


async def test_a_job_whose_worker_died_is_failed_and_can_be_retried(tab, thread, worker, settings):
    socket = await tab()
    await socket.say("report 40 0.08")
    await socket.until(lambda f: "part2 " in f)
    job = await job_of(thread, "write_report")
    [child] = worker.pool_children()
    os.kill(child, signal.SIGKILL)

    # The watchdog of the web processes notices the silence (called here directly).
    settings.CHAT_JOB_STALE_SECONDS = 2.0

    async def failed() -> bool:
        await jobs.fail_stale()
        return await Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).aexists()

    await wait_for(failed, within=20, what="the stale job failed")
    frame = await socket.until(lambda f: "the worker running it stopped" in f)
    assert "Retry" in frame
    failure = await Message.objects.aget(thread=thread, is_error=True)
    [retry] = failure.metadata["actions"]

    # The worker replaced its child; the retried job runs there to its end.
    await wait_for(lambda: worker.pool_children() not in ([], [child]), within=30)
    await socket.send(type="action", message_id=str(failure.pk), action_id=retry["id"])
    again = await until_status(
        await job_of(thread, "write_report", attempt=2), Job.Status.DONE, within=40
    )
    assert again.error == ""
    await socket.until(lambda f: "report done" in f)


async def test_stop_in_the_chat_stops_a_running_job(tab, thread):
    socket = await tab()
    await socket.say("report 200 0.05")
    await socket.until(lambda f: "part2 " in f)
    job = await job_of(thread, "write_report")
    await socket.send(type="stop")
    job = await until_status(job, Job.Status.STOPPED, within=15)
    streamed = await Message.objects.filter(thread=thread, content__startswith="part0").aget()
    assert streamed.status == Message.Status.STOPPED
    assert "part199" not in streamed.content
    await socket.until(lambda f: 'data-running="false"' in f)


async def test_documents_are_read_on_the_worker_and_a_bad_one_leaves_it_healthy(
    thread, user, worker
):
    children = worker.pool_children()
    broken = await sync_to_async(upload)(thread, user, "broken.pdf", corrupt_pdf_bytes())
    good = await sync_to_async(upload)(thread, user, "travel.txt", LIBRARY["travel.txt"].encode())
    started = await ingest.start(thread.pk, [str(broken.pk), str(good.pk)])
    assert len(started) == 2

    async def settled() -> bool:
        return not await Document.objects.filter(
            thread=thread, status__in=[Document.Status.QUEUED, Document.Status.PROCESSING]
        ).aexists()

    await wait_for(settled, within=40, what="both documents read")
    bad = await Document.objects.aget(element=broken)
    fine = await Document.objects.aget(element=good)
    assert (bad.status, fine.status) == (Document.Status.FAILED, Document.Status.READY)
    assert "damaged" in bad.error
    assert await Message.objects.filter(
        thread=thread, content__contains="I could not read **broken.pdf**"
    ).aexists()
    # The same worker process goes on serving.
    assert worker.pool_children() == children


async def test_library_documents_are_read_on_the_worker(user, worker):
    files = [SimpleUploadedFile("travel.txt", LIBRARY["travel.txt"].encode())]
    limits = uploads.Limits.from_settings()
    [document] = await sync_to_async(library.store)(user, files, limits)
    await library.start(document)

    async def read() -> bool:
        await document.arefresh_from_db()
        return document.status not in library.IN_PROGRESS

    await wait_for(read, within=40, what="the library document read by the worker")
    assert (document.status, document.thread_id) == (Document.Status.READY, None)
    assert document.chunk_count >= 1


async def test_work_queued_under_the_task_names_of_earlier_releases_still_runs(thread, user):
    """Messages already in the broker when a new release starts carry the old task names
    and arguments (`chat.run_job` with a job id, `chat.read_library_document` with a
    document id), as the earlier release's `run_job.delay(...)` sent them."""
    job = await Job.objects.acreate(thread=thread, name="write_report", args=[3, 0.01], kwargs={})
    files = [SimpleUploadedFile("travel.txt", LIBRARY["travel.txt"].encode())]
    [document] = await sync_to_async(library.store)(user, files, uploads.Limits.from_settings())

    send = sync_to_async(current_app.send_task)
    await send("chat.run_job", args=[str(job.pk)])
    await send("chat.read_library_document", args=[str(document.pk)])

    assert (await until_status(job, Job.Status.DONE, Job.Status.FAILED)).status == Job.Status.DONE
    assert await Message.objects.filter(thread=thread, content="report done").aexists()

    async def read() -> bool:
        await document.arefresh_from_db()
        return document.status not in library.IN_PROGRESS

    await wait_for(read, within=40, what="the library document read by the worker")
    assert document.status == Document.Status.READY


# -- @cl.on_feedback on the worker -------------------------------------------------------------
async def test_a_rating_reaches_the_apps_feedback_hook_on_the_worker(thread, user, worker):
    from django.test import AsyncClient

    from tests.factories import make_message

    answer = await sync_to_async(make_message)(
        thread, "It is 4.", author_kind=Message.Author.ASSISTANT
    )
    client = AsyncClient()
    await client.aforce_login(user)
    response = await client.post(
        f"/messages/{answer.pk}/feedback/", {"value": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200

    async def seen_on_the_worker() -> str:
        row = await Message.objects.filter(
            thread=thread, content__startswith="Feedback 1 seen by process"
        ).afirst()
        return row.content if row else ""

    await wait_for(seen_on_the_worker, within=30, what="the hook's message")
    assert await seen_on_the_worker() != f"Feedback 1 seen by process {os.getpid()}"
