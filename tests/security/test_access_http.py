"""Nobody reads or changes what is not theirs over HTTP: every URL that takes an id of a
thread, message, element, feedback or document is tried with another person's id."""

from __future__ import annotations

import pytest
from django.urls import reverse

from chat.models import Element, Feedback, Message, Thread
from chat.rag.models import Document

pytestmark = pytest.mark.django_db


def reads(victim):
    t, e, p = victim.thread.id, victim.element.id, victim.pending_upload.id
    return [
        reverse("chat:thread", args=[t]),
        reverse("chat:thread_item", args=[t]),
        reverse("chat:rename", args=[t]),
        reverse("chat:share", args=[t]),
        reverse("chat:element", args=[e]),
        reverse("chat:element_rows", args=[e]),
        reverse("chat:element_file", args=[e]),
        reverse("chat:element", args=[p]),
        reverse("chat:element_file", args=[p]),
        f"{reverse('chat:history')}?current={t}",
    ]


@pytest.mark.parametrize("index", range(10))
def test_reading_another_persons_thread_message_or_file_finds_nothing(
    attacker_client, victim, index
):
    url = reads(victim)[index]
    response = attacker_client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode(errors="replace")
    assert response.status_code in (404, 200), url
    assert "Salary review" not in body, url
    assert "bob: 100k" not in body, url
    assert "It is secret" not in body, url
    if "history" not in url:
        assert response.status_code == 404, url


def test_another_persons_thread_is_not_in_my_history_or_search(attacker_client, victim):
    for query in ("", "?q=Salary", "?q=secret"):
        page = attacker_client.get(reverse("chat:history") + query).content.decode()
        assert "Salary review" not in page


def writes(victim):
    t, a = victim.thread.id, victim.answer.id
    return [
        (reverse("chat:rename", args=[t]), {"title": "pwned"}),
        (reverse("chat:delete", args=[t]), {}),
        (reverse("chat:share", args=[t]), {}),
        (reverse("chat:share_revoke", args=[t]), {}),
        (reverse("chat:feedback", args=[a]), {"value": "-1", "comment": "pwned"}),
        (reverse("chat:feedback", args=[a]), {"value": "0"}),
        (reverse("chat:upload", args=[t]), {}),
        (reverse("chat:library_delete", args=[victim.document.id]), {}),
        (reverse("chat:library_retry", args=[victim.document.id]), {}),
    ]


@pytest.mark.parametrize("index", range(9))
def test_changing_another_persons_things_is_refused_and_changes_nothing(
    attacker_client, victim, index
):
    url, data = writes(victim)[index]
    response = attacker_client.post(url, data)
    assert response.status_code == 404, url
    thread = Thread.objects.get(pk=victim.thread.pk)
    assert thread.title == "Salary review"
    assert not thread.share_token
    feedback = Feedback.objects.get(pk=victim.feedback.pk)
    assert (feedback.value, feedback.comment) == (1, "")
    assert Document.objects.get(pk=victim.document.pk).status == "failed"
    assert Message.objects.filter(thread=thread).count() == 2


def test_uploading_into_another_persons_thread_stores_nothing(attacker_client, victim):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = Element.objects.count()
    response = attacker_client.post(
        reverse("chat:upload", args=[victim.thread.id]),
        {"files": [SimpleUploadedFile("x.txt", b"hello", content_type="text/plain")]},
    )
    assert response.status_code == 404
    assert Element.objects.count() == before


def test_a_revoked_share_link_shows_nothing(attacker_client, victim, client):
    client.force_login(victim.user)
    client.post(reverse("chat:share", args=[victim.thread.id]))
    token = Thread.objects.get(pk=victim.thread.pk).share_token
    assert token
    assert (
        "Salary review"
        in attacker_client.get(reverse("chat:shared", args=[token])).content.decode()
    )
    client.post(reverse("chat:share_revoke", args=[victim.thread.id]))
    assert attacker_client.get(reverse("chat:shared", args=[token])).status_code == 404


def test_a_pending_upload_stays_private_even_in_a_shared_thread(attacker_client, victim):
    Thread.objects.filter(pk=victim.thread.pk).update(share_token="shared-token-123")
    response = attacker_client.get(reverse("chat:element_file", args=[victim.pending_upload.id]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["chat:thread", "chat:element_file", "chat:history"])
def test_signed_out_visitors_are_sent_to_sign_in(client, victim, name):
    args = {"chat:thread": [victim.thread.id], "chat:element_file": [victim.element.id]}
    response = client.get(reverse(name, args=args.get(name, [])))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_admin_is_closed_to_people_who_are_not_reviewers(attacker_client, victim):
    for url in (
        reverse("admin:chat_thread_changelist"),
        reverse("admin:chat_thread_change", args=[victim.thread.id]),
        reverse("admin:chat_thread_transcript", args=[victim.thread.id]),
    ):
        response = attacker_client.get(url)
        assert response.status_code == 302, url
        assert "Salary review" not in response.content.decode()
