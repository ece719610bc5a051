"""Hybrid retrieval (full-text + pgvector HNSW) against a real PostgreSQL with pgvector.

Not collected on its own (its name does not start with test_): test_vectors.py runs it
in a pytest of its own, whose DATABASE_URL is a PostgreSQL 16 + pgvector that it starts
(the pgserver package), with the fake embeddings server of fake_embeddings.py.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from chat.rag import vectors
from chat.rag.index import index_document
from chat.rag.models import Chunk, Document
from chat.rag.retrieval import search
from tests.factories import make_thread, make_user

from .conftest import document_for, upload
from .fake_embeddings import DIMENSIONS, EmbeddingsServer
from .test_retrieval import QUESTIONS, index_library

pytestmark = pytest.mark.django_db(transaction=True)

FLEET = b"Company cars are leased for three years and then returned."


@pytest.fixture(scope="session")
def embeddings_server():
    with EmbeddingsServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _vectors_on(settings, embeddings_server):
    assert connection.vendor == "postgresql"
    settings.CHAT_RAG_EMBEDDINGS_URL = embeddings_server.url
    settings.CHAT_RAG_EMBEDDINGS_KEY = "test-key"
    settings.CHAT_RAG_EMBEDDINGS_DIMENSIONS = DIMENSIONS
    embeddings_server.failing = False


def top(question: str, **scope):
    return sync_to_async(search)(question, k=3, **scope)


@sync_to_async
def vector_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM rag_chunk_embedding")
        return cursor.fetchone()[0]


async def add(user, thread, name: str, data: bytes) -> Document:
    element = await sync_to_async(upload)(thread, user, name, data)
    document = await sync_to_async(document_for)(element)
    result = await index_document(document)
    document.status, document.chunk_count = Document.Status.READY, result.chunks
    await document.asave()
    return document


async def test_passages_get_vectors_in_an_hnsw_index():
    assert await sync_to_async(vectors.enabled)()
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    documents = await index_library(user, thread)
    assert await vector_rows() == await Chunk.objects.filter(document__in=documents).acount()

    @sync_to_async
    def index_method() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'rag_chunk_embedding_hnsw'"
            )
            return cursor.fetchone()[0]

    assert "USING hnsw (embedding vector_cosine_ops)" in await index_method()
    # A passage's vector goes with it.
    await documents[0].adelete()
    assert await vector_rows() == await Chunk.objects.acount()


async def test_hybrid_finds_a_passage_that_shares_no_word_with_the_question(settings):
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    await index_library(user, thread)
    fleet = await add(user, thread, "fleet.txt", FLEET)
    question = "automobile lifetime"
    hits = await top(question, owner_id=user.pk, thread_id=thread.pk)
    assert hits
    assert hits[0].chunk.document_id == fleet.pk
    # Full-text search alone finds nothing: no word of the question is in the documents.
    settings.CHAT_RAG_EMBEDDINGS_URL = ""
    assert await top(question, owner_id=user.pk, thread_id=thread.pk) == []


async def test_hybrid_keeps_the_right_passage_for_plain_questions(settings):
    settings.CHAT_RAG_CHUNK_CHARS = 150
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    await index_library(user, thread)
    for question, name, expected in QUESTIONS:
        best = (await top(question, owner_id=user.pk, thread_id=thread.pk))[0].chunk
        assert (best.document.name, expected in best.text) == (name, True), (question, best.text)


async def test_vectors_never_cross_users():
    alice = await sync_to_async(make_user)()
    mallory = await sync_to_async(make_user)()
    alice_thread = await sync_to_async(make_thread)(alice)
    mallory_thread = await sync_to_async(make_thread)(mallory)
    await add(alice, alice_thread, "fleet.txt", FLEET)
    assert await top("automobile", owner_id=mallory.pk, thread_id=mallory_thread.pk) == []
    assert await top("automobile", owner_id=mallory.pk, thread_id=alice_thread.pk) == []
    assert await top("automobile", owner_id=mallory.pk) == []


async def test_vectors_of_private_and_team_libraries_reach_their_readers_only():
    from django.contrib.auth.models import Group

    from chat.rag.models import TeamLibrary

    @sync_to_async
    def people():
        fleet = Group.objects.create(name="fleet")
        team = TeamLibrary.objects.create(group=fleet)
        alice, bob, carol = make_user(), make_user(), make_user()
        alice.groups.add(fleet)
        bob.groups.add(fleet)
        return team, alice, bob, carol, fleet

    team, alice, bob, carol, fleet = await people()
    alice_thread = await sync_to_async(make_thread)(alice)
    private = await add(alice, alice_thread, "fleet.txt", FLEET)
    await Document.objects.filter(pk=private.pk).aupdate(thread=None)  # her personal library
    shared = await add(alice, alice_thread, "pool.txt", b"Pool vehicles are booked a week ahead.")
    await Document.objects.filter(pk=shared.pk).aupdate(thread=None, library=team)
    # "automobile" shares no word with either: only the vectors can find them.
    names = [h.chunk.document.name for h in await top("automobile", owner_id=alice.pk)]
    assert set(names) == {"fleet.txt", "pool.txt"}
    for person in (bob, carol):
        thread = await sync_to_async(make_thread)(person)
        for scope in ({"owner_id": person.pk}, {"owner_id": person.pk, "thread_id": thread.pk}):
            names = [h.chunk.document.name for h in await top("automobile", **scope)]
            assert "fleet.txt" not in names
            assert ("pool.txt" in names) is (person is bob)
    await sync_to_async(bob.groups.remove)(fleet)
    assert await top("automobile", owner_id=bob.pk) == []


async def test_a_failing_endpoint_leaves_full_text_search(embeddings_server):
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    embeddings_server.failing = True
    element = await sync_to_async(upload)(thread, user, "fleet.txt", FLEET)
    document = await sync_to_async(document_for)(element)
    result = await index_document(document)
    assert result.vectors is False
    assert result.chunks == 1
    document.status = Document.Status.READY
    await document.asave()
    assert await vector_rows() == 0
    hits = await top("How long are company cars leased?", owner_id=user.pk, thread_id=thread.pk)
    assert [h.chunk.document_id for h in hits] == [document.pk]
