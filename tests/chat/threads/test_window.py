"""A long conversation is shown a page of messages at a time, from its end: the chat page,
its "Show earlier messages" pages, the socket's snapshot and the reviewers' transcript."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat.models import AuditEntry, Message
from chat.threads import history, window
from chat.threads import snapshot as snapshots
from tests.factories import make_long_thread as long_thread
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def shown(html: str) -> list[int]:
    """The messages shown, in order (a message names its text more than once)."""
    return list(dict.fromkeys(int(n) for n in re.findall(r"(?<![-\w])msg-(\d+)", html)))


def earlier_url(html: str) -> str | None:
    found = re.search(r'id="messages-earlier-button"[^>]*hx-get="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def reader(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_latest_page_and_the_button_walks_back_to_the_first(
    reader, user, settings
):
    settings.CHAT_THREAD_PAGE_SIZE = 50
    thread = long_thread(user, 120)
    page = reader.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert shown(page) == list(range(71, 121))
    assert "Show earlier messages" in page
    # The steps and elements of the answers on the page come with them, nested as stored.
    assert "tool-72" in page
    assert "inner-72" in page
    assert "note-msg-72" in page
    assert "tool-70" not in page

    earlier = reader.get(earlier_url(page)).content.decode()
    assert shown(earlier) == list(range(21, 71))
    assert "tool-70" in earlier
    assert "inner-70" in earlier
    assert "note-msg-70" in earlier
    assert "Loaded 50 earlier messages." in earlier
    assert 'hx-swap-oob="innerHTML"' in earlier

    first = reader.get(earlier_url(earlier)).content.decode()
    assert shown(first) == list(range(1, 21))
    assert earlier_url(first) is None  # nothing before: no button
    assert "Loaded 20 earlier messages." in first


def test_a_short_thread_has_no_button(reader, user):
    thread = long_thread(user, 6)
    page = reader.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    assert shown(page) == [1, 2, 3, 4, 5, 6]
    assert "messages-earlier-button" not in page


def test_each_page_costs_the_same_queries_however_long_the_thread(reader, user, settings):
    settings.CHAT_THREAD_PAGE_SIZE = 10

    def queries(messages: int) -> tuple[int, int, int]:
        thread = long_thread(user, messages)
        with CaptureQueriesContext(connection) as page:
            html = reader.get(reverse("chat:thread", args=[thread.pk])).content.decode()
        with CaptureQueriesContext(connection) as earlier:
            reader.get(earlier_url(html))
        with CaptureQueriesContext(connection) as snapshot:
            snapshots.snapshot_frames(thread)
        return len(page), len(earlier), len(snapshot)

    assert queries(30) == queries(300)


def test_the_snapshot_holds_what_the_page_shows(reader, user, settings):
    settings.CHAT_THREAD_PAGE_SIZE = 50
    thread = long_thread(user, 120)
    page = reader.get(reverse("chat:thread", args=[thread.pk])).content.decode()
    snapshot = "".join(snapshots.snapshot_frames(thread))
    assert shown(snapshot) == shown(page) == list(range(71, 121))
    assert earlier_url(snapshot) == earlier_url(page)


def test_an_edited_away_message_is_not_shown_and_does_not_count(user, settings):
    settings.CHAT_THREAD_PAGE_SIZE = 3
    thread = long_thread(user, 6)
    Message.objects.filter(thread=thread, content="msg-5").update(
        metadata={"superseded": {"reason": "edit"}}
    )
    page = window.window(thread)
    assert [m.content for m in page.messages] == ["msg-3", "msg-4", "msg-6"]
    review = window.window(thread, include_superseded=True)
    assert [m.content for m in review.messages] == ["msg-4", "msg-5", "msg-6"]


@pytest.mark.parametrize("before", ["abc", "-1", "1.5", ""])
def test_a_bad_cursor_is_refused_clearly(reader, user, before):
    thread = long_thread(user, 4)
    response = reader.get(reverse("chat:thread_earlier", args=[thread.pk]), {"before": before})
    assert response.status_code == 400
    assert b"whole number" in response.content


def test_someone_else_s_thread_has_no_earlier_pages(user):
    thread = long_thread(user, 4)
    stranger = Client()
    stranger.force_login(make_user())
    response = stranger.get(reverse("chat:thread_earlier", args=[thread.pk]), {"before": "3"})
    assert response.status_code == 404


def test_the_reviewers_transcript_pages_the_same_way_and_is_audited_once(user, settings):
    settings.CHAT_THREAD_PAGE_SIZE = 50
    thread = long_thread(user, 120)
    person = make_user(email="reviewer@example.com", is_staff=True)
    person.groups.add(Group.objects.get(name="Reviewers"))
    review = Client()
    review.force_login(person)
    url = reverse("admin:chat_thread_transcript", args=[thread.pk])

    opened = review.get(url).content.decode()
    assert shown(opened) == list(range(71, 121))
    earlier = review.get(earlier_url(opened)).content.decode()
    assert shown(earlier) == list(range(21, 71))
    assert shown(review.get(earlier_url(earlier)).content.decode()) == list(range(1, 21))
    assert review.get(url, {"before": "x"}).status_code == 400
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.TRANSCRIPT_VIEWED)
    assert entries.count() == 1  # opening it; its earlier pages are the same reading


def test_a_shared_link_shows_the_latest_page_and_loads_the_earlier_ones(user, settings):
    settings.CHAT_THREAD_PAGE_SIZE = 50
    thread = long_thread(user, 120)
    history.share(user, thread.pk)
    thread.refresh_from_db()
    colleague = Client()
    colleague.force_login(make_user(email="colleague@example.com"))

    opened = colleague.get(reverse("chat:shared", args=[thread.share_token])).content.decode()
    assert shown(opened) == list(range(71, 121))
    assert "Show earlier messages" in opened
    earlier = colleague.get(earlier_url(opened)).content.decode()
    assert shown(earlier) == list(range(21, 71))
    assert "tool-70" in earlier
    assert "note-msg-70" in earlier
    assert "Loaded 50 earlier messages." in earlier
    assert "feedback" not in earlier  # read-only, as the page
    first = colleague.get(earlier_url(earlier)).content.decode()
    assert shown(first) == list(range(1, 21))
    assert earlier_url(first) is None


def test_a_shared_link_s_earlier_pages_close_with_the_link(user, settings):
    settings.CHAT_THREAD_PAGE_SIZE = 10
    thread = long_thread(user, 30)
    history.share(user, thread.pk)
    thread.refresh_from_db()
    link = reverse("chat:shared", args=[thread.share_token])
    colleague = Client()
    colleague.force_login(make_user(email="colleague@example.com"))
    assert colleague.get(link, {"before": "x"}).status_code == 400
    assert Client().get(link, {"before": "10"}).status_code == 302  # signed out: sign in first

    history.revoke(user, thread.pk)
    assert colleague.get(link, {"before": "10"}).status_code == 404
