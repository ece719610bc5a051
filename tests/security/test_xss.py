"""No script from a user, the assistant, a file name, an element name or a thread title
runs in the chat, the history or the admin. Every payload of the corpus is put in all of
those places at once; each page that shows them must stay inert."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.core.files.base import ContentFile
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from chat.models import Element, Message
from tests.chat.rendering.test_markdown import (
    _IGNORED_IN_SCHEME,
    URL_ATTRIBUTES,
    XSS_PAYLOADS,
    tags_of,
)
from tests.chat.web.test_consumers import path_of
from tests.factories import make_message, make_thread, make_user

# Tags that never belong on our pages, wherever they come from.
NEVER = {"object", "embed", "base", "frame", "frameset", "applet", "style"}


def assert_page_inert(html: str, where: str) -> None:
    """The page may run only our own static scripts; nothing else can execute."""
    for tag, attrs in tags_of(html):
        context = f"<{tag} {attrs}> in {where}"
        assert tag not in NEVER, context
        for name, value in attrs.items():
            assert not name.startswith("on"), context
            if name in URL_ATTRIBUTES or name == "srcdoc":
                scheme = _IGNORED_IN_SCHEME.sub("", value or "").lower()
                assert not scheme.startswith(("javascript:", "vbscript:", "data:")), context
        if tag == "script":
            src, kind = attrs.get("src") or "", attrs.get("type") or ""
            assert src.startswith(("/static/", "/admin/jsi18n/")) or (
                kind == "application/json" and not src
            ), context
        if tag == "iframe":
            src = attrs.get("src") or ""
            assert src.startswith("/"), context
            assert not src.startswith("//"), context
            assert "srcdoc" not in attrs, context
        if tag == "meta":
            assert "http-equiv" not in attrs, context
        if tag == "link":
            assert (attrs.get("href") or "").startswith(("/static/", "/branding.css")), context


@pytest.fixture
def everywhere(db, settings, tmp_path):
    """Builds a thread carrying the payload in every place a user or assistant can put text."""
    settings.MEDIA_ROOT = tmp_path / "media"
    owner = make_user("owner@corp.example")
    reviewer = make_user("root@corp.example", is_staff=True, is_superuser=True)

    def build(payload: str):
        thread = make_thread(owner, title=payload[:200])
        make_message(thread, payload)
        answer = make_message(thread, payload, author_kind=Message.Author.ASSISTANT)
        file = Element(thread=thread, message=answer, kind="file", name=payload[:255])
        file.file.save("f.txt", ContentFile(b"x"), save=False)
        file.mime = "text/plain"
        file.save()
        text = Element.objects.create(
            thread=thread,
            message=answer,
            kind="text",
            name=payload[:255],
            content=payload,
            display="side",
        )
        image = Element.objects.create(
            thread=thread,
            message=answer,
            kind="image",
            name=payload[:255],
            url="https://example.com/i.png",
        )
        return thread, [file, text, image]

    return owner, reviewer, build


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_runs_in_the_chat_or_the_history(everywhere, payload):
    owner, _reviewer, build = everywhere
    thread, elements = build(payload)
    client = Client()
    client.force_login(owner)
    pages = {
        "chat page": reverse("chat:thread", args=[thread.id]),
        "history": reverse("chat:history") + f"?current={thread.id}",
        "history search": reverse("chat:history") + "?" + urlencode({"q": payload[:50]}),
        "thread item": reverse("chat:thread_item", args=[thread.id]),
        "rename form": reverse("chat:rename", args=[thread.id]),
        **{f"{e.kind} element page": reverse("chat:element", args=[e.id]) for e in elements},
    }
    for where, url in pages.items():
        # The sidebar's parts answer htmx; the same URLs without it lead to full pages.
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers, follow=True)
            assert response.status_code == 200, where
            assert_page_inert(response.content.decode(), f"{where} for {payload!r}")
    panel = client.get(
        reverse("chat:element", args=[elements[1].id]), headers={"HX-Request": "true"}
    )
    assert_page_inert(panel.content.decode(), f"side panel for {payload!r}")


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_runs_in_the_admin(everywhere, payload):
    _owner, reviewer, build = everywhere
    thread, elements = build(payload)
    client = Client()
    client.force_login(reviewer)
    pages = {
        "thread list": reverse("admin:chat_thread_changelist"),
        "thread search": reverse("admin:chat_thread_changelist")
        + "?"
        + urlencode({"q": payload[:50]}),
        "thread": reverse("admin:chat_thread_change", args=[thread.id]),
        "transcript": reverse("admin:chat_thread_transcript", args=[thread.id]),
        "message list": reverse("admin:chat_message_changelist"),
        "element list": reverse("admin:chat_element_changelist"),
        "element": reverse("admin:chat_element_change", args=[elements[0].id]),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_page_inert(response.content.decode(), f"admin {where} for {payload!r}")


@pytest.mark.django_db(transaction=True)
@override_settings(CHAT_MESSAGE_RATE_LIMIT="")
async def test_no_payload_runs_in_what_the_socket_pushes(connect, use_assistant):
    """Every payload sent as a user message, and echoed back by the assistant: the pushed
    fragments (the message, the streamed text, the reply, the sidebar's title) stay inert."""
    use_assistant("echo")
    user = await sync_to_async(make_user)()
    thread = await sync_to_async(make_thread)(user)
    connected, _, socket = await connect(path_of(thread), user=user)
    assert connected
    await socket.until(lambda f: 'id="messages"' in f)
    for payload in XSS_PAYLOADS:
        await socket.send(type="message", content=payload, client_id=uuid.uuid4().hex)
        await socket.until(lambda f: "message--done" in f and "message--assistant" in f)
    for frame in socket.frames:
        assert_page_inert(frame, "a pushed fragment")
    replies = Message.objects.filter(thread=thread, author_kind=Message.Author.ASSISTANT)
    assert await replies.acount() == len(XSS_PAYLOADS)


def test_the_corpus_has_at_least_thirty_payloads():
    assert len(XSS_PAYLOADS) >= 30
