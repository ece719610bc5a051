"""The ingestion job: a document read, split and indexed, with its progress in the thread.

It runs as a job (chat.engine.jobs): on a Celery worker when REDIS_URL is set, in the
web process otherwise. A file that cannot be read ends with a clear message in the
thread; an unexpected failure is a failed job, with a Retry button.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from chat.engine import jobs
from chat.models import Element, Thread

from .extract import ExtractionError, supported
from .index import index_document
from .models import Document

INGEST_JOB = "__rag_ingest__"
PROGRESS_EVERY_SECONDS = 0.5


def register() -> None:
    jobs.builtin_jobs[INGEST_JOB] = ingest_job


async def start(thread_id: Any, element_ids: list[str]) -> list[Document]:
    """Starts reading each file of the thread with these ids that is a readable document,
    for the thread's owner. A file already read (or being read) is not read again."""
    thread = await Thread.objects.aget(pk=thread_id)
    started = []
    elements = Element.objects.filter(thread_id=thread_id, pk__in=element_ids).exclude(file="")
    async for element in elements:
        if not supported(element.mime, element.name):
            continue
        if await Document.objects.filter(element=element).aexists():
            continue
        document = await Document.objects.acreate(
            owner_id=thread.owner_id,
            thread_id=thread_id,
            element=element,
            name=element.name,
            mime=element.mime,
        )
        await jobs.enqueue(thread_id, INGEST_JOB, [str(document.pk)], {})
        started.append(document)
    return started


async def ingest_job(document_id: str) -> None:
    import chat.sdk as cl

    document = await Document.objects.select_related("element").aget(pk=document_id)
    name = document.name
    await document.aset(status=Document.Status.PROCESSING, error="", chunk_count=0)

    message = cl.Message(content=f"Reading **{name}** so that you can ask about it…")
    await message.send()
    tasks = cl.TaskList(status=f"Reading {name}")
    read = cl.Task(title="Read the text", status=cl.TaskStatus.RUNNING)
    index = cl.Task(title="Split it into passages and index them")
    for task in (read, index):
        await tasks.add_task(task)
    await tasks.send(for_id=message.id)

    last = time.monotonic()

    async def progress(count: int) -> None:
        nonlocal last
        if read.status is cl.TaskStatus.RUNNING:
            read.status, index.status = cl.TaskStatus.DONE, cl.TaskStatus.RUNNING
        elif time.monotonic() - last < PROGRESS_EVERY_SECONDS:
            return
        last = time.monotonic()
        index.title = f"Split it into passages and index them ({count} so far)"
        await tasks.send(for_id=message.id)

    try:
        result = await index_document(document, progress)
    except ExtractionError as error:
        # The file is the problem: running again would not help, so no Retry.
        await document.aset(status=Document.Status.FAILED, error=str(error))
        for task in (read, index):
            if task.status is not cl.TaskStatus.DONE:
                task.status = cl.TaskStatus.FAILED
        tasks.status = "Failed"
        await tasks.send(for_id=message.id)
        message.content = f"I could not read **{name}**: {error}."
        await message.update()
        return
    except BaseException as error:
        stopped = isinstance(error, asyncio.CancelledError)
        reason = "stopped" if stopped else f"{type(error).__name__}: {error}"
        await asyncio.shield(document.aset(status=Document.Status.FAILED, error=reason))
        # The task list must not look as if the reading went on.
        with contextlib.suppress(Exception):
            for task in (read, index):
                if task.status is not cl.TaskStatus.DONE:
                    task.status = cl.TaskStatus.FAILED
            tasks.status = "Stopped" if stopped else "Failed"
            await tasks.send(for_id=message.id)
            message.content = (
                f"I stopped reading **{name}**." if stopped else f"Reading **{name}** failed."
            )
            await message.update()
        raise

    await document.aset(
        status=Document.Status.READY,
        chunk_count=result.chunks,
        char_count=result.chars,
        truncated=result.truncated,
    )
    read.status = index.status = cl.TaskStatus.DONE
    index.title = f"Split it into passages and index them ({result.chunks})"
    tasks.status = "Ready"
    await tasks.send(for_id=message.id)
    text = f"**{name}** is ready: {result.chunks} passage(s) indexed. Ask me about it."
    if result.truncated:
        text += (
            f" It is long, so only its first {result.chars:,} characters were indexed;"
            " the rest was left out."
        )
    if result.vectors is False:
        text += " The embeddings service did not answer, so it is searched by its words only."
    message.content = text
    await message.update()
