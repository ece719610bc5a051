"""Reading the documents of a thread: started here, read, split and indexed, each marked
as it goes.

It runs as a job (chat.engine.jobs): on a Celery worker when REDIS_URL is set, in the
web process otherwise. The documents of one upload are read by one job. The job shows its
progress in the thread with the public API, so it lives there (chat.sdk.rag) and names
itself with `register`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from chat.engine import jobs
from chat.models import Element, Thread
from chat.rag.extract import ExtractionError, supported
from chat.rag.index import Indexed, index_document
from chat.rag.models import Document

INGEST_JOB = "__rag_ingest__"


def register(job: Callable[..., Awaitable[None]]) -> None:
    """Names the job that reads a thread's documents; a product job, kept across reloads
    of the assistant."""
    jobs.builtin_jobs[INGEST_JOB] = job


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


async def documents(document_ids: tuple[str, ...]) -> list[Document]:
    """The documents with these ids that still exist, in the order given."""
    found = Document.objects.select_related("element").filter(pk__in=document_ids)
    by_id = {str(d.pk): d async for d in found}
    return [by_id[i] for i in document_ids if i in by_id]


def is_ready(document: Document) -> bool:
    return document.status == Document.Status.READY


async def begin(document: Document) -> None:
    """Marks the document as being read."""
    await document.aset(status=Document.Status.PROCESSING, error="", chunk_count=0)


async def index(document: Document, progress: Callable[[int], Awaitable[None]]) -> Indexed:
    """Reads, splits and indexes the document, and marks it ready; or marks it failed and
    raises ExtractionError when the file itself cannot be read. Any other error is left to
    the caller (see `fail`)."""
    try:
        result = await index_document(document, progress)
    except ExtractionError as error:
        await document.aset(status=Document.Status.FAILED, error=str(error))
        raise
    await document.aset(
        status=Document.Status.READY,
        chunk_count=result.chunks,
        char_count=result.chars,
        truncated=result.truncated,
    )
    return result


async def fail(document: Document, reason: str) -> None:
    """Marks a document whose reading was stopped or broke as failed, even while the job
    is being cancelled."""
    await asyncio.shield(document.aset(status=Document.Status.FAILED, error=reason))
