"""Jobs: long work bound to a thread, on Celery workers (or in the web process, embedded).

Inside a job the public API writes into its thread exactly as in a hook; the output
reaches every open tab through the channel layer and stays in the database for later.
A job that raises, or whose worker dies, says so in the thread with a Retry button.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import weakref
from datetime import timedelta
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.engine import control, metrics, runner
from chat.engine.background import spawn
from chat.engine.context import current_session
from chat.engine.emitter import Emitter
from chat.engine.registry import hooks, public_objects
from chat.engine.running import RunningSession
from chat.errors import UserFacingError
from chat.models import Job, Message, Thread
from chatproject.serving.connections import reconnecting

logger = logging.getLogger(__name__)

RETRY_ACTION = "__retry_job__"
# The runner's (and the Celery task's) name for running a job.
RUN_JOB = "chat.run_job"
HEARTBEAT_SECONDS = 2.0
# Jobs of the product itself (document ingestion): kept when an assistant is (re)loaded.
builtin_jobs: dict[str, Any] = {}


def job_function(name: str) -> Any:
    return hooks.jobs.get(name) or builtin_jobs.get(name)


class JobError(UserFacingError):
    pass


class JobSession(RunningSession):
    """What the public API needs from a chat session, for a job with no socket."""

    def __init__(self, thread: Thread) -> None:
        super().__init__(f"job-{thread.pk}", thread.pk, thread.owner)
        self.user_session = {
            "id": self.id,
            "user": public_objects.user(thread.owner),
            "client_type": "job",
        }


def _check_json(args: Any, kwargs: Any) -> None:
    try:
        json.dumps([args, kwargs])
    except (TypeError, ValueError) as error:
        raise TypeError(f"A job's arguments must be JSON-serialisable: {error}") from None


async def enqueue(thread_id: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Job:
    if job_function(name) is None:
        raise JobError(f"There is no job named {name!r}.")
    _check_json(args, kwargs)
    job = await Job.objects.acreate(thread_id=thread_id, name=name, args=args, kwargs=kwargs)
    await dispatch(job)
    return job


async def dispatch(job: Job) -> None:
    await runner.submit(RUN_JOB, str(job.pk))


@sync_to_async
@reconnecting
def _update_job(job_id: UUID, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(**fields)


async def _heartbeat(job_id: UUID) -> None:
    failing = False
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await _update_job(job_id, heartbeat_at=timezone.now())
        except DatabaseError:
            # A beat missed is not a worker gone: the next one tries again.
            if not failing:
                logger.exception("The heartbeat of job %s failed", job_id)
            failing = True
        else:
            failing = False


async def run(job_id: UUID | str) -> None:
    """Runs a queued job to its end; a redelivered or finished job is left alone."""
    now = timezone.now()
    claimed = await Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).aupdate(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return
    job = await Job.objects.select_related("thread__owner").aget(pk=job_id)
    function = job_function(job.name)
    session = JobSession(job.thread)
    context = contextvars.copy_context()
    context.run(current_session.set, session)
    await control.control().attach(job.thread_id, session)
    beat = spawn(_heartbeat(job.pk), name=f"job-heartbeat-{job.pk}")
    status, error = Job.Status.DONE, ""
    try:
        if function is None:
            raise JobError(f"This worker does not know the job {job.name!r}.")
        task = session.current_run = spawn(
            function(*job.args, **job.kwargs), name=f"job-run-{job.pk}", context=context
        )
        await control.control().push_run_state(session)
        await task
        await session.emitter.stored()
        await session.emitter.end_all_streams(Message.Status.DONE)
    except asyncio.CancelledError:
        status = Job.Status.STOPPED
        await session.emitter.end_all_streams(Message.Status.STOPPED)
    except Exception as failure:
        logger.exception("Job %s (%s) failed", job.name, job.pk)
        status, error = Job.Status.FAILED, f"{type(failure).__name__}: {failure}"
        await session.emitter.end_all_streams(Message.Status.FAILED)
    finally:
        beat.cancel()
        session.current_run = None
        await _update_job(job.pk, status=status, error=error, finished_at=timezone.now())
        metrics.job_ended(str(status))
        if not await control.control().push_run_state(session):
            # A session on another instance says so again, if it still runs something.
            await control.request_sync(job.thread_id)
        await control.control().detach(job.thread_id, session)
    if status == Job.Status.FAILED:
        await report_failure(job, error)


runner.register(RUN_JOB, run)


async def report_failure(job: Job, error: str) -> None:
    """A failure message in the thread, with a button that runs the job again."""
    emitter = Emitter(job.thread_id)
    retry = {
        "id": f"retry-{job.pk}",
        "name": RETRY_ACTION,
        "payload": {"job": str(job.pk)},
        "label": "Retry",
        "tooltip": "Run this job again",
    }
    await emitter.create_message(
        author_kind=Message.Author.SYSTEM,
        author_name=settings.CHAT_UI_NAME,
        content=f"The job **{job.name}** failed: {error}",
        is_error=True,
        metadata={"actions": [retry], "job": str(job.pk)},
    )


async def retry(thread_id: Any, job_id: str) -> Job:
    try:
        old = await Job.objects.aget(pk=job_id, thread_id=thread_id)
    except (Job.DoesNotExist, ValueError):
        raise JobError(_("This job no longer exists.")) from None
    if old.status not in (Job.Status.FAILED, Job.Status.STOPPED):
        raise JobError(_("This job is not finished."))
    job = await Job.objects.acreate(
        thread_id=thread_id,
        name=old.name,
        args=old.args,
        kwargs=old.kwargs,
        attempt=old.attempt + 1,
    )
    await dispatch(job)
    return job


async def fail_stale() -> int:
    """Marks running jobs whose worker died as failed, and says so in their threads."""
    before = timezone.now() - timedelta(seconds=settings.CHAT_JOB_STALE_SECONDS)
    stale = [
        job async for job in Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=before)
    ]
    failed = 0
    for job in stale:
        updated = await Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).aupdate(
            status=Job.Status.FAILED,
            error="The worker running it stopped.",
            finished_at=timezone.now(),
        )
        if updated:
            failed += 1
            await report_failure(job, "the worker running it stopped")
            await Emitter(job.thread_id).set_running(False)
    return failed


async def _watch_stale_jobs() -> None:
    interval = max(1.0, settings.CHAT_JOB_STALE_SECONDS / 3)
    while True:
        await asyncio.sleep(interval)
        try:
            await fail_stale()
        except Exception:
            logger.exception("Looking for jobs whose worker died failed")


_watched: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def watch_stale_jobs() -> None:
    """Each web process looks for jobs whose worker died, wherever they ran."""
    loop = asyncio.get_running_loop()
    if loop not in _watched:
        _watched.add(loop)
        spawn(_watch_stale_jobs(), name="job-watchdog")
