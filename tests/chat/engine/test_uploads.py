"""Uploads: checked (size, count, type sniffed from the content), stored under a clean name,
only into the user's own threads, and handed to on_message as message.elements."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chat.engine import uploads
from chat.models import Element, Message
from chatproject.asgi import application
from tests.chat.web.test_consumers import ORIGIN, Socket, path_of, session_cookie
from tests.drivers import wait_for

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def signed_in(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def upload_url(thread) -> str:
    return reverse("chat:upload", args=[thread.pk])


def post(client: Client, thread, *files: tuple[str, bytes], **extra):
    return client.post(
        upload_url(thread),
        {"files": [SimpleUploadedFile(name, content) for name, content in files]},
        **extra,
    )


# -- what is accepted, and how it is described -------------------------------------------------
@pytest.mark.django_db
def test_an_upload_is_stored_pending_and_described_in_json(user, thread, media_root):
    response = post(signed_in(user), thread, ("notes.txt", b"hello world"))
    assert response.status_code == 200
    [described] = response.json()["files"]
    element = Element.objects.get(pk=described["id"])
    assert described == {
        "id": str(element.pk),
        "name": "notes.txt",
        "size": 11,
        "type": "text/plain",
    }
    assert (element.thread_id, element.message_id, element.kind) == (thread.pk, None, "file")
    assert element.metadata == {"upload": "pending", "uploader": user.pk}
    assert default_storage.open(element.file.name).read() == b"hello world"
    assert Path(default_storage.path(element.file.name)).is_relative_to(media_root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "mime", "kind"),
    [
        ("notes.txt", PNG, "image/png", "image"),
        ("report.pdf", HTML, "text/html", "file"),
        ("picture.png", PDF, "application/pdf", "pdf"),
        ("readme.md", b"# Title\n", "text/markdown", "file"),
        ("no-extension", b"plain words", "text/plain", "file"),
    ],
)
def test_the_type_comes_from_the_content_not_the_name(user, thread, name, content, mime, kind):
    response = post(signed_in(user), thread, (name, content))
    assert response.status_code == 200
    [described] = response.json()["files"]
    assert (described["name"], described["type"]) == (name, mime)
    element = Element.objects.get(pk=described["id"])
    assert (element.mime, element.kind) == (mime, kind)


@pytest.mark.django_db
def test_an_html_file_named_pdf_is_never_served_as_html(user, thread):
    client = signed_in(user)
    [described] = post(client, thread, ("report.pdf", HTML)).json()["files"]
    served = client.get(reverse("chat:element_file", args=[described["id"]]))
    assert served.status_code == 200
    assert not served["Content-Type"].startswith(("text/html", "application/pdf"))
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("tool.txt", ELF, "application/x-executable"),
        ("invoice.pdf", WINDOWS_EXE, "application/x-msdownload"),
        ("data.csv", b"\x00\x01\x02binary\xff\xfe", "application/octet-stream"),
    ],
)
def test_executables_and_binaries_are_refused_whatever_their_name(
    user, thread, media_root, name, content, mime
):
    response = post(signed_in(user), thread, (name, content))
    assert response.status_code == 400
    assert response.json() == {"error": f"{name}: files of type {mime} are not accepted here."}
    assert not Element.objects.exists()
    assert stored_files(media_root) == []


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body with the file name exactly as a client may send it."""
    boundary = "----chat-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/abs/path/notes.txt", "notes.txt"),
        # Nothing safe left for the disk: the file is still stored, under "file".
        ("+++", "+++"),
    ],
)
def test_a_path_in_the_name_is_stored_under_a_clean_name(user, thread, media_root, name, clean):
    body, content_type = multipart(name, b"root:x:0:0")
    response = signed_in(user).post(upload_url(thread), body, content_type=content_type)
    assert response.status_code == 200
    [described] = response.json()["files"]
    assert described["name"] == clean
    element = Element.objects.get(pk=described["id"])
    assert element.name == clean
    [path] = stored_files(media_root)
    assert path.is_relative_to(media_root / "uploads" / str(thread.pk))
    assert path.name == (clean if clean != "+++" else "file")
    assert ".." not in element.file.name
    assert path.read_bytes() == b"root:x:0:0"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "clean"),
    [("../../etc/passwd", "passwd"), ("..", "file"), ("new\nline.txt", "newline.txt")],
)
def test_store_cleans_any_name_it_is_given(user, thread, media_root, name, clean):
    """Whatever the multipart parser lets through, the service cleans the name itself."""
    upload = SimpleUploadedFile("placeholder.txt", b"content")
    upload._name = name  # as a parser that kept the path would hand it over
    [element] = uploads.store(thread, user, [upload], uploads.Limits.from_settings())
    assert element.name == clean
    [path] = stored_files(media_root)
    assert path.is_relative_to(media_root / "uploads" / str(thread.pk))


