"""Passages into the database, where the full-text index picks them up.

PostgreSQL computes each passage's tsvector itself (a generated column) and SQLite's
FTS5 table follows rag_chunk through triggers, so storing a passage indexes it.
Reading and splitting run in a thread, a batch at a time: the event loop stays free, and
memory stays bounded by a batch, whatever the document's size.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import default_storage

from chat.rag import embeddings, vectors
from chat.rag.chunking import Budget, Piece, chunks
from chat.rag.extract import ExtractionError, Limits, extract
from chat.rag.models import Chunk, Document

logger = logging.getLogger(__name__)
BATCH = 200


@dataclass
class Indexed:
    chunks: int
    chars: int
    truncated: bool
    # None: no embeddings configured; False: the endpoint failed, full-text only.
    vectors: bool | None = None


def _open(document: Document):
    element = document.element
    file = document.file or (element.file if element is not None else None)
    if not file:
        raise ExtractionError("the file is no longer there")
    try:
        return default_storage.open(file.name, "rb")
    except FileNotFoundError:
        raise ExtractionError("the file is no longer there") from None


async def index_document(
    document: Document, progress: Callable[[int], Awaitable[None]] | None = None
) -> Indexed:
    """Reads, splits and stores the document's passages (its old ones are replaced).

    Raises ExtractionError for a file that cannot be read, or that holds no text."""
    await Chunk.objects.filter(document=document).adelete()
    budget = Budget(max_chars=settings.CHAT_RAG_MAX_CHARS)
    with_vectors: bool | None = await sync_to_async(vectors.enabled)() or None
    stream = await asyncio.to_thread(_open, document)
    try:
        pieces: Iterator[Piece] = chunks(
            extract(stream, document.mime, document.name, Limits.from_settings()),
            size=settings.CHAT_RAG_CHUNK_CHARS,
            budget=budget,
        )
        count = 0
        while True:
            batch = await asyncio.to_thread(lambda: list(islice(pieces, BATCH)))
            if not batch:
                break
            stored = await Chunk.objects.abulk_create(
                [Chunk(document=document, index=p.index, text=p.text, page=p.page) for p in batch]
            )
            if with_vectors:
                with_vectors = await _add_vectors(document, stored)
            count += len(batch)
            if progress is not None:
                await progress(count)
    finally:
        await asyncio.to_thread(stream.close)
    if count == 0:
        raise ExtractionError("no text was found in it (a scan, or an empty file?)")
    return Indexed(
        chunks=count, chars=budget.taken, truncated=budget.truncated, vectors=with_vectors
    )


async def _add_vectors(document: Document, stored: list[Chunk]) -> bool:
    """Vectors for these passages; False (full-text search only) if the endpoint fails."""
    try:
        found = await asyncio.to_thread(embeddings.embed, [c.text for c in stored])
    except embeddings.EmbeddingError as error:
        logger.warning("No vectors for document %s: %s", document.pk, error)
        return False
    await sync_to_async(vectors.store)([c.pk for c in stored], found)
    return True
