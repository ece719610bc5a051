"""Uploads cannot escape their folder or run as pages of this site: names are cut to a
file name, types are sniffed from the bytes, and every file is served with
Content-Disposition, nosniff and a sandbox, never as HTML from our origin."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chat.models import Element

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
# A GIF header followed by HTML and script: an image to a sniffer, a page to a careless server.
POLYGLOT = b"GIF89a/*\x00\x00\x00\x00*/=1;<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>'
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(2)</script></svg>'


@pytest.fixture
def signed_in(client, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(user)
    return client


def upload(client, thread, name: str, data: bytes, content_type: str = "text/plain"):
    return client.post(
        reverse("chat:upload", args=[thread.id]),
        {"files": [SimpleUploadedFile(name, data, content_type=content_type)]},
    )


def served(client, element_id: str, **query: str):
    response = client.get(reverse("chat:element_file", args=[element_id]), query)
    body = b"".join(response.streaming_content)
    return response, body


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "..\\..\\windows\\win.ini",
        "/etc/passwd",
        "a/../../../b.txt",
        "....//x.txt",
    ],
)
def test_a_path_in_an_uploads_name_stays_inside_the_upload_folder(
    signed_in, thread, settings, name
):
    response = upload(signed_in, thread, name, b"harmless text")
    assert response.status_code == 200
    element = Element.objects.get(thread=thread)
    stored = (Path(settings.MEDIA_ROOT) / element.file.name).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored.read_bytes() == b"harmless text"
    for part in ("/", "\\", ".."):
        assert part not in element.name
    served_response, _ = served(signed_in, element.id)
    assert "/" not in served_response["Content-Disposition"].split("filename", 1)[1]


def test_an_html_upload_is_served_as_plain_text_to_download(signed_in, thread):
    upload(signed_in, thread, "page.html", HTML, "text/html")
    element = Element.objects.get(thread=thread)
    assert element.mime == "text/html"  # what it is, sniffed from the bytes
    for query in ({}, {"download": "1"}):
        response, body = served(signed_in, element.id, **query)
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert body == HTML


def test_an_html_file_named_as_an_image_is_not_trusted_by_its_name(signed_in, thread):
    upload(signed_in, thread, "cat.png", HTML, "image/png")
    element = Element.objects.get(thread=thread)
    assert element.mime == "text/html"
    response, _ = served(signed_in, element.id)
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_polyglot_is_served_as_the_image_it_starts_as_never_as_a_page(signed_in, thread):
    upload(signed_in, thread, "poly.html", POLYGLOT, "text/html")
    element = Element.objects.get(thread=thread)
    assert element.mime == "image/gif"
    response, _ = served(signed_in, element.id)
    assert response["Content-Type"] == "image/gif"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "Content-Disposition" in response


def test_an_svg_is_refused_by_default(signed_in, thread):
    response = upload(signed_in, thread, "logo.svg", SVG, "image/svg+xml")
    assert response.status_code == 400
    assert not Element.objects.filter(thread=thread).exists()


def test_an_svg_with_a_script_is_treated_as_html(signed_in, thread):
    upload(signed_in, thread, "logo.svg", SVG_WITH_SCRIPT, "image/svg+xml")
    element = Element.objects.get(thread=thread)
    response, _ = served(signed_in, element.id)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")


def test_an_svg_allowed_by_settings_is_sandboxed_and_downloaded(signed_in, thread, settings):
    settings.CHAT_UPLOAD_ACCEPT = [*settings.CHAT_UPLOAD_ACCEPT, "image/svg+xml"]
    upload(signed_in, thread, "logo.svg", SVG, "image/svg+xml")
    element = Element.objects.get(thread=thread)
    response, _ = served(signed_in, element.id)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "text/html" not in response["Content-Type"]


@pytest.mark.parametrize(
    ("name", "data"),
    [("a.png", PNG), ("a.txt", b"text"), ("a.html", HTML), ("a.gif", POLYGLOT), ("a.json", b"{}")],
)
def test_every_served_upload_says_how_to_handle_it(signed_in, thread, name, data):
    upload(signed_in, thread, name, data)
    element = Element.objects.get(thread=thread)
    response, _ = served(signed_in, element.id)
    assert response["Content-Disposition"].split(";")[0] in ("inline", "attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response["Content-Type"].startswith(("text/html", "application/xhtml"))
    assert "sandbox" in response["Content-Security-Policy"]
