"""Documents uploaded to a thread are read by a job, with progress in the thread; the
default assistant then answers questions from them and cites its sources.

Jobs run in this process here, on both backends (the Celery worker path is covered by
tests/test_celery_jobs.py).
"""

from __future__ import annotations

import time
import tracemalloc
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import UploadedFile

from chat.engine import control, uploads
from chat.models import Element, Job, Message
from chat.rag import index, ingest
from chat.rag.extract import Segment
from chat.rag.models import Chunk, Document
from chat.sdk import rag as sdk_rag
from tests.drivers import wait_for

from .bombs import MB, write_docx_bomb, write_pdf_bomb
from .conftest import upload
from .files import (
    LIBRARY,
    corrupt_pdf_bytes,
    docx_bytes,
    encrypted_pdf_bytes,
    html_bytes,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db(transaction=True)
# A 1x1 PNG: a file, but no document.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
FACT = "The boiler is serviced every October by Heatwell."
# A first page long enough that the second page gets passages of its own.
COVER = ["This cover page introduces the yearly maintenance plan."] * 20
FILLER = ["Filler line about nothing in particular."] * 12
DEFAULT = str(Path(__file__).resolve().parents[3] / "chat" / "assistants" / "default.py")


@pytest.fixture
def default_assistant(use_assistant):
    use_assistant(DEFAULT)


async def send_files(chat, *elements: Element, text: str = "") -> None:
    await chat.session.receive_message(text, uuid.uuid4().hex, tuple(str(e.pk) for e in elements))
    await chat.idle()


async def settled(thread_id, count: int = 1, within: float = 30.0) -> list[Document]:
    """Waits until `count` documents of the thread are read (or failed), and their jobs ended."""

    async def done() -> bool:
        documents = Document.objects.filter(thread_id=thread_id)
        finished = documents.filter(status__in=[Document.Status.READY, Document.Status.FAILED])
        jobs_running = Job.objects.filter(
            thread_id=thread_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
        )
        return await finished.acount() >= count and not await jobs_running.aexists()

    await wait_for(done, within=within, what=f"{count} document(s) read")
    return [d async for d in Document.objects.filter(thread_id=thread_id).order_by("created_at")]


async def texts(thread_id) -> list[str]:
    return [m.content async for m in Message.objects.filter(thread_id=thread_id).order_by("order")]


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("notes.txt", FACT.encode(), "text/plain"),
        ("notes.md", b"# Boiler\n\n" + FACT.encode(), "text/markdown"),
        ("notes.html", html_bytes("Boiler", [FACT]), "text/html"),
        ("notes.pdf", pdf_bytes([COVER, [FACT, *FILLER]]), "application/pdf"),
        ("notes.docx", docx_bytes(["Boiler", FACT]),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)  # fmt: skip
async def test_each_kind_of_document_is_read_and_answers(
    default_assistant, open_chat, user, thread, name, data, mime
):
    element = await sync_to_async(upload)(thread, user, name, data)
    assert element.mime == mime  # sniffed from the content
    chat = await open_chat(thread, user)
    await send_files(chat, element)
    [document] = await settled(thread.pk)
    assert (document.status, document.error) == (Document.Status.READY, "")
    assert document.owner_id == user.pk
    assert document.chunk_count >= 1
    # Progress was shown: a task list under the ingestion's message, finished.
    task_list = await Element.objects.aget(thread=thread, kind="tasklist")
    assert '"status": "Ready"' in task_list.content
    assert f"**{name}** is ready" in "\n".join(await texts(thread.pk))

    await chat.send("When is the boiler serviced?")
    reply = await chat.last_reply()
    assert "October" in reply.content
    sources = [e async for e in Element.objects.filter(message=reply)]
    assert sources
    assert all(s.display == "side" and s.kind == "text" for s in sources)
    assert sources[0].name.startswith(name)
    assert "Heatwell" in sources[0].content
    # The answer names its source, so the name links to the side panel.
    assert sources[0].name in reply.content
    if name.endswith(".pdf"):
        assert "page 2" in sources[0].name


async def test_answers_quote_the_right_document_and_other_commands_still_work(
    default_assistant, open_chat, user, thread
):
    elements = [
        await sync_to_async(upload)(thread, user, "refunds.md", LIBRARY["refunds.md"].encode()),
        await sync_to_async(upload)(thread, user, "travel.txt", LIBRARY["travel.txt"].encode()),
    ]
    chat = await open_chat(thread, user)
    await send_files(chat, *elements)
    await settled(thread.pk, count=2)
    await chat.send("What is the hotel limit in Paris?")
    reply = await chat.last_reply()
    assert "180 euros" in reply.content
    assert "Source: travel.txt" in reply.content
    await chat.send("echo still here")
    assert (await chat.last_reply()).content == "still here"


async def test_two_documents_sent_together_get_one_answer_with_one_task_list(
    default_assistant, open_chat, user, thread
):
    elements = [
        await sync_to_async(upload)(thread, user, "refunds.md", LIBRARY["refunds.md"].encode()),
        await sync_to_async(upload)(thread, user, "travel.txt", LIBRARY["travel.txt"].encode()),
    ]
    chat = await open_chat(thread, user)
    await send_files(chat, *elements)
    documents = await settled(thread.pk, count=2)

    assert [d.status for d in documents] == [Document.Status.READY] * 2
    sent = await Message.objects.aget(thread=thread, author_kind=Message.Author.USER)
    answers = Message.objects.filter(thread=thread, order__gt=sent.order)
    [answer] = [m async for m in answers]
    assert "**refunds.md** is ready" in answer.content
    assert "**travel.txt** is ready" in answer.content
    assert answer.content.endswith("Ask me about them.")
    [task_list] = [e async for e in Element.objects.filter(thread=thread, kind="tasklist")]
    assert task_list.message_id == answer.pk
    assert task_list.content.count('"status": "done"') == 4
    assert await Job.objects.filter(thread=thread).acount() == 1


async def test_a_file_that_is_no_document_is_named_in_one_answer(
    default_assistant, open_chat, user, thread
):
    element = await sync_to_async(upload)(thread, user, "pixel.png", PNG)
    chat = await open_chat(thread, user)
    await send_files(chat, element)
    assert (await chat.last_reply()).content == "You sent **pixel.png**."


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("broken.pdf", corrupt_pdf_bytes(), "damaged"),
        ("locked.pdf", encrypted_pdf_bytes(), "protected by a password"),
        ("blank.txt", b" \n\n \t \n", "no text was found"),
        ("scan.pdf", pdf_bytes([[], []]), "no text was found"),
    ],
)
async def test_a_file_that_cannot_be_read_says_why_in_the_thread(
    default_assistant, open_chat, user, thread, name, data, reason
):
    element = await sync_to_async(upload)(thread, user, name, data)
    chat = await open_chat(thread, user)
    await send_files(chat, element)
    [document] = await settled(thread.pk)
    assert document.status == Document.Status.FAILED
    assert reason in document.error
    assert any(f"I could not read **{name}**" in t and reason in t for t in await texts(thread.pk))
    task_list = await Element.objects.aget(thread=thread, kind="tasklist")
    assert '"status": "Failed"' in task_list.content
    # The job itself ended normally: the file is the problem, and a retry would not help.
    assert await Job.objects.filter(thread=thread, status=Job.Status.DONE).aexists()
    # Questions then say that nothing can be answered from it, without crashing.
    await chat.send("What does it say?")
    assert (await chat.last_reply()).content  # some answer, no error
    assert not await Message.objects.filter(thread=thread, is_error=True).aexists()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        (
            "bomb.docx",
            lambda path: write_docx_bomb(path, compressed_bytes=MB),
            "the document unpacks to more than 100 MB",
        ),
        (
            "bomb.pdf",
            lambda path: write_pdf_bomb(path, expanded_bytes=1000 * MB),
            "page 1 of the PDF is too large to read once unpacked",
        ),
    ],
)
async def test_a_document_bomb_in_a_thread_says_why_and_the_chat_goes_on(
    default_assistant, open_chat, user, thread, tmp_path, name, make, reason
):
    data = make(tmp_path / name).read_bytes()
    element = await sync_to_async(upload)(thread, user, name, data)
    chat = await open_chat(thread, user)
    await send_files(chat, element)
    [document] = await settled(thread.pk)
    assert document.status == Document.Status.FAILED
    assert any(f"I could not read **{name}**: {reason}." in t for t in await texts(thread.pk))
    await chat.send("echo still here")
    assert (await chat.last_reply()).content == "still here"


