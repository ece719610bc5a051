"""The ingestion job: a document read, split and indexed, with its progress in the thread.

It runs as a job (chat.engine.jobs): on a Celery worker when REDIS_URL is set, in the
web process otherwise. A file that cannot be read ends with a clear message in the
thread; an unexpected failure is a failed job, with a Retry button. The documents of one
upload are read by one job, under one message with one task list: two files sent
together get one answer, not one each.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    for the thread's owner, all in one job. A file already read (or being read) is not
    read again."""
    thread = await Thread.objects.aget(pk=thread_id)
    started = []
    elements = Element.objects.filter(thread_id=thread_id, pk__in=element_ids).exclude(file="")
    async for element in elements.order_by("created_at"):
        if not supported(element.mime, element.name):
            continue
        if await Document.objects.filter(element=element).aexists():
            continue
        started.append(
            await Document.objects.acreate(
                owner_id=thread.owner_id,
                thread_id=thread_id,
                element=element,
                name=element.name,
                mime=element.mime,
            )
        )
    if started:
        await jobs.enqueue(thread_id, INGEST_JOB, [str(d.pk) for d in started], {})
    return started


def _bold(names: list[str]) -> str:
    return ", ".join(f"**{name}**" for name in names)


def _reading(names: list[str]) -> str:
    return ngettext(
        "Reading %(names)s so that you can ask about it…",
        "Reading %(names)s so that you can ask about them…",
        len(names),
    ) % {"names": _bold(names)}


class _Reading:
    """One document's part of the job: its two tasks, and its line in the message."""

    def __init__(self, document: Document) -> None:
        import chat.sdk as cl

        self.document = document
        self.name = document.name
        self.read = cl.Task(title=f"Read {self.name}")
        self.index = cl.Task(title=f"Split {self.name} into passages and index them")
        self.line = ""

    def ended(self, status: Any) -> None:
        """Its tasks not done yet end with `status`."""
        import chat.sdk as cl

        for task in (self.read, self.index):
            if task.status is not cl.TaskStatus.DONE:
                task.status = status


async def ingest_job(*document_ids: str) -> None:
    import chat.sdk as cl

    found = Document.objects.select_related("element").filter(pk__in=document_ids)
    by_id = {str(d.pk): d async for d in found}
    readings = [_Reading(by_id[i]) for i in document_ids if i in by_id]
    if not readings:
        return
    names = [r.name for r in readings]
    message = cl.Message(content=_reading(names))
    await message.send()
    tasks = cl.TaskList(status="Reading " + ", ".join(names))
    for reading in readings:
        await tasks.add_task(reading.read)
        await tasks.add_task(reading.index)
    await tasks.send(for_id=message.id)

    async def show(status: str, *, still: list[_Reading] | None = None) -> None:
        """The lines of the documents read so far, and which ones are still being read."""
        tasks.status = status
        await tasks.send(for_id=message.id)
        lines = [r.line for r in readings if r.line]
        if still:
            lines.append(_reading([r.name for r in still]))
        message.content = "\n\n".join(lines)
        await message.update()

    for number, reading in enumerate(readings):
        if reading.document.status == Document.Status.READY:
            # Read already, before a retry of the job: nothing to do again.
            reading.ended(cl.TaskStatus.DONE)
            reading.line = _ready_line(reading.document, None)
            continue
        try:
            await _read_one(reading, tasks, message.id)
            if number + 1 < len(readings):
                # Each document's outcome shows as soon as it is known.
                await show(tasks.status, still=readings[number + 1 :])
        except BaseException as error:
            stopped = isinstance(error, asyncio.CancelledError)
            reason = "stopped" if stopped else f"{type(error).__name__}: {error}"
            unread = readings[number:]
            for left in unread:
                await asyncio.shield(
                    left.document.aset(status=Document.Status.FAILED, error=reason)
                )
            # The task list must not look as if the reading went on.
            with contextlib.suppress(Exception):
                for left in unread:
                    left.ended(cl.TaskStatus.FAILED)
                unread_names = _bold([left.name for left in unread])
                reading.line = (
                    _("I stopped reading %(names)s.") if stopped else _("Reading %(names)s failed.")
                ) % {"names": unread_names}
                await show("Stopped" if stopped else "Failed")
            raise
    ready = [r for r in readings if r.document.status == Document.Status.READY]
    if ready:
        readings[-1].line += ("\n\n" if readings[-1].line else "") + ngettext(
            "Ask me about it.", "Ask me about them.", len(ready)
        )
    await show("Ready" if len(ready) == len(readings) else "Failed" if not ready else "Done")


async def _read_one(reading: _Reading, tasks: Any, message_id: str) -> None:
    """Reads, splits and indexes one document, its tasks showing how far it got."""
    import chat.sdk as cl

    document = reading.document
    read, index = reading.read, reading.index
    await document.aset(status=Document.Status.PROCESSING, error="", chunk_count=0)
    read.status = cl.TaskStatus.RUNNING
    await tasks.send(for_id=message_id)
    title = index.title
    last = time.monotonic()

    async def progress(count: int) -> None:
        nonlocal last
        if read.status is cl.TaskStatus.RUNNING:
            read.status, index.status = cl.TaskStatus.DONE, cl.TaskStatus.RUNNING
        elif time.monotonic() - last < PROGRESS_EVERY_SECONDS:
            return
        last = time.monotonic()
        index.title = f"{title} ({count} so far)"
        await tasks.send(for_id=message_id)

    try:
        result = await index_document(document, progress)
    except ExtractionError as error:
        # The file is the problem: running again would not help, so no Retry.
        await document.aset(status=Document.Status.FAILED, error=str(error))
        reading.ended(cl.TaskStatus.FAILED)
        reading.line = _("I could not read %(name)s: %(error)s.") % {
            "name": f"**{reading.name}**",
            "error": error,
        }
        return
    await document.aset(
        status=Document.Status.READY,
        chunk_count=result.chunks,
        char_count=result.chars,
        truncated=result.truncated,
    )
    read.status = index.status = cl.TaskStatus.DONE
    index.title = f"{title} ({result.chunks})"
    await tasks.send(for_id=message_id)
    reading.line = _ready_line(document, result.vectors)


def _ready_line(document: Document, vectors: bool | None) -> str:
    text = ngettext(
        "%(name)s is ready: %(count)d passage indexed.",
        "%(name)s is ready: %(count)d passages indexed.",
        document.chunk_count,
    ) % {"name": f"**{document.name}**", "count": document.chunk_count}
    if document.truncated:
        text += " " + _(
            "It is long, so only its first %(chars)s characters were indexed; "
            "the rest was left out."
        ) % {"chars": f"{document.char_count:,}"}
    if vectors is False:
        text += " " + _(
            "The embeddings service did not answer, so it is searched by its words only."
        )
    return text
