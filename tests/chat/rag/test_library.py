"""The personal library: documents a user uploads once and asks about from every chat.

Reading runs in this process here, on both backends (a real Celery worker reads them in
tests/test_celery_jobs.py).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import AsyncClient
from django.utils import timezone

from chat.rag import library
from chat.rag.models import Chunk, Document
from tests.drivers import wait_for
from tests.factories import make_thread

from .bombs import MB, write_docx_bomb, write_lying_docx
from .files import LIBRARY, corrupt_pdf_bytes, docx_bytes, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)
DEFAULT = str(Path(__file__).resolve().parents[3] / "chat" / "assistants" / "default.py")


@pytest.fixture
async def client(user) -> AsyncClient:
    client = AsyncClient()
    await client.aforce_login(user)
    return client


async def post_files(client: AsyncClient, *files: tuple[str, bytes], htmx: bool = True):
    uploads = [SimpleUploadedFile(name, data) for name, data in files]
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post("/library/upload/", {"files": uploads}, headers=headers)


async def settled(owner, count: int = 1) -> list[Document]:
    async def done() -> bool:
        finished = Document.objects.filter(
            owner=owner, thread=None, status__in=[Document.Status.READY, Document.Status.FAILED]
        )
        return await finished.acount() >= count

    await wait_for(done, within=30, what=f"{count} library document(s) read")
    return [d async for d in Document.objects.filter(owner=owner, thread=None)]


async def page(client: AsyncClient) -> str:
    response = await client.get("/library/")
    assert response.status_code == 200
    return response.content.decode()


async def test_an_empty_library_says_what_it_is_for(client):
    html = await page(client)
    assert "My documents" in html
    assert "No documents yet" in html


async def test_an_uploaded_document_is_read_and_answers_in_any_chat(
    client, user, use_assistant, open_chat
):
    use_assistant(DEFAULT)
    response = await post_files(client, ("travel.txt", LIBRARY["travel.txt"].encode()))
    assert response.status_code == 200
    # The list comes back at once, polling while the document is read.
    assert "travel.txt" in response.content.decode()
    [document] = await settled(user)
    assert document.status == Document.Status.READY
    assert document.thread_id is None
    assert document.chunk_count >= 1
    assert "Ready · " in await page(client)

    # A conversation that never saw the file finds it in the library.
    thread = await sync_to_async(make_thread)(user)
    chat = await open_chat(thread, user)
    await chat.send("What is the hotel limit in Paris?")
    reply = await chat.last_reply()
    assert "180 euros" in reply.content
    assert "Source: travel.txt" in reply.content


async def test_without_javascript_the_form_posts_and_comes_back(client, user):
    response = await post_files(client, ("refunds.md", LIBRARY["refunds.md"].encode()), htmx=False)
    assert response.status_code == 302
    assert response["Location"] == "/library/"
    await settled(user)
    assert "refunds.md" in await page(client)


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "cannot be read"),
        ("program.exe", b"MZ\x90\x00" + b"\x00\xff" * 64, "cannot be read"),
        ("empty.txt", b"", "is empty"),
    ],
)
async def test_files_that_cannot_be_read_are_refused_with_a_reason(client, user, name, data, says):
    response = await post_files(client, ("good.txt", b"A fine document."), (name, data))
    assert says in response.content.decode()
    # All or nothing: the good file was not kept either.
    assert not await Document.objects.filter(owner=user).aexists()


async def test_without_javascript_a_refused_file_is_said_on_the_page(client, user):
    response = await post_files(client, ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64)), htmx=False)
    assert response.status_code == 302
    html = await page(client)
    assert "cannot be read" in html
    assert not await Document.objects.filter(owner=user).aexists()


async def test_an_oversized_file_is_refused(client, user, settings):
    settings.CHAT_UPLOAD_MAX_MB = 0.001
    response = await post_files(client, ("big.txt", b"word " * 1000))
    assert "too large" in response.content.decode()
    assert not await Document.objects.filter(owner=user).aexists()


async def test_a_damaged_pdf_fails_with_a_reason_and_can_be_tried_again(client, user):
    await post_files(client, ("broken.pdf", corrupt_pdf_bytes()))
    [document] = await settled(user)
    assert document.status == Document.Status.FAILED
    html = await page(client)
    assert "Could not be read" in html
    assert "Try again" in html

    response = await client.post(f"/library/{document.pk}/retry/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    [document] = await settled(user)
    assert document.status == Document.Status.FAILED  # still damaged, still said so


async def test_a_document_whose_reading_stopped_is_shown_failed(client, user, settings):
    await post_files(client, ("notes.pdf", pdf_bytes([["Boilers are serviced in October."]])))
    [document] = await settled(user)
    # As if a worker died half way: processing, and silent for longer than allowed.
    stale = timezone.now() - timedelta(seconds=settings.CHAT_JOB_STALE_SECONDS + 5)
    await Document.objects.filter(pk=document.pk).aupdate(
        status=Document.Status.PROCESSING, updated_at=stale
    )
    assert "stopped half way" in await page(client)
    await document.arefresh_from_db()
    assert document.status == Document.Status.FAILED


async def test_deleting_a_document_removes_its_passages_and_file(client, user):
    await post_files(client, ("refunds.md", LIBRARY["refunds.md"].encode()))
    [document] = await settled(user)
    path = document.file.name
    assert await sync_to_async(default_storage.exists)(path)

    response = await client.post(f"/library/{document.pk}/delete/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "No documents yet" in response.content.decode()
    assert not await Chunk.objects.filter(document_id=document.pk).aexists()
    assert not await sync_to_async(default_storage.exists)(path)


async def test_nobody_else_sees_searches_or_deletes_a_library_document(client, user, other_user):
    await post_files(client, ("travel.txt", LIBRARY["travel.txt"].encode()))
    [document] = await settled(user)

    mallory = AsyncClient()
    await mallory.aforce_login(other_user)
    assert "travel.txt" not in (await mallory.get("/library/")).content.decode()
    for action in ("delete", "retry"):
        response = await mallory.post(f"/library/{document.pk}/{action}/")
        assert response.status_code == 404
    assert await Document.objects.filter(pk=document.pk).aexists()
    found = await library_search(other_user, "hotel limit Paris")
    assert found == []


async def library_search(owner, question: str) -> list:
    from chat.rag.retrieval import search

    return await sync_to_async(search)(question, owner_id=owner.pk)


async def test_signed_out_visitors_are_sent_to_sign_in():
    response = await AsyncClient().get("/library/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_listing_is_newest_first(user):
    older = Document.objects.create(owner=user, name="old.txt", status="ready")
    newer = Document.objects.create(owner=user, name="new.txt", status="ready")
    Document.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert [d.pk for d in library.listing(user)] == [newer.pk, older.pk]


async def test_a_docx_bomb_is_refused_as_it_arrives_and_nothing_is_kept(client, user, tmp_path):
    bomb = write_docx_bomb(tmp_path / "bomb.docx", compressed_bytes=MB).read_bytes()
    response = await post_files(client, ("good.txt", b"A fine document."), ("bomb.docx", bomb))
    assert "bomb.docx cannot be read: the document unpacks to more than 100 MB." in (
        response.content.decode()
    )
    assert not await Document.objects.filter(owner=user).aexists()


async def test_a_docx_unpacking_past_the_limit_as_it_is_read_fails_with_a_reason(
    client, user, tmp_path, settings
):
    # Its declared sizes pass the check on arrival; reading counts the bytes anyway.
    liar = write_lying_docx(tmp_path / "liar.docx", expanded_bytes=20 * MB, declared_bytes=4096)
    await post_files(client, ("liar.docx", liar.read_bytes()))
    [document] = await settled(user)
    assert document.status == Document.Status.FAILED
    assert "damaged" in document.error
    assert "Could not be read" in await page(client)


async def test_a_normal_docx_and_pdf_are_still_read(client, user):
    await post_files(
        client,
        ("plan.docx", docx_bytes(["The launch is in March."], table=[["Owner", "Ada"]])),
        ("memo.pdf", pdf_bytes([["Budget approved."]])),
    )
    documents = await settled(user, count=2)
    assert {d.status for d in documents} == {Document.Status.READY}
    texts = [c.text async for c in Chunk.objects.filter(document__owner=user)]
    assert any("The launch is in March." in t and "Owner | Ada" in t for t in texts)
    assert any("Budget approved." in t for t in texts)
