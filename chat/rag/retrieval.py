"""The passages that best answer a question, from one user's documents and their groups'
team libraries only.

PostgreSQL: websearch_to_tsquery over the words of the question joined with `or`,
ranked by ts_rank. SQLite: FTS5 MATCH over the same words, ranked by bm25. A question
is natural language, so any of its words may match, and passages matching more of them,
and rarer ones, come first.

With an embeddings endpoint on PostgreSQL with pgvector, retrieval is hybrid: the
full-text ranking and the nearest vectors are fused by reciprocal rank.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Q

from chat.rag import embeddings, vectors
from chat.rag.models import Chunk, Document

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 32
# Each ranking fused in a hybrid search contributes this many candidates.
CANDIDATES = 20
RRF_K = 60
STOPWORDS = frozenset(
    _WORD.findall(
        """a about above after again against all am an and any are as at be because been before
        being below between both but by can could did do does doing down during each few for from
        further had has have having he her here hers herself him himself his how i if in into is it
        its itself just me more most my myself no nor not now of off on once only or other our ours
        ourselves out over own same she should so some such than that the their theirs them
        themselves then there these they this those through to too under until up very was we were
        what when where which while who whom why will with would you your yours yourself
        yourselves tell please know"""
    )
)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float


def terms(question: str) -> list[str]:
    """The words of a question worth searching for, in order, once each."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(question.lower()):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS]


def _mine_and_my_teams(owner_id: Any, thread_id: Any, library: bool) -> Q:
    """The owner's own documents (in this thread, and with `library` their personal
    library), and with `library` the team libraries of the groups they are in now.

    Membership is part of the query itself, so someone taken out of a group no longer
    reads its library from their very next search. A team document is never read as its
    uploader's own: they reach it as a member, or not at all.
    """
    own = Q(owner_id=owner_id, library__isnull=True)
    if thread_id is not None:
        where = Q(thread_id=thread_id)
        if library:
            where |= Q(thread__isnull=True)
        own &= where
    if not library:
        return own
    teams = Group.objects.filter(user__id=owner_id).values("pk")
    return own | Q(library__group__in=teams, thread__isnull=True)


def scope(owner_id: Any, thread_id: Any = None, *, library: bool = True):
    """The ready documents a search may read: the owner's, in this thread (and their
    personal library and their groups' team libraries); with no thread, all of the
    owner's documents and their groups' libraries."""
    return Document.objects.filter(
        _mine_and_my_teams(owner_id, thread_id, library), status=Document.Status.READY
    )


def _sql_in(documents) -> tuple[str, tuple[Any, ...]]:
    sql, params = documents.order_by().values("pk").query.sql_with_params()
    return sql, tuple(params)


def _postgresql(words: list[str], documents, k: int) -> list[tuple[int, float]]:
    in_sql, in_params = _sql_in(documents)
    query = " or ".join(words)
    sql = (
        "SELECT c.id, ts_rank(c.search, q) AS rank "  # noqa: S608
        "FROM rag_chunk c, websearch_to_tsquery('english', %s) q "
        # in_sql is Django's own SQL for the document query; every value is a parameter.
        f"WHERE c.search @@ q AND c.document_id IN ({in_sql}) "
        "ORDER BY rank DESC, c.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (query, *in_params, k))
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def _sqlite(words: list[str], documents, k: int) -> list[tuple[int, float]]:
    in_sql, in_params = _sql_in(documents)
    query = " OR ".join(f'"{word}"' for word in words)
    sql = (
        "SELECT c.id, bm25(rag_chunk_fts) AS score "  # noqa: S608
        "FROM rag_chunk_fts JOIN rag_chunk c ON c.id = rag_chunk_fts.rowid "
        f"WHERE rag_chunk_fts MATCH %s AND c.document_id IN ({in_sql}) "
        "ORDER BY score, c.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (query, *in_params, k))
        # bm25 is lower for a better match; turn it into higher-is-better.
        return [(row[0], -float(row[1])) for row in cursor.fetchall()]


def _anywhere(words: list[str], documents, k: int) -> list[tuple[int, float]]:
    """Other databases: passages containing any of the words, the most words first."""
    where = Q()
    for word in words:
        where |= Q(text__icontains=word)
    scored = []
    for chunk in Chunk.objects.filter(where, document__in=documents).only("id", "text")[:1000]:
        lowered = chunk.text.lower()
        scored.append((chunk.id, float(sum(lowered.count(w) for w in words))))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:k]


def _full_text(words: list[str], documents, k: int) -> list[tuple[int, float]]:
    vendor = connection.vendor
    if vendor == "postgresql":
        return _postgresql(words, documents, k)
    if vendor == "sqlite":
        return _sqlite(words, documents, k)
    return _anywhere(words, documents, k)


def _hybrid(question: str, words: list[str], documents, k: int) -> list[tuple[int, float]]:
    """Full-text and vector rankings fused by reciprocal rank (RRF); full-text alone if
    the embeddings endpoint fails."""
    lexical = _full_text(words, documents, CANDIDATES)
    try:
        [query] = embeddings.embed([question])
    except embeddings.EmbeddingError as error:
        logger.warning("Searching by full text only: %s", error)
        return lexical[:k]
    in_sql, in_params = _sql_in(documents)
    semantic = vectors.nearest(query, in_sql, in_params, CANDIDATES)
    fused: dict[int, float] = {}
    for ranking in (lexical, semantic):
        for rank, (pk, _) in enumerate(ranking):
            fused[pk] = fused.get(pk, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))[:k]


def search(
    question: str, *, owner_id: Any, thread_id: Any = None, k: int = 5, library: bool = True
) -> list[Hit]:
    """The k passages of the owner's documents that best match the question, best first."""
    words = terms(question)
    if not words or k <= 0:
        return []
    documents = scope(owner_id, thread_id, library=library)
    if vectors.enabled():
        ranked = _hybrid(question, words, documents, k)
    else:
        ranked = _full_text(words, documents, k)
    found = Chunk.objects.select_related("document").in_bulk([pk for pk, _ in ranked])
    return [Hit(found[pk], score) for pk, score in ranked if pk in found]


def documents(owner_id: Any, thread_id: Any = None, *, library: bool = True) -> list[Document]:
    """The documents a search in this thread reads, whatever their status."""
    found = Document.objects.filter(_mine_and_my_teams(owner_id, thread_id, library))
    return list(found.order_by("created_at"))
