"""`cl.rag`: questions about the documents users upload (ours; Chainlit has none).

`await cl.rag.ingest(message.elements)` starts reading the files that are documents
(txt, md, html, pdf, docx) in the background, with progress shown in the thread;
`await cl.rag.search(question)` returns the best passages of the user's own documents,
in this thread and their personal library; `passage.to_element()` cites one as a
`cl.Text` shown in the side panel.

Example:
    @cl.on_message
    async def main(message: cl.Message):
        if message.elements:
            await cl.rag.ingest(message.elements)
            return
        passages = await cl.rag.search(message.content, k=3)
        await cl.Message(
            content="\\n\\n".join(f"{p.text[:300]} ({p.name})" for p in passages),
            elements=[p.to_element() for p in passages],
        ).send()
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async

from chat.engine.context import require_session
from chat.rag import ingest as _ingest
from chat.rag import retrieval as _retrieval
from chat.rag.extract import ExtractionError

from .elements import Text
from .message import Message
from .task_list import Task, TaskList, TaskStatus

PROGRESS_EVERY_SECONDS = 0.5


@dataclass(frozen=True)
class Passage:
    """A passage of a document that matched a question."""

    document: str
    document_id: str
    index: int
    text: str
    score: float
    page: int | None = None

    @property
    def name(self) -> str:
        """How the passage is cited: the document's name and the passage's number."""
        where = f"page {self.page}, " if self.page else ""
        return f"{self.document} ({where}passage {self.index + 1})"

    def to_element(self, display: str = "side") -> Text:
        return Text(name=self.name, content=self.text, display=display)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    name: str
    status: str
    error: str
    chunks: int
    truncated: bool


def _ids(elements: Any) -> list[str]:
    items = elements if isinstance(elements, list | tuple) else [elements]
    return [str(getattr(item, "id", item)) for item in items]


async def ingest(elements: Any) -> list[str]:
    """Starts reading these files (elements or ids) of the current thread, if they are
    documents; returns the ids of the documents started."""
    session = require_session()
    started = await _ingest.start(session.thread_id, _ids(elements))
    return [str(document.pk) for document in started]


def _owner_id(session: Any) -> Any:
    return getattr(session.user, "pk", None)


async def search(query: str, k: int = 5, *, library: bool = True) -> list[Passage]:
    """The k passages of the user's documents (this thread's, and with `library` their
    personal library) that best match the query, best first."""
    session = require_session()
    hits = await sync_to_async(_retrieval.search)(
        query, owner_id=_owner_id(session), thread_id=session.thread_id, k=k, library=library
    )
    return [
        Passage(
            document=hit.chunk.document.name,
            document_id=str(hit.chunk.document_id),
            index=hit.chunk.index,
            text=hit.chunk.text,
            score=hit.score,
            page=hit.chunk.page,
        )
        for hit in hits
    ]


async def documents(*, library: bool = True) -> list[DocumentInfo]:
    """The user's documents that a search here reads, with their status
    ("queued", "processing", "ready" or "failed")."""
    session = require_session()
    found = await sync_to_async(_retrieval.documents)(
        _owner_id(session), session.thread_id, library=library
    )
    return [
        DocumentInfo(
            id=str(d.pk),
            name=d.name,
            status=d.status,
            error=d.error,
            chunks=d.chunk_count,
            truncated=d.truncated,
        )
        for d in found
    ]


async def ingest_job(document_id: str) -> None:
    """The product's job that reads a thread's document, its progress shown in the thread.

    A file that cannot be read ends with a clear message; an unexpected failure is a
    failed job, with a Retry button."""
    document = await _ingest.begin(document_id)
    name = document.name

    message = Message(content=f"Reading **{name}** so that you can ask about it…")
    await message.send()
    tasks = TaskList(status=f"Reading {name}")
    read = Task(title="Read the text", status=TaskStatus.RUNNING)
    index = Task(title="Split it into passages and index them")
    for task in (read, index):
        await tasks.add_task(task)
    await tasks.send(for_id=message.id)

    last = time.monotonic()

    async def progress(count: int) -> None:
        nonlocal last
        if read.status is TaskStatus.RUNNING:
            read.status, index.status = TaskStatus.DONE, TaskStatus.RUNNING
        elif time.monotonic() - last < PROGRESS_EVERY_SECONDS:
            return
        last = time.monotonic()
        index.title = f"Split it into passages and index them ({count} so far)"
        await tasks.send(for_id=message.id)

    try:
        result = await _ingest.index(document, progress)
    except ExtractionError as error:
        # The file is the problem: running again would not help, so no Retry.
        for task in (read, index):
            if task.status is not TaskStatus.DONE:
                task.status = TaskStatus.FAILED
        tasks.status = "Failed"
        await tasks.send(for_id=message.id)
        message.content = f"I could not read **{name}**: {error}."
        await message.update()
        return
    except BaseException as error:
        stopped = isinstance(error, asyncio.CancelledError)
        # The task list must not look as if the reading went on.
        with contextlib.suppress(Exception):
            for task in (read, index):
                if task.status is not TaskStatus.DONE:
                    task.status = TaskStatus.FAILED
            tasks.status = "Stopped" if stopped else "Failed"
            await tasks.send(for_id=message.id)
            message.content = (
                f"I stopped reading **{name}**." if stopped else f"Reading **{name}** failed."
            )
            await message.update()
        raise

    read.status = index.status = TaskStatus.DONE
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


_ingest.register(ingest_job)
