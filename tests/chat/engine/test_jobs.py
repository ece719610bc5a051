"""Jobs in the web process (the embedded default: no broker): they write into their
thread as hooks do, go on when the tab closes, fail visibly with Retry, and stop.

Runs on both backends, with jobs forced in process (the worker path is
tests/test_celery_jobs.py).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat.engine import control, jobs
from chat.models import Job, Message
from tests.conftest import ASSISTANTS_DIR
from tests.drivers import wait_for
from tests.factories import make_thread

pytestmark = pytest.mark.django_db(transaction=True)

ASSISTANT = str(ASSISTANTS_DIR / "worker_jobs.py")


@pytest.fixture(autouse=True)
def _in_process(settings, use_assistant):
    settings.CHAT_JOBS_IN_PROCESS = True
    use_assistant(ASSISTANT)


async def job_of(thread, name: str, **filters) -> Job:
    query = Job.objects.filter(thread=thread, name=name, **filters).order_by("created_at")
    await wait_for(query.aexists, within=10, what=f"a job {name}")
    return await query.alast()


async def until_status(job: Job, *statuses: str, within: float = 20.0) -> Job:
    query = Job.objects.filter(pk=job.pk, status__in=statuses)
    await wait_for(query.aexists, within=within, what=f"job {job.name} {statuses}")
    return await Job.objects.aget(pk=job.pk)


async def contents(thread) -> list[str]:
    return [m.content async for m in Message.objects.filter(thread=thread).order_by("order")]


async def test_a_job_runs_in_this_process_and_streams_to_the_tabs(open_chat, thread, user):
    chat = await open_chat(thread, user)
    await chat.send("report 20 0.01")
    await chat.tab.until(lambda f: "part3 " in f)
    job = await until_status(await job_of(thread, "write_report"), Job.Status.DONE)
    assert (job.error, job.attempt) == ("", 1)
    assert job.started_at <= job.finished_at
    texts = await contents(thread)
    assert f"report from pid {os.getpid()}" in texts
    assert "report done" in texts
    assert any(t.split() == [f"part{i}" for i in range(20)] for t in texts)


async def test_a_job_goes_on_when_its_tab_closes(open_chat, thread, user):
    chat = await open_chat(thread, user)
    await chat.send("report 30 0.02")
    await chat.tab.until(lambda f: "part1 " in f)
    await chat.close()
    await until_status(await job_of(thread, "write_report"), Job.Status.DONE)
    assert "report done" in await contents(thread)


async def test_a_failed_job_shows_retry_which_runs_it_again(open_chat, thread, user, tmp_path):
    chat = await open_chat(thread, user)
    marker = tmp_path / "marker"
    await chat.send(f"flaky {marker}")
    first = await until_status(await job_of(thread, "flaky"), Job.Status.FAILED)
    assert first.error == "RuntimeError: the report generator broke"
    errors = Message.objects.filter(thread=thread, is_error=True)
    await wait_for(errors.aexists, what="the failure message")
    failure = await errors.aget()
    assert "The job **flaky** failed" in failure.content
    [retry] = failure.metadata["actions"]
    await chat.tab.until(lambda f: "Retry" in f and "the report generator broke" in f)

    await chat.session.click_action(str(failure.pk), retry["id"])
    second = await until_status(await job_of(thread, "flaky", attempt=2), Job.Status.DONE)
    assert second.pk != first.pk
    assert "flaky worked this time" in await contents(thread)
    # The button went with the click: a job is retried once per failure.
    failure = await Message.objects.aget(pk=failure.pk)
    assert not failure.metadata.get("actions")


async def test_retry_only_for_a_finished_job_of_the_thread(open_chat, thread, user, other_user):
    chat = await open_chat(thread, user)
    await chat.send("report 50 0.02")
    job = await job_of(thread, "write_report")
    with pytest.raises(jobs.JobError, match="not finished"):
        await jobs.retry(thread.pk, str(job.pk))
    elsewhere = await sync_to_async(make_thread)(other_user)
    with pytest.raises(jobs.JobError, match="no longer exists"):
        await jobs.retry(elsewhere.pk, str(job.pk))
    await control.request_stop(thread.pk)
    await until_status(job, Job.Status.STOPPED)


async def test_stop_stops_a_running_job(open_chat, thread, user):
    chat = await open_chat(thread, user)
    await chat.send("report 200 0.02")
    await chat.tab.until(lambda f: "part2 " in f)
    job = await job_of(thread, "write_report")
    await control.request_stop(thread.pk)
    await until_status(job, Job.Status.STOPPED, within=10)
    streamed = await Message.objects.filter(thread=thread, content__startswith="part0").aget()
    assert streamed.status == Message.Status.STOPPED
    assert "report done" not in await contents(thread)


async def test_a_job_whose_worker_died_is_failed_with_retry(thread, settings, background):
    settings.CHAT_JOB_STALE_SECONDS = 5
    old = timezone.now() - timedelta(seconds=30)
    stale = await Job.objects.acreate(
        thread=thread,
        name="write_report",
        args=[3],
        status=Job.Status.RUNNING,
        started_at=old,
        heartbeat_at=old,
    )
    fresh = await Job.objects.acreate(
        thread=thread,
        name="write_report",
        args=[3],
        status=Job.Status.RUNNING,
        started_at=old,
        heartbeat_at=timezone.now(),
    )
    assert await jobs.fail_stale() == 1
    assert await jobs.fail_stale() == 0
    stale = await Job.objects.aget(pk=stale.pk)
    assert (stale.status, stale.error) == (Job.Status.FAILED, "The worker running it stopped.")
    assert (await Job.objects.aget(pk=fresh.pk)).status == Job.Status.RUNNING
    failure = await Message.objects.aget(thread=thread, is_error=True)
    assert "the worker running it stopped" in failure.content
    assert failure.metadata["actions"][0]["payload"] == {"job": str(stale.pk)}
    await Job.objects.filter(pk=fresh.pk).aupdate(status=Job.Status.DONE)


async def test_enqueue_checks_the_name_and_the_arguments(thread, background):
    with pytest.raises(jobs.JobError, match="no job named"):
        await jobs.enqueue(thread.pk, "nope", [], {})
    with pytest.raises(TypeError, match="JSON"):
        await jobs.enqueue(thread.pk, "write_report", [object()], {})
    assert not await Job.objects.aexists()