def test_clean_name_keeps_only_the_last_part():
    assert uploads.clean_name("a/b/../../../c.txt") == "c.txt"
    assert uploads.clean_name("C:\\Users\\me\\secret.docx") == "secret.docx"
    assert uploads.clean_name("") == "file"
    assert len(uploads.clean_name("x" * 500 + ".txt")) == 200


# -- limits ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_oversized_file_is_refused_and_nothing_is_stored(user, thread, media_root, settings):
    settings.CHAT_UPLOAD_MAX_MB = 0.5
    big = b"a" * 600_000
    response = post(signed_in(user), thread, ("small.txt", b"fine"), ("big.txt", big))
    assert response.status_code == 400
    assert response.json() == {"error": "big.txt is too large (at most 0.5 MB)."}
    # All or nothing: the small file of the same upload is not kept either.
    assert not Element.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_an_empty_file_is_refused(user, thread):
    response = post(signed_in(user), thread, ("empty.txt", b""))
    assert response.status_code == 400
    assert response.json()["error"] == "empty.txt is empty."


@pytest.mark.django_db
def test_no_file_is_refused(user, thread):
    response = signed_in(user).post(upload_url(thread), {})
    assert response.status_code == 400
    assert response.json() == {"error": "No file was sent."}


@pytest.mark.django_db
def test_too_many_files_are_refused_counting_those_still_pending(
    user, thread, media_root, settings
):
    settings.CHAT_UPLOAD_MAX_FILES = 2
    client = signed_in(user)
    response = post(client, thread, *[(f"{i}.txt", b"x") for i in range(3)])
    assert response.status_code == 400
    assert response.json() == {"error": "At most 2 files can be sent at once."}
    assert not Element.objects.exists()
    assert stored_files(media_root) == []

    assert post(client, thread, ("one.txt", b"x")).status_code == 200
    assert post(client, thread, ("two.txt", b"x")).status_code == 200
    # Two are waiting for a message already: a third is one too many.
    third = post(client, thread, ("three.txt", b"x"))
    assert third.status_code == 400
    assert "At most 2" in third.json()["error"]
    assert Element.objects.count() == 2


