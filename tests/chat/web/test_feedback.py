"""Ratings under the assistant's answers: thumbs, a comment, changeable, shown again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat.models import Feedback, Message
from chat.rendering import fragments
from chat.threads import snapshot as snapshots
from tests.factories import make_message, make_thread

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alice(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def answer(thread) -> Message:
    make_message(thread, "What is 2+2?")
    return make_message(thread, "It is **4**.", author_kind=Message.Author.ASSISTANT)


def rate(client: Client, message: Message, **data):
    return client.post(reverse("chat:feedback", args=[message.id]), data, **HX)


def pressed(html: str) -> dict[str, str]:
    """aria-pressed of the up and down buttons in a rendered feedback partial."""
    up = re.search(r'class="tool-button feedback__up"[^>]*aria-pressed="(\w+)"', html)
    down = re.search(r'class="tool-button feedback__down"[^>]*aria-pressed="(\w+)"', html)
    return {"up": up.group(1), "down": down.group(1)}


def test_thumbs_down_is_stored_and_the_partial_comes_back_pressed(user, alice, answer):
    response = rate(alice, answer, value="-1")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="m-{answer.id}-feedback"' in html
    assert pressed(html) == {"up": "false", "down": "true"}
    assert "Add a comment" in html
    assert '<details class="feedback__comment" open>' in html  # invites a comment
    row = Feedback.objects.get(message=answer, user=user)
    assert (row.value, row.comment) == (-1, "")


def test_a_comment_is_added_then_the_rating_changes_and_keeps_it(user, alice, answer):
    rate(alice, answer, value="-1")
    html = rate(alice, answer, comment="  Wrong: it is 4, not 5. ").content.decode()
    assert "Wrong: it is 4, not 5." in html
    assert Feedback.objects.get(message=answer).comment == "Wrong: it is 4, not 5."
    html = rate(alice, answer, value="1").content.decode()
    assert pressed(html) == {"up": "true", "down": "false"}
    row = Feedback.objects.get(message=answer)
    assert (row.value, row.comment) == (1, "Wrong: it is 4, not 5.")
    assert Feedback.objects.count() == 1  # one per user per message


def test_pressing_the_pressed_thumb_again_takes_the_rating_back(user, alice, answer):
    html = rate(alice, answer, value="1").content.decode()
    assert 'name="value" value="0" aria-pressed="true"' in html
    html = rate(alice, answer, value="0").content.decode()
    assert pressed(html) == {"up": "false", "down": "false"}
    assert not Feedback.objects.exists()


def test_a_comment_alone_needs_a_rating_first(alice, answer):
    assert rate(alice, answer, comment="hm").status_code == 400
    assert not Feedback.objects.exists()


def test_a_rating_is_shown_again_after_a_reload(user, alice, thread, answer):
    Feedback.objects.create(message=answer, user=user, value=-1, comment="Too vague")
    page = alice.get(reverse("chat:thread", args=[thread.id])).content.decode()
    block = page[page.index(f'id="m-{answer.id}-feedback"') :]
    assert pressed(block) == {"up": "false", "down": "true"}
    assert "Too vague" in block
    # And in the snapshot a socket sends when it (re)connects.
    snapshot = snapshots.snapshot_html(thread)
    assert pressed(snapshot[snapshot.index(f'id="m-{answer.id}-feedback"') :])["down"] == "true"


def test_only_finished_answers_have_feedback(user, alice, thread):
    question = make_message(thread, "Hi")
    streaming = make_message(
        thread, "typing", author_kind=Message.Author.ASSISTANT, status=Message.Status.STREAMING
    )
    error = make_message(thread, "Boom", author_kind=Message.Author.SYSTEM, is_error=True)
    done = make_message(thread, "Hello!", author_kind=Message.Author.ASSISTANT)
    page = alice.get(reverse("chat:thread", args=[thread.id])).content.decode()
    assert f'id="m-{done.id}-feedback"' in page
    for message in (question, streaming, error):
        assert f'id="m-{message.id}-feedback"' not in page
        assert rate(alice, message, value="1").status_code == 400
    assert not Feedback.objects.exists()


def test_a_stream_whose_server_went_away_can_be_rated(alice, thread):
    stale = make_message(
        thread, "cut off", author_kind=Message.Author.ASSISTANT, status=Message.Status.STREAMING
    )
    Message.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert rate(alice, stale, value="-1").status_code == 200


def test_an_answer_in_someone_elses_thread_is_a_404(other_user, alice):
    theirs = make_thread(other_user)
    answer = make_message(theirs, "secret", author_kind=Message.Author.ASSISTANT)
    assert rate(alice, answer, value="1").status_code == 404
    assert rate(alice, answer, comment="x").status_code == 404
    assert (
        Client().post(reverse("chat:feedback", args=[answer.id]), {"value": "1"}).status_code == 302
    )
    assert not Feedback.objects.exists()


def test_nonsense_is_refused(alice, answer):
    assert rate(alice, answer, value="5").status_code == 400
    assert (
        alice.post(reverse("chat:feedback", args=["not-a-uuid"]), {"value": "1"}).status_code == 404
    )
    assert rate(alice, answer, value="1", comment="x" * 2001).status_code == 400
    assert not Feedback.objects.exists()


def test_rating_needs_post_and_the_csrf_token(user, answer):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    url = reverse("chat:feedback", args=[answer.id])
    assert strict.post(url, {"value": "1"}, **HX).status_code == 403
    assert strict.get(url, {"value": "1"}, **HX).status_code == 405
    assert not Feedback.objects.exists()


def test_answers_and_code_blocks_have_copy_buttons(alice, thread):
    make_message(thread, "```python\nprint(1)\n```", author_kind=Message.Author.ASSISTANT)
    page = alice.get(reverse("chat:thread", args=[thread.id])).content.decode()
    assert "data-copy-message" in page
    assert "<pre>" in page  # chat.js gives each code block its button
    assert "<script>" not in page.split("<body", 1)[1]  # no inline script


def test_a_pushed_answer_shows_its_rating(user, thread, answer):
    Feedback.objects.create(message=answer, user=user, value=1)
    again = Message.objects.with_feedback().get(pk=answer.pk)
    assert pressed(fragments.message(again, oob=True))["up"] == "true"


def test_rating_makes_a_fixed_number_of_queries(user, alice, thread, answer):
    def count(message: Message, value: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert rate(alice, message, value=value).status_code == 200
        return len(captured.captured_queries)

    first_small, change_small = count(answer, "1"), count(answer, "-1")
    for n in range(30):
        make_message(thread, f"more {n}", author_kind=Message.Author.ASSISTANT)
    later = make_message(thread, "last", author_kind=Message.Author.ASSISTANT)
    assert count(later, "1") == first_small <= 12
    assert count(later, "-1") == change_small <= 10
