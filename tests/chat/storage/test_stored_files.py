"""Every stored file through Django's storage API, on local disk and in a bucket (moto's S3
server on 127.0.0.1): uploads, elements made from bytes and from paths, downloads (streamed
or by a presigned URL) only to who may see them, deletion with the thread or the
retention purge, exports and the personal library."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from chat.engine import element_files
from chat.models import Element
from chat.rag import library
from chat.rag.models import Document
from chat.sdk.elements import element_from_record
from chat.storage import local_copies
from chat.threads import export, history, retention

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, thread, name: str, content: bytes) -> Element:
    response = client.post(
        reverse("chat:upload", args=[thread.pk]), {"files": [SimpleUploadedFile(name, content)]}
    )
    assert response.status_code == 200, response.content
    [described] = response.json()["files"]
    return Element.objects.get(pk=described["id"])


def download(client: Client, element: Element):
    return client.get(reverse("chat:element_file", args=[element.pk]))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_an_upload_is_stored_and_streamed_back_only_to_who_may_see_it(
    store, user, other_user, thread
):
    content = b"quarterly numbers\n" * 10_000
    element = upload(signed_in(user), thread, "numbers.txt", content)

    assert store.names() == [element.file.name]
    if store.bucket:
        assert store.server.read(store.bucket, element.file.name) == content
    response = download(signed_in(user), element)
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(content))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == content
    refused = download(signed_in(other_user), element)
    assert refused.status_code == 404
    assert "Location" not in refused


@pytest.mark.django_db
def test_a_bucket_download_can_be_a_short_lived_presigned_redirect(
    bucket_store, settings, user, other_user, thread
):
    settings.CHAT_STORAGE_DOWNLOADS = "redirect"
    settings.CHAT_STORAGE_URL_SECONDS = 30
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    settings.CHAT_UPLOAD_ACCEPT = ["text/*"]
    element = upload(signed_in(user), thread, "page.html", html)

    response = download(signed_in(user), element)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(bucket_store.server.url + "/")
    assert "X-Amz-Expires=30" in location
    # The store answers with the type and disposition the app chose: an HTML file is
    # never shown as a page.
    with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 (our own server)
        assert fetched.read() == html
        assert fetched.headers["Content-Type"].startswith("text/plain")
        assert fetched.headers["Content-Disposition"].startswith("attachment")
    refused = download(signed_in(other_user), element)
    assert refused.status_code == 404
    assert "Location" not in refused


@pytest.mark.django_db
def test_elements_from_bytes_and_from_a_path_go_to_the_storage(store, thread, tmp_path):
    source = tmp_path / "chart.png"
    source.write_bytes(PNG)
    made = []
    for spec in (
        element_files.ElementSource(id="", kind="image", name="from-bytes", content=PNG),
        element_files.ElementSource(id="", kind="image", name="from-path", path=str(source)),
    ):
        element = Element(thread=thread, kind=spec.kind, name=spec.name)
        element_files.fill(element, spec)
        element.save()
        made.append(element)

    assert store.names() == sorted(e.file.name for e in made)
    for element in made:
        assert (element.mime, element.size) == ("image/png", len(PNG))
        with element.file.open("rb") as handle:
            assert handle.read() == PNG


@pytest.mark.django_db
def test_a_hook_gets_a_local_path_that_goes_when_the_hook_ends(store, settings, user, thread):
    element = upload(signed_in(user), thread, "notes.txt", b"read me from a path")
    scope = local_copies.Scope()
    with scope.active():
        public = element_from_record(element)
    assert Path(public.path).read_bytes() == b"read me from a path"
    scope.remove()
    if store.bucket:
        assert not os.path.exists(public.path)
    else:  # on local disk the path is the stored file itself, never removed
        assert Path(public.path).is_relative_to(settings.MEDIA_ROOT)
        assert os.path.exists(public.path)


@pytest.mark.django_db
def test_a_copy_made_outside_a_hook_goes_with_the_element(bucket_store, user, thread):
    import gc

    element = upload(signed_in(user), thread, "notes.txt", b"kept while referenced")
    public = element_from_record(element)
    path = public.path
    assert Path(path).read_bytes() == b"kept while referenced"
    del public
    gc.collect()
    assert not os.path.exists(path)


@pytest.mark.django_db
def test_deleting_a_thread_deletes_its_objects(
    store, user, thread, django_capture_on_commit_callbacks
):
    client = signed_in(user)
    upload(client, thread, "a.txt", b"first")
    upload(client, thread, "b.txt", b"second")
    assert len(store.names()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        history.delete(user, thread.pk)
    assert store.names() == []


@pytest.mark.django_db
def test_the_retention_purge_deletes_the_objects_of_old_threads(
    store, user, thread, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from chat.models import Thread

    upload(signed_in(user), thread, "old.txt", b"old")
    Thread.objects.filter(pk=thread.pk).update(updated_at=timezone.now() - timedelta(days=40))
    with django_capture_on_commit_callbacks(execute=True):
        result = retention.purge(30)
    assert (result.threads, result.files) == (1, 1)
    assert store.names() == []


@pytest.mark.django_db
def test_an_export_describes_the_stored_files(store, user, thread):
    from chat.models import Thread

    element = upload(signed_in(user), thread, "report.txt", b"exported")
    exported = json.loads("".join(export.json_chunks(Thread.objects.filter(pk=thread.pk))))
    [listed] = exported[0]["elements"]
    assert (listed["id"], listed["name"], listed["size"]) == (str(element.pk), "report.txt", 8)


@pytest.mark.django_db(transaction=True)
def test_a_library_document_is_stored_read_and_deleted(store, user):
    from asgiref.sync import async_to_sync

    from chat.engine.uploads import Limits

    text = b"The cafeteria opens at half past seven on weekdays."
    [document] = library.store(
        user, [SimpleUploadedFile("hours.txt", text)], Limits.from_settings()
    )
    assert store.names() == [document.file.name]
    async_to_sync(library.read)(str(document.pk))
    document.refresh_from_db()
    assert document.status == Document.Status.READY, document.error
    assert "cafeteria" in " ".join(document.chunks.values_list("text", flat=True))

    assert library.remove(user, document.pk)
    assert store.names() == []
