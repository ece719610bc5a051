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

from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async

from chat.engine.context import require_session
from chat.rag import ingest as _ingest
from chat.rag import retrieval as _retrieval

from .elements import Text


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