def test_an_empty_upload_is_refused(user, thread, tmp_path):
    with pytest.raises(uploads.UploadRefused, match="empty"):
        upload(thread, user, "empty.txt", b"")


def _big_text_file(path: Path, megabytes: int) -> Path:
    line = b"The quick brown fox jumps over the lazy dog near the river bank.\n"
    block = line * (1024 * 1024 // len(line) + 1)
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(block[: 1024 * 1024])
    return path


def test_a_50_mb_text_file_is_refused_at_upload_over_the_limit(user, thread, tmp_path, settings):
    path = _big_text_file(tmp_path / "big.txt", 50)
    with path.open("rb") as raw:
        big = UploadedFile(raw, name="big.txt", size=path.stat().st_size)
        with pytest.raises(uploads.UploadRefused, match="too large"):
            uploads.store(thread, user, [big], uploads.Limits.from_settings())


async def test_a_50_mb_text_file_is_read_in_bounded_memory(
    default_assistant, open_chat, user, thread, tmp_path, settings
):
    """Past the upload limit (raised here) a huge file is read block by block, and only
    up to CHAT_RAG_MAX_CHARS: the rest is left out, and the thread says so."""
    settings.CHAT_RAG_MAX_CHARS = 400_000
    settings.CHAT_UPLOAD_MAX_MB = 60
    path = _big_text_file(tmp_path / "big.txt", 50)
    limits = uploads.Limits(accept=("text/*",), max_bytes=60 * 1024 * 1024, max_files=1)

    def store():
        with path.open("rb") as raw:
            return uploads.store(
                thread, user, [UploadedFile(raw, name="big.txt", size=path.stat().st_size)], limits
            )[0]

    [element] = [await sync_to_async(store)()]
    chat = await open_chat(thread, user)
    tracemalloc.start()
    try:
        await send_files(chat, element)
        [document] = await settled(thread.pk, within=60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document.status == Document.Status.READY
    assert document.truncated
    assert document.char_count == 400_000
    assert await Chunk.objects.filter(document=document).acount() == document.chunk_count
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert any("only its first 400,000 characters" in t for t in await texts(thread.pk))


async def test_a_document_is_read_once_and_retry_reads_it_again(
    default_assistant, open_chat, user, thread, monkeypatch
):
    """An unexpected failure is a failed job with Retry; the retry reads the document."""
    element = await sync_to_async(upload)(thread, user, "notes.txt", b"Fish swim in the sea.")
    real = index.extract
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(index, "extract", flaky)
    chat = await open_chat(thread, user)
    await send_files(chat, element)
    [document] = await settled(thread.pk)
    assert document.status == Document.Status.FAILED
    assert "disk hiccup" in document.error
    errors = Message.objects.filter(thread=thread, is_error=True)
    await wait_for(errors.aexists, within=10, what="the failure message")
    failure = await errors.aget()
    assert "disk hiccup" in failure.content
    [retry] = failure.metadata["actions"]
    # Asking to read the same file again does not start a second reading.
    assert await ingest.start(thread.pk, [str(element.pk)]) == []
    assert await Document.objects.filter(element=element).acount() == 1

    await chat.session.click_action(str(failure.pk), retry["id"])
    await wait_for(
        lambda: Document.objects.filter(pk=document.pk, status=Document.Status.READY).aexists(),
        within=20,
        what="the retried reading",
    )
    await chat.send("Where do fish swim?")
    assert "sea" in (await chat.last_reply()).content


async def test_stop_stops_a_reading_and_says_so(
    default_assistant, open_chat, user, thread, monkeypatch
):
    def slow(*args, **kwargs):
        for i in range(400):
            time.sleep(0.01)
            yield Segment(f"Paragraph {i} about slow reading. " * 20 + "\n\n")

    monkeypatch.setattr(index, "extract", slow)
    monkeypatch.setattr(index, "BATCH", 2)
    element = await sync_to_async(upload)(thread, user, "slow.txt", b"Anything.")
    chat = await open_chat(thread, user)
    await send_files(chat, element)
    document = await Document.objects.aget(element=element)
    await wait_for(
        lambda: Chunk.objects.filter(document=document).aexists(), what="a first passage"
    )
    await control.request_stop(thread.pk)
    [document] = await settled(thread.pk)
    assert (document.status, document.error) == (Document.Status.FAILED, "stopped")
    assert await Job.objects.filter(thread=thread, status=Job.Status.STOPPED).aexists()
    assert any(t == "I stopped reading **slow.txt**." for t in await texts(thread.pk))
    task_list = await Element.objects.aget(thread=thread, kind="tasklist")
    assert '"status": "Stopped"' in task_list.content


@pytest.mark.parametrize(
    ("language", "count", "wording"),
    [
        ("en", 1, "**a.txt** is ready: 1 passage indexed."),
        ("en", 2, "**a.txt** is ready: 2 passages indexed."),
        ("fr", 1, "**a.txt** est prêt : 1 passage indexé."),
        ("de", 5, "**a.txt** ist bereit: 5 Abschnitte erfasst."),
        ("ar", 2, "**a.txt** جاهز: 2 مقطعان مفهرسان."),
        ("ar", 3, "**a.txt** جاهز: 3 مقاطع مفهرسة."),
        ("ar", 11, "**a.txt** جاهز: 11 مقطعًا مفهرسًا."),
    ],
)
def test_a_read_document_counts_its_passages_in_the_users_language(language, count, wording):
    from django.utils import translation

    document = Document(name="a.txt", chunk_count=count)
    with translation.override(language):
        # The reading job, written with the public API, words it.
        assert sdk_rag._ready_line(document, None) == wording


@pytest.mark.parametrize(
    ("language", "read", "index"),
    [
        ("en", "Read a.txt", "Split a.txt into passages and index them"),
        ("ja", "a.txt を読み込む", "a.txt をパッセージに分割して索引に登録"),
        ("pl", "Odczytaj a.txt", "Podziel a.txt na fragmenty i zaindeksuj je"),
    ],
)
def test_a_document_s_reading_tasks_are_named_in_the_users_language(language, read, index):
    from django.utils import translation

    with translation.override(language):
        reading = sdk_rag._Reading(Document(name="a.txt"))
    assert (reading.read.title, reading.index.title) == (read, index)
