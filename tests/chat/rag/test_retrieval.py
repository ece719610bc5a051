"""Retrieval finds the passage that answers, from the asking user's own documents only.

Runs on both backends: PostgreSQL full-text search and SQLite FTS5.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from chat.rag.index import index_document
from chat.rag.models import Chunk, Document
from chat.rag.retrieval import search, terms
from tests.factories import make_thread, make_user

from .conftest import document_for, upload
from .files import LIBRARY, html_bytes

pytestmark = pytest.mark.django_db(transaction=True)

QUESTIONS = [
    ("How long do I have to return a damaged item?", "refunds.md", "30 days"),
    ("Can gift cards be exchanged for cash?", "refunds.md", "Gift cards cannot"),
    ("Who approves business class flights?", "travel.txt", "director's approval"),
    ("What is the hotel limit in Paris?", "travel.txt", "180 euros"),
    ("When does my laptop screen lock?", "security.html", "five minutes"),
    ("How long must passwords be?", "security.html", "fourteen characters"),
    ("I lost my badge, what now?", "security.html", "reception desk"),
]


def library_bytes(name: str) -> bytes:
    value = LIBRARY[name]
    return html_bytes(*value) if name.endswith(".html") else value.encode()


async def index_library(user, thread, *, library: bool = False) -> list[Document]:
    documents = []
    for name in LIBRARY:
        element = await sync_to_async(upload)(thread, user, name, library_bytes(name))
        document = await sync_to_async(document_for)(element, library=library)
        result = await index_document(document)
        document.status, document.chunk_count = Document.Status.READY, result.chunks
        await document.asave()
        documents.append(document)
    return documents


def top(question: str, **scope):
    return sync_to_async(search)(question, k=3, **scope)


def test_terms_drop_stopwords_and_punctuation():
    assert terms("What is the hotel limit in Paris?") == ["hotel", "limit", "paris"]
    assert terms("the of and") == []
    assert terms('"); DROP TABLE rag_chunk; --') == ["drop", "table", "rag_chunk"]


async def test_the_passage_that_answers_comes_first(settings):
    # Small passages, so that each document is split and the right passage must be found.
    settings.CHAT_RAG_CHUNK_CHARS = 150
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    documents = await index_library(user, thread)
    assert await Chunk.objects.filter(document__in=documents).acount() > len(documents)
    for question, name, expected in QUESTIONS:
        hits = await top(question, owner_id=user.pk, thread_id=thread.pk)
        assert hits, question
        best = hits[0].chunk
        assert (best.document.name, expected in best.text) == (name, True), (question, best.text)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


async def test_nothing_is_found_for_unrelated_words_or_an_empty_question():
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    await index_library(user, thread)
    assert await top("xylophone quantum zebra", owner_id=user.pk, thread_id=thread.pk) == []
    assert await top("   ?! ", owner_id=user.pk, thread_id=thread.pk) == []
    # Search syntax typed by a user is only words here.
    hits = await top('"refund" OR -gift (cards', owner_id=user.pk, thread_id=thread.pk)
    assert hits
    assert hits[0].chunk.document.name == "refunds.md"


async def test_users_only_ever_retrieve_from_their_own_documents():
    alice = await sync_to_async(make_user)()
    mallory = await sync_to_async(make_user)()
    alice_thread = await sync_to_async(make_thread)(alice)
    mallory_thread = await sync_to_async(make_thread)(mallory)
    await index_library(alice, alice_thread)
    question = "What is the hotel limit in Paris?"
    assert await top(question, owner_id=alice.pk, thread_id=alice_thread.pk)
    # Mallory has no documents: nothing, whether in her thread, in Alice's, or anywhere.
    assert await top(question, owner_id=mallory.pk, thread_id=mallory_thread.pk) == []
    assert await top(question, owner_id=mallory.pk, thread_id=alice_thread.pk) == []
    assert await top(question, owner_id=mallory.pk) == []
    # Once she has her own, she finds hers and never Alice's.
    element = await sync_to_async(upload)(
        mallory_thread, mallory, "mine.txt", b"Hotel in Paris: we stay with friends."
    )
    mine = await sync_to_async(document_for)(element)
    await index_document(mine)
    mine.status = Document.Status.READY
    await mine.asave()
    hits = await top(question, owner_id=mallory.pk, thread_id=mallory_thread.pk)
    assert [h.chunk.document_id for h in hits] == [mine.pk]


async def test_a_thread_reads_its_documents_and_the_personal_library():
    user = await sync_to_async(make_user)()
    first = await sync_to_async(make_thread)(user)
    second = await sync_to_async(make_thread)(user)
    await index_library(user, first)
    question = "Who approves business class flights?"
    assert await top(question, owner_id=user.pk, thread_id=first.pk)
    assert await top(question, owner_id=user.pk, thread_id=second.pk) == []
    # A personal library document (no thread) is read from every thread of its owner.
    element = await sync_to_async(upload)(
        second, user, "policy.txt", b"Flights in business class need the CFO's approval."
    )
    library = await sync_to_async(document_for)(element, library=True)
    await index_document(library)
    library.status = Document.Status.READY
    await library.asave()
    for thread in (first, second):
        names = [
            h.chunk.document.name
            for h in await top(question, owner_id=user.pk, thread_id=thread.pk)
        ]
        assert "policy.txt" in names


async def test_documents_not_ready_and_deleted_ones_are_not_searched():
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    documents = await index_library(user, thread)
    refunds = documents[0]
    question = "How long do I have to return a damaged item?"
    refunds.status = Document.Status.FAILED
    await refunds.asave()
    names = [
        h.chunk.document.name for h in await top(question, owner_id=user.pk, thread_id=thread.pk)
    ]
    assert "refunds.md" not in names
    # Deleting the thread deletes its documents, their passages and their index entries.
    await thread.adelete()
    assert await Chunk.objects.acount() == 0
    assert await top(question, owner_id=user.pk) == []


def test_the_admin_lists_documents(admin_client, user, thread):
    document_for(upload(thread, user, "notes.txt", b"Some notes."))
    response = admin_client.get("/admin/rag/document/")
    assert response.status_code == 200
    assert b"notes.txt" in response.content
    assert admin_client.get("/admin/rag/document/add/").status_code == 403
