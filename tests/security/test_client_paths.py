"""Nothing a client sends makes the server read a local path or fetch a URL (the class of
flaw behind Chainlit's CVE-2026-22218 and CVE-2026-22219, where an element sent by the
browser with a `path` or `url` was read or fetched by the server).

Elements are made only by the assistant's code; from the browser the server takes text,
ids it checks against the thread, and uploaded bytes.
"""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chat.models import Element, Message
from tests.chat.web.test_consumers import path_of
from tests.factories import make_thread
from tests.security.canary import Canary

SECRET = "TOP-SECRET-ON-THE-SERVER-DISK"


@pytest.fixture
def canary():
    server = Canary()
    yield server
    server.stop()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "server-secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_text(thread) -> str:
    """Everything the thread holds: messages, elements' content, urls, names and file bytes."""
    parts = [m.content + json.dumps(m.metadata) for m in Message.objects.filter(thread=thread)]
    for element in Element.objects.filter(thread=thread):
        parts += [element.content, element.url, element.name, json.dumps(element.metadata)]
        if element.file:
            with element.file.open("rb") as handle:
                parts.append(handle.read().decode(errors="replace"))
    return "\n".join(parts)


# -- over the websocket ---------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_a_message_frame_with_element_paths_and_urls_reads_and_fetches_nothing(
    connect,
    user,
    use_assistant,
    canary,
    secret_file,
    media,
):
    use_assistant("echo")
    thread = await sync_to_async(make_thread)(user)
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    element = {"type": "file", "name": "x", "path": str(secret_file), "url": canary.url}
    await socket.send(
        type="message",
        content="hello",
        client_id=uuid.uuid4().hex,
        elements=[element, {**element, "type": "image"}],
        path=str(secret_file),
        url=canary.url,
    )
    await socket.until(lambda f: "echo: " in f and "message--done" in f)
    assert not await Element.objects.filter(thread=thread).aexists()
    assert SECRET not in await sync_to_async(stored_text)(thread)
    assert canary.hits == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "file_ids", [["/etc/passwd"], ["../../etc/passwd"], ["file:///etc/passwd"], "http://127.0.0.1/"]
)
async def test_file_ids_that_are_paths_or_urls_are_refused(
    connect,
    user,
    use_assistant,
    file_ids,
    media,
):
    use_assistant("echo")
    thread = await sync_to_async(make_thread)(user)
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    await socket.send(type="message", content="see", client_id=uuid.uuid4().hex, file_ids=file_ids)
    frame = await socket.until(lambda f: 'id="chat-notice"' in f and "notice--" in f)
    assert "root:" not in frame
    assert not await Element.objects.filter(thread=thread).aexists()


# -- over HTTP ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_upload_with_path_and_url_fields_stores_only_the_uploaded_bytes(
    user, thread, canary, secret_file, media
):
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("chat:upload", args=[thread.id]),
        {
            "files": [SimpleUploadedFile("notes.txt", b"my notes", content_type="text/plain")],
            "path": str(secret_file),
            "url": canary.url,
            "elements": json.dumps([{"path": str(secret_file), "url": canary.url}]),
        },
    )
    assert response.status_code == 200
    (element,) = Element.objects.filter(thread=thread)
    assert element.url == ""
    with element.file.open("rb") as handle:
        assert handle.read() == b"my notes"
    assert SECRET not in stored_text(thread)
    assert canary.hits == []


@pytest.mark.django_db
def test_an_element_with_only_a_url_is_never_fetched_by_the_server(user, thread, canary, media):
    element = Element.objects.create(thread=thread, kind="image", name="pic", url=canary.url)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("chat:element_file", args=[element.id])).status_code == 404
    page = client.get(reverse("chat:element", args=[element.id]))
    assert page.status_code == 200
    assert client.get(reverse("chat:thread", args=[thread.id])).status_code == 200
    assert canary.hits == []


@pytest.mark.django_db
def test_query_parameters_cannot_point_file_serving_at_a_path(user, thread, secret_file, media):
    element = Element.objects.create(thread=thread, kind="text", name="t", content="hello")
    client = Client()
    client.force_login(user)
    for query in (f"?path={secret_file}", f"?name={secret_file}", "?file=../../etc/passwd"):
        response = client.get(reverse("chat:element_file", args=[element.id]) + query)
        assert b"".join(response.streaming_content) == b"hello"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "element_id", ["..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "file:%2F%2F%2Fetc"]
)
def test_element_ids_that_are_paths_find_nothing(user, element_id, media):
    client = Client()
    client.force_login(user)
    response = client.get(f"/elements/{element_id}/file/")
    assert response.status_code == 404
    assert b"root:" not in response.content
