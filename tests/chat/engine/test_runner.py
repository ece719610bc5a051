"""Background work by name: one runner for jobs and library reading, here or on a worker.

The worker side (the same names sent to Celery) is tests/test_celery_jobs.py.
"""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from chat import tasks
from chat.engine import jobs, runner
from chat.rag import library

whose = contextvars.ContextVar("whose", default="nobody's")


@pytest.fixture
def ran(settings):
    settings.CHAT_JOBS_IN_PROCESS = True
    seen: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    async def note(item_id: str) -> None:
        await seen.put((item_id, whose.get()))

    runner.register("tests.note", note)
    return seen


async def test_work_runs_in_this_process_in_a_context_of_its_own(ran, background):
    whose.set("the hook's")
    await runner.submit("tests.note", "42")
    # As on a worker: nothing of the submitting hook or request comes along.
    assert await asyncio.wait_for(ran.get(), timeout=10) == ("42", "nobody's")


async def test_work_nobody_registered_is_refused_by_name(settings):
    settings.CHAT_JOBS_IN_PROCESS = True
    with pytest.raises(LookupError, match=r"'no\.such\.work'"):
        await runner.submit("no.such.work", "1")


def test_jobs_and_library_reading_keep_the_task_names_of_earlier_releases():
    # Messages already queued by an earlier release carry these names.
    assert (jobs.RUN_JOB, library.READ_DOCUMENT) == ("chat.run_job", "chat.read_library_document")
    assert (tasks.run_job.name, tasks.read_library_document.name) == (
        "chat.run_job",
        "chat.read_library_document",
    )
    assert runner.work("chat.run_job") is jobs.run
    assert runner.work("chat.read_library_document") is library.read
