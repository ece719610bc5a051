"""`cl.rag`: questions about the documents users upload (ours; Chainlit has none).

`await cl.rag.ingest(message.elements)` starts reading the files that are documents
(txt, md, html, pdf, docx) in the background, with progress shown in the thread;
`await cl.rag.search(question)` returns the best passages of the user's own documents,
in this thread and their personal library, and of their groups' team libraries;
`passage.to_element()` cites one as a `cl.Text` shown in the side panel.

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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chat.engine.context import require_session
from chat.rag import ingest as _ingest
from chat.rag import retrieval as _retrieval
from chat.rag.extract import ExtractionError
from chat.sdk.elements import Text
from chat.sdk.message import Message
from chat.sdk.task_list import Task, TaskList, TaskStatus

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
    personal library and their groups' team libraries) that best match the query, best
    first."""
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


# -- the job that reads a thread's documents, its progress shown in the thread ------------
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

    def __init__(self, document: Any) -> None:
        self.document = document
        self.name = document.name
        self.read = Task(title=_("Read %(name)s") % {"name": self.name})
        self.index = Task(
            title=_("Split %(name)s into passages and index them") % {"name": self.name}
        )
        self.line = ""

    def ended(self, status: Any) -> None:
        """Its tasks not done yet end with `status`."""
        for task in (self.read, self.index):
            if task.status is not TaskStatus.DONE:
                task.status = status


async def ingest_job(*document_ids: str) -> None:
    """Reads the documents of one upload under one message with one task list: two files
    sent together get one answer, not one each. A file that cannot be read ends with a
    clear line; an unexpected failure is a failed job, with a Retry button."""
    readings = [_Reading(d) for d in await _ingest.documents(document_ids)]
    if not readings:
        return
    names = [r.name for r in readings]
    message = Message(content=_reading(names))
    await message.send()
    tasks = TaskList(status=_("Reading %(names)s") % {"names": ", ".join(names)})
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
        if _ingest.is_ready(reading.document):
            # Read already, before a retry of the job: nothing to do again.
            reading.ended(TaskStatus.DONE)
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
                await _ingest.fail(left.document, reason)
            # The task list must not look as if the reading went on.
            with contextlib.suppress(Exception):
                for left in unread:
                    left.ended(TaskStatus.FAILED)
                unread_names = _bold([left.name for left in unread])
                reading.line = (
                    _("I stopped reading %(names)s.") if stopped else _("Reading %(names)s failed.")
                ) % {"names": unread_names}
                await show(_("Stopped") if stopped else _("Failed"))
            raise
    ready = [r for r in readings if _ingest.is_ready(r.document)]
    if ready:
        readings[-1].line += ("\n\n" if readings[-1].line else "") + ngettext(
            "Ask me about it.", "Ask me about them.", len(ready)
        )
    await show(
        _("Ready") if len(ready) == len(readings) else _("Failed") if not ready else _("Done")
    )


async def _read_one(reading: _Reading, tasks: TaskList, message_id: str) -> None:
    """Reads, splits and indexes one document, its tasks showing how far it got."""
    document = reading.document
    read, index = reading.read, reading.index
    await _ingest.begin(document)
    read.status = TaskStatus.RUNNING
    await tasks.send(for_id=message_id)
    title = index.title
    last = time.monotonic()

    async def progress(count: int) -> None:
        nonlocal last
        if read.status is TaskStatus.RUNNING:
            read.status, index.status = TaskStatus.DONE, TaskStatus.RUNNING
        elif time.monotonic() - last < PROGRESS_EVERY_SECONDS:
            return
        last = time.monotonic()
        index.title = _("%(task)s (%(count)s so far)") % {"task": title, "count": count}
        await tasks.send(for_id=message_id)

    try:
        result = await _ingest.index(document, progress)
    except ExtractionError as error:
        # The file is the problem: running again would not help, so no Retry.
        reading.ended(TaskStatus.FAILED)
        reading.line = _("I could not read %(name)s: %(error)s.") % {
            "name": f"**{reading.name}**",
            "error": error,
        }
        return
    read.status = index.status = TaskStatus.DONE
    index.title = f"{title} ({result.chunks})"
    await tasks.send(for_id=message_id)
    reading.line = _ready_line(document, result.vectors)


def _ready_line(document: Any, vectors: bool | None) -> str:
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


_ingest.register(ingest_job)