# -- who may upload --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_another_users_thread_is_not_found(thread, other_user, media_root):
    response = post(signed_in(other_user), thread, ("notes.txt", b"mine now"))
    assert response.status_code == 404
    assert not Element.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize("thread_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_a_missing_thread_is_not_found(user, thread_id):
    response = signed_in(user).post(
        f"/threads/{thread_id}/uploads/", {"files": [SimpleUploadedFile("a.txt", b"a")]}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, thread):
    response = post(client, thread, ("notes.txt", b"x"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Element.objects.exists()


@pytest.mark.django_db
def test_uploads_are_post_only(user, thread):
    assert signed_in(user).get(upload_url(thread)).status_code == 405


@pytest.mark.django_db
def test_an_upload_without_the_csrf_token_is_refused(user, thread):
    client = signed_in(user, enforce_csrf_checks=True)
    response = post(client, thread, ("notes.txt", b"x"))
    assert response.status_code == 403
    assert not Element.objects.exists()


@pytest.mark.django_db
def test_an_upload_with_the_pages_csrf_header_is_accepted(user, thread):
    """The page sends the token in X-CSRFToken, read from <body hx-headers>."""
    client = signed_in(user, enforce_csrf_checks=True)
    page = client.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = post(client, thread, ("notes.txt", b"x"), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


# -- files sent with a message ---------------------------------------------------------------------
def is_file(path: str) -> bool:
    return Path(path).is_file()


@sync_to_async
def upload(thread, user, *files: tuple[str, bytes]) -> list[str]:
    response = post(signed_in(user), thread, *files)
    assert response.status_code == 200, response.content
    return [f["id"] for f in response.json()["files"]]


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("attachments")
    return await open_chat(thread, user)


@pytest.mark.django_db(transaction=True)
async def test_files_sent_with_a_message_arrive_as_its_elements(chat, user):
    ids = await upload(chat.thread, user, ("notes.txt", b"some notes"), ("pixel.txt", PNG))
    await chat.session.receive_message("read these", uuid.uuid4().hex, tuple(ids))
    await chat.idle()

    [received] = chat.session.user_session["received"]
    assert received["content"] == "read these"
    notes, pixel = received["files"]
    assert (notes["class"], notes["id"], notes["name"], notes["mime"]) == (
        "File",
        ids[0],
        "notes.txt",
        "text/plain",
    )
    assert notes["text"] == "some notes"
    assert is_file(notes["path"])
    # Sniffed as an image, so it comes as a cl.Image whatever its name says.
    assert (pixel["class"], pixel["mime"]) == ("Image", "image/png")

    # The files now belong to the user's message, and are shown under it.
    [message] = [m async for m in Message.objects.filter(thread=chat.thread, author_kind="user")]
    assert {e.message_id async for e in Element.objects.filter(pk__in=ids)} == {message.id}
    assert {e.metadata["upload"] async for e in Element.objects.filter(pk__in=ids)} == {"attached"}
    # (Its first frame, the echo, also hides the starters: the message redrawn is the one.)
    redrawn = re.compile(rf'<article id="m-{message.id}"[^>]*hx-swap-oob="outerHTML"')
    shown = await chat.tab.until(lambda f: redrawn.search(f) is not None)
    assert "notes.txt" in shown
    assert (await chat.last_reply()).content == "read these: notes.txt, pixel.txt"


@pytest.mark.django_db(transaction=True)
async def test_files_alone_make_a_message(chat, user):
    [file_id] = await upload(chat.thread, user, ("alone.txt", b"just a file"))
    await chat.session.receive_message("", uuid.uuid4().hex, (file_id,))
    await chat.idle()
    [received] = chat.session.user_session["received"]
    assert (received["content"], [f["name"] for f in received["files"]]) == ("", ["alone.txt"])


@pytest.mark.django_db(transaction=True)
async def test_a_file_is_taken_by_one_message_only(chat, user):
    [file_id] = await upload(chat.thread, user, ("once.txt", b"once"))
    await chat.session.receive_message("first", uuid.uuid4().hex, (file_id,))
    await chat.idle()
    with pytest.raises(uploads.UploadRefused, match="upload it again"):
        await chat.session.receive_message("second", uuid.uuid4().hex, (file_id,))
    assert [m.content async for m in Message.objects.filter(author_kind="user")] == ["first"]


@pytest.mark.django_db(transaction=True)
async def test_a_file_of_another_thread_cannot_be_sent_with_a_message(chat, user):
    from chat.models import Thread

    elsewhere = await Thread.objects.acreate(owner=user)
    [file_id] = await upload(elsewhere, user, ("elsewhere.txt", b"not here"))
    with pytest.raises(uploads.UploadRefused):
        await chat.session.receive_message("steal", uuid.uuid4().hex, (file_id,))
    assert (await Element.objects.aget(pk=file_id)).message_id is None


@pytest.mark.django_db(transaction=True)
async def test_a_message_frame_with_file_ids_reaches_on_message(
    background, use_assistant, thread, user
):
    use_assistant("attachments")
    ids = await upload(thread, user, ("a.txt", b"alpha"), ("b.txt", b"beta"))
    communicator = WebsocketCommunicator(
        application, path_of(thread), headers=[ORIGIN, (b"cookie", await session_cookie(user))]
    )
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    tab = Socket(communicator)
    try:
        await tab.until(lambda f: 'id="messages"' in f)
        await tab.send(type="message", content="two files", client_id="c1", file_ids=",".join(ids))
        await tab.until(lambda f: "two files: a.txt, b.txt" in f)

        # A file id that is not a pending upload of this thread gets a clear notice.
        await tab.send(type="message", content="again", client_id="c2", file_ids=str(uuid.uuid4()))
        text = await tab.until(lambda f: 'id="chat-notice"' in f and "notice--error" in f)
        assert "upload it again" in text
    finally:
        await communicator.disconnect(timeout=5)

    async def user_rows():
        return [m.content async for m in Message.objects.filter(thread=thread, author_kind="user")]

    await wait_for(lambda: True)
    assert await user_rows() == ["two files"]
