"""Starting the ingestion job: a document of a thread read, split and indexed.

It runs as a job (chat.engine.jobs): on a Celery worker when REDIS_URL is set, in the
web process otherwise. The job itself shows its progress in the thread with the public
API, so it lives there (chat.sdk.rag) and registers itself under INGEST_JOB.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from chat.engine import jobs
from chat.models import Element, Thread

from .extract import ExtractionError, supported
from .index import Indexed, index_document
from .models import Document

INGEST_JOB = "__rag_ingest__"


def register(job: Callable[[str], Awaitable[None]]) -> None:
    """Names the job that reads a thread's document; a product job, kept across reloads of
    the assistant."""
    jobs.builtin_jobs[INGEST_JOB] = job


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


async def begin(document_id: str) -> Document:
    """The document the job reads, marked as being read."""
    document = await Document.objects.select_related("element").aget(pk=document_id)
    await document.aset(status=Document.Status.PROCESSING, error="", chunk_count=0)
    return document


async def index(document: Document, progress: Callable[[int], Awaitable[None]]) -> Indexed:
    """Reads, splits and indexes the document, and marks it ready; or marks it failed and
    raises (ExtractionError when the file itself cannot be read)."""
    try:
        result = await index_document(document, progress)
    except ExtractionError as error:
        await document.aset(status=Document.Status.FAILED, error=str(error))
        raise
    except BaseException as error:
        stopped = isinstance(error, asyncio.CancelledError)
        reason = "stopped" if stopped else f"{type(error).__name__}: {error}"
        await asyncio.shield(document.aset(status=Document.Status.FAILED, error=reason))
        raise
    await document.aset(
        status=Document.Status.READY,
        chunk_count=result.chunks,
        char_count=result.chars,
        truncated=result.truncated,
    )
    return result
