"""Chat pages: signed-in users reach their own threads, rendered from the database."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chat.models import Message, Thread
from tests.factories import make_message, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user) -> Client:
    client.force_login(user)
    return client


def thread_url(thread) -> str:
    return reverse("chat:thread", args=[thread.id])


@pytest.mark.parametrize("path", ["/", "/threads/00000000-0000-0000-0000-000000000000/"])
def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


def test_signed_in_home_redirects_to_a_thread_of_the_user(signed_in, user):
    response = signed_in.get("/")
    assert response.status_code == 302
    match = re.fullmatch(r"/threads/([0-9a-f-]{36})/", response["Location"])
    assert match
    assert Thread.objects.get(pk=match.group(1)).owner == user


def test_home_reuses_the_empty_draft_instead_of_piling_up_threads(signed_in, user):
    first = signed_in.get("/")["Location"]
    assert signed_in.get("/")["Location"] == first
    assert Thread.objects.filter(owner=user).count() == 1


def test_thread_page_renders_the_stored_messages(signed_in, thread):
    make_message(thread, "How do I <b>reset</b> my VPN?")
    make_message(
        thread, "Open **Settings**, then:\n\n1. VPN\n2. Reset", author_kind=Message.Author.ASSISTANT
    )
    response = signed_in.get(thread_url(thread))
    assert response.status_code == 200
    page = response.content.decode()
    assert "How do I &lt;b&gt;reset&lt;/b&gt; my VPN?" in page
    assert "<strong>Settings</strong>" in page
    assert "<li>VPN</li>" in page
    assert page.index("How do I") < page.index("<strong>Settings")
    assert f'ws-connect="/ws/threads/{thread.id}/"' in page


def test_thread_page_shows_an_abandoned_stream_as_interrupted(signed_in, thread, settings):
    settings.CHAT_STREAM_STALE_SECONDS = 20
    message = make_message(
        thread, "half", author_kind=Message.Author.ASSISTANT, status=Message.Status.STREAMING
    )
    Message.objects.filter(pk=message.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    page = signed_in.get(thread_url(thread)).content.decode()
    assert 'data-status="interrupted"' in page
    message.refresh_from_db()
    assert message.status == Message.Status.INTERRUPTED


def test_thread_page_lists_the_users_threads_in_the_sidebar(signed_in, user, other_user):
    mine = make_thread(user, title="Holiday policy")
    make_thread(other_user, title="Someone else's secret")
    page = signed_in.get(thread_url(mine)).content.decode()
    assert "Holiday policy" in page
    assert "Someone else&#x27;s secret" not in page
    assert "Someone else's secret" not in page


def test_another_users_thread_is_not_found(signed_in, other_user):
    theirs = make_thread(other_user, title="Private")
    make_message(theirs, "secret plans")
    response = signed_in.get(thread_url(theirs))
    assert response.status_code == 404
    assert b"secret plans" not in response.content


@pytest.mark.parametrize("thread_id", ["not-a-uuid", str(uuid.uuid4())])
def test_malformed_or_missing_thread_is_not_found(signed_in, thread_id):
    assert signed_in.get(f"/threads/{thread_id}/").status_code == 404


def test_new_chat_is_post_only(signed_in):
    assert signed_in.get(reverse("chat:new")).status_code == 405


def test_new_chat_without_a_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("chat:new")).status_code == 403


def test_new_chat_with_the_pages_csrf_token_opens_a_fresh_thread(user, thread):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    make_message(thread, "an old conversation")
    page = client.get(thread_url(thread)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(reverse("chat:new"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] != thread_url(thread)
    new = Thread.objects.get(pk=response["Location"].split("/")[2])
    assert new.owner == user
    assert not new.messages.exists()


def test_new_chat_for_anonymous_visitors_redirects_to_sign_in(client):
    response = client.post(reverse("chat:new"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_answers_markdown_is_served_to_who_may_see_it_for_copying(signed_in, thread):
    message = make_message(thread, "# Title\n\n**bold**", author_kind=Message.Author.ASSISTANT)
    url = reverse("chat:message_source", args=[thread.pk, message.pk])
    response = signed_in.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "# Title\n\n**bold**"
    page = signed_in.get(thread_url(thread)).content.decode()
    assert f'data-source-url="{url}"' in page


def test_an_answers_markdown_is_not_found_for_another_user(other_user, thread):
    message = make_message(thread, "secret", author_kind=Message.Author.ASSISTANT)
    other = Client()
    other.force_login(other_user)
    response = other.get(reverse("chat:message_source", args=[thread.pk, message.pk]))
    assert response.status_code == 404
    assert b"secret" not in response.content


def test_the_chat_page_says_how_it_follows_new_content(signed_in, thread, settings):
    settings.CHAT_AUTOSCROLL_ASSISTANT = False
    page = signed_in.get(thread_url(thread)).content.decode()
    assert 'data-autoscroll-user="true"' in page
    assert 'data-autoscroll-assistant="false"' in page
    assert 'id="jump-latest"' in page
