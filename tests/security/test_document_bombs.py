"""Documents small on disk and enormous once read, sent to a real server's library: each
is refused with a clear reason and the web process stays small, while an ordinary
document is still read. With REDIS_URL set, reading happens on the Celery worker, not in
the web process; on the embedded default, in the web process, within the same bounds."""

from __future__ import annotations

import time

import pytest

from chat.rag.models import Document
from tests.chat.rag.bombs import MB, write_docx_bomb, write_lying_docx, write_pdf_bomb
from tests.chat.rag.files import docx_bytes, pdf_bytes

from .probes import MULTIPART, Memory, Reply, multipart_content, post
from .web_process import signed_in_headers, web_process

pytestmark = pytest.mark.django_db(transaction=True)

MOST_MB = 100
SETTLED = (Document.Status.READY, Document.Status.FAILED)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bombs")
    with (
        django_db_blocker.unblock(),
        web_process(tmp, with_worker=True, MEDIA_ROOT=str(tmp / "media")) as daphne,
    ):
        yield daphne


@pytest.fixture
def send(server, user):
    headers = {**signed_in_headers(user), "Content-Type": MULTIPART, "HX-Request": "true"}

    def send(name: str, data: bytes) -> Reply:
        length, pieces = multipart_content(name, data)
        return post(server.port, "/library/upload/", pieces, length=length, headers=headers)

    return send


def read(name: str, within: float = 120) -> Document:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        document = Document.objects.filter(name=name).first()
        if document is not None and document.status in SETTLED:
            return document
        time.sleep(0.25)
    pytest.fail(f"{name} was not read within {within}s")


def test_a_docx_bomb_is_refused_on_arrival_with_its_reason(server, send, tmp_path):
    bomb = write_docx_bomb(tmp_path / "bomb.docx", compressed_bytes=2 * MB).read_bytes()
    rise, reply = Memory(server.pid).peak_rise_mb(lambda: send("bomb.docx", bomb))
    assert reply.status == 200
    assert b"bomb.docx cannot be read: the document unpacks to more than 100 MB." in reply.body
    assert not Document.objects.exists()
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        (
            "liar.docx",
            lambda path: write_lying_docx(path, expanded_bytes=300 * MB, declared_bytes=50_000),
            "The Word document is damaged or not a .docx file",
        ),
        (
            "bomb.pdf",
            lambda path: write_pdf_bomb(path, expanded_bytes=1000 * MB),
            "Page 1 of the PDF is too large to read once unpacked.",
        ),
    ],
)
def test_a_bomb_that_passes_arrival_fails_as_it_is_read_with_its_reason(
    server, send, tmp_path, name, make, reason
):
    data = make(tmp_path / name).read_bytes()
    assert len(data) < 2 * MB

    def upload_and_read() -> Document:
        assert send(name, data).status == 200
        return read(name)

    rise, document = Memory(server.pid).peak_rise_mb(upload_and_read)
    assert document.status == Document.Status.FAILED
    assert reason in document.error
    assert rise < MOST_MB, f"the web process grew by {rise:.0f} MB"
    if server.worker is not None:
        # Read on the worker: the web process only handed it over.
        assert "read_library_document[" in server.worker.log()


def test_ordinary_documents_are_still_read_by_the_server(server, send):
    assert send("plan.docx", docx_bytes(["The launch is in March."])).status == 200
    assert send("memo.pdf", pdf_bytes([["Budget approved."]])).status == 200
    for name in ("plan.docx", "memo.pdf"):
        document = read(name)
        assert document.status == Document.Status.READY, document.error
        assert document.chunk_count >= 1
