"""Passage vectors in pgvector, for hybrid retrieval (optional).

Used only with an embeddings endpoint configured and on PostgreSQL where the `vector`
extension can be created. The table is made on first use, with the configured number of
dimensions and an HNSW index (cosine distance); its rows go with their passages
(ON DELETE CASCADE).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from chat.rag import embeddings

logger = logging.getLogger(__name__)

# (database name, dimensions) -> whether vectors can be used there
_ready: dict[tuple[str, int], bool] = {}


def _key() -> tuple[str, int]:
    return (str(connection.settings_dict.get("NAME")), settings.CHAT_RAG_EMBEDDINGS_DIMENSIONS)


def _schema(size: int) -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS vector",
        "CREATE TABLE IF NOT EXISTS rag_chunk_embedding ("
        " chunk_id bigint PRIMARY KEY REFERENCES rag_chunk (id) ON DELETE CASCADE,"
        f" embedding vector({int(size)}) NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rag_chunk_embedding_hnsw ON rag_chunk_embedding"
        " USING hnsw (embedding vector_cosine_ops)",
    ]


def enabled() -> bool:
    """Whether passages get vectors here: an endpoint is set, and pgvector is there."""
    if not embeddings.configured() or connection.vendor != "postgresql":
        return False
    key = _key()
    if key not in _ready:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in _schema(key[1]):
                    cursor.execute(statement)
            _ready[key] = True
        except DatabaseError as error:
            logger.warning("Document vectors are off: pgvector is not usable here (%s)", error)
            _ready[key] = False
    return _ready[key]


def literal(vector: list[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def store(chunk_ids: list[int], vectors: list[list[float]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO rag_chunk_embedding (chunk_id, embedding) VALUES (%s, %s::vector)"
            " ON CONFLICT (chunk_id) DO UPDATE SET embedding = EXCLUDED.embedding",
            [(pk, literal(v)) for pk, v in zip(chunk_ids, vectors, strict=True)],
        )


def nearest(vector: list[float], in_sql: str, in_params: tuple[Any, ...], k: int):
    """(chunk id, cosine similarity) of the k passages nearest to the vector, among the
    passages of the documents that `in_sql` selects."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Filtered HNSW scans look further for enough matches in the scope.
        cursor.execute("SET LOCAL hnsw.ef_search = 200")
        cursor.execute(
            "SELECT e.chunk_id, 1 - (e.embedding <=> %s::vector) AS similarity "  # noqa: S608
            "FROM rag_chunk_embedding e JOIN rag_chunk c ON c.id = e.chunk_id "
            f"WHERE c.document_id IN ({in_sql}) "
            "ORDER BY e.embedding <=> %s::vector LIMIT %s",
            (literal(vector), *in_params, literal(vector), k),
        )
        return [(row[0], float(row[1])) for row in cursor.fetchall()]
