"""A victim with one of everything, and an attacker signed in next to them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from chat.models import Element, Feedback, Message, Thread
from chat.rag.models import Document
from tests.chat.web.test_consumers import connect  # noqa: F401 (a fixture, shared)
from tests.factories import make_message, make_thread, make_user
from tests.security.servers import (  # noqa: F401 (fixtures, shared)
    behind_proxy,
    behind_proxy_in_production,
    production_web,
    web,
)


@dataclass
class Belongings:
    user: object
    thread: Thread
    question: Message
    answer: Message
    element: Element
    pending_upload: Element
    feedback: Feedback
    document: Document


@pytest.fixture
def victim(db, tmp_path, settings) -> Belongings:
    settings.MEDIA_ROOT = tmp_path / "media"
    owner = make_user("victim@corp.example")
    thread = make_thread(owner, title="Salary review")
    question = make_message(thread, "What is Bob's salary?")
    answer = make_message(
        thread,
        "It is secret.",
        author_kind=Message.Author.ASSISTANT,
        metadata={"actions": [{"id": "act-1", "name": "approve", "payload": {}, "label": "OK"}]},
    )
    element = Element(thread=thread, message=answer, kind="file", name="salaries.txt")
    element.file.save("salaries.txt", ContentFile(b"bob: 100k"), save=False)
    element.mime, element.size = "text/plain", 9
    element.save()
    pending = Element(thread=thread, kind="file", name="draft.txt", metadata={"upload": "pending"})
    pending.file.save("draft.txt", ContentFile(b"draft"), save=False)
    pending.mime = "text/plain"
    pending.save()
    feedback = Feedback.objects.create(message=answer, thread=thread, user=owner, value=1)
    document = Document.objects.create(owner=owner, name="handbook.txt", status="failed")
    return Belongings(owner, thread, question, answer, element, pending, feedback, document)


@pytest.fixture
def attacker(db):
    return make_user("mallory@corp.example")


@pytest.fixture
def attacker_client(attacker) -> Client:
    client = Client()
    client.force_login(attacker)
    return client
