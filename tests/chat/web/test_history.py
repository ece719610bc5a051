"""The sidebar's history: listed by day, paged, searched, renamed, deleted, shared, resumed."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat.models import Element, Feedback, Message, Thread
from chat.rendering import sidebar
from chat.threads import history, search
from chat.threads import store as threads
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def titled(owner, title: str, *, days_ago: float = 0, text: str = "hello") -> Thread:
    thread = make_thread(owner, title=title)
    make_message(thread, text)
    make_message(thread, f"answer to {text}", author_kind=Message.Author.ASSISTANT)
    moment = timezone.now() - timedelta(days=days_ago)
    Thread.objects.filter(pk=thread.pk).update(updated_at=moment)
    thread.updated_at = moment
    return thread


def ids_in(html: str) -> list[str]:
    return re.findall(r'id="t-([0-9a-f-]{36})"', html)


@pytest.fixture
def client_of():
    def make(user, **kwargs) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    return make


@pytest.fixture
def alice(user, client_of) -> Client:
    return client_of(user)


# -- listing --------------------------------------------------------------------------------
def test_threads_are_grouped_by_day_of_last_activity(user):
    today = titled(user, "Today's", days_ago=0)
    yesterday = titled(user, "Yesterday's", days_ago=1)
    week = titled(user, "Last week's", days_ago=5)
    old = titled(user, "Old", days_ago=40)
    groups = sidebar.groups(history.list_threads(user).threads)
    assert [(g["key"], g["threads"]) for g in groups] == [
        ("today", [today]),
        ("yesterday", [yesterday]),
        ("week", [week]),
        ("older", [old]),
    ]
    assert [str(g["label"]) for g in groups] == ["Today", "Yesterday", "Previous 7 days", "Older"]


def test_the_sidebar_shows_the_groups_and_marks_the_open_thread(user, alice):
    current = titled(user, "About taxes")
    titled(user, "Older one", days_ago=30)
    page = alice.get(reverse("chat:thread", args=[current.id])).content.decode()
    assert '<h2 class="thread-list__group">Today</h2>' in page
    assert '<h2 class="thread-list__group">Older</h2>' in page
    assert re.search(rf'href="/threads/{current.id}/" aria-current="page">About taxes</a>', page)


def test_drafts_and_other_users_threads_are_not_listed(user, other_user):
    mine = titled(user, "Mine")
    make_thread(user)  # a draft: no title yet
    titled(other_user, "Not yours")
    assert history.list_threads(user).threads == [mine]


def test_the_list_loads_a_page_at_a_time_in_order(user, alice):
    made = [titled(user, f"Thread {n}", days_ago=n / 10) for n in range(7)]
    listing = history.list_threads(user, size=3)
    assert listing.threads == made[:3]
    second = history.list_threads(user, cursor=listing.next_cursor, size=3)
    assert second.threads == made[3:6]
    third = history.list_threads(user, cursor=second.next_cursor, size=3)
    assert third.threads == made[6:]
    assert third.next_cursor is None


def test_threads_active_at_the_same_moment_are_neither_lost_nor_repeated(user):
    made = [titled(user, f"Same {n}") for n in range(5)]
    Thread.objects.filter(owner=user).update(updated_at=made[0].updated_at)
    seen, cursor = [], None
    while True:
        listing = history.list_threads(user, cursor=cursor, size=2)
        seen += listing.threads
        cursor = listing.next_cursor
        if cursor is None:
            break
    assert sorted(t.pk for t in seen) == sorted(t.pk for t in made)


def test_the_sentinel_loads_the_next_page_when_scrolled_into_view(user, alice, monkeypatch):
    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    for n in range(5):
        titled(user, f"Thread {n}", days_ago=n)
    first = alice.get(reverse("chat:history"), **HX).content.decode()
    assert len(ids_in(first)) == 2
    sentinel = re.search(
        r'<div class="thread-list__more" hx-get="([^"]+)" hx-trigger="([^"]+)"', first
    )
    assert sentinel, first
    assert "intersect once" in sentinel.group(2)
    more_url = sentinel.group(1).replace("&amp;", "&")
    second = alice.get(more_url, **HX).content.decode()
    assert len(ids_in(second)) == 2
    assert not set(ids_in(first)) & set(ids_in(second))
    assert 'id="thread-list"' not in second  # a page goes in place of the sentinel


def test_a_next_page_does_not_repeat_the_heading_it_continues(user, alice, monkeypatch):
    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    for n in range(4):
        titled(user, f"Old {n}", days_ago=30 + n)
    first = alice.get(reverse("chat:history"), **HX).content.decode()
    more_url = re.search(r'hx-get="([^"]+)" hx-trigger="intersect', first).group(1)
    second = alice.get(more_url.replace("&amp;", "&"), **HX).content.decode()
    assert first.count("Older</h2>") == 1
    assert "Older</h2>" not in second


def test_the_list_endpoint_is_for_htmx_and_signed_in_users(user, alice):
    assert alice.get(reverse("chat:history")).status_code == 302
    anonymous = Client().get(reverse("chat:history"), **HX)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


# -- search ---------------------------------------------------------------------------------
def test_search_finds_threads_by_title_and_by_message_text_whatever_the_case(user, alice):
    by_title = titled(user, "Quarterly Budget", text="numbers please")
    by_text = titled(user, "Something else", text="The BUDGET for travel")
    titled(user, "Unrelated", text="holidays")
    found = history.list_threads(user, query="budget").threads
    assert set(found) == {by_title, by_text}
    html = alice.get(reverse("chat:history"), {"q": "budget"}, **HX).content.decode()
    assert set(ids_in(html)) == {str(by_title.id), str(by_text.id)}


def test_search_matches_the_start_of_words_as_the_user_types(user):
    thread = titled(user, "Travel", text="Please reimburse my receipts")
    assert history.list_threads(user, query="reimb").threads == [thread]
    assert history.list_threads(user, query="REIMBURSE receipts").threads == [thread]


@pytest.mark.parametrize("rare_below", [1, 2000], ids=["common words", "rare words"])
def test_search_finds_the_same_threads_for_common_and_rare_words(user, monkeypatch, rare_below):
    # On PostgreSQL a common word is checked thread by thread, a rare one from the index.
    monkeypatch.setattr(search, "RARE_BELOW", rare_below)
    hits = [titled(user, f"T{n}", days_ago=n, text=f"invoice number {n}") for n in range(4)]
    titled(user, "Invoices", days_ago=9, text="nothing here")
    titled(user, "Other", text="holidays")
    found = history.list_threads(user, query="invoice", size=3)
    assert found.threads == hits[:3]
    rest = history.list_threads(user, query="invoice", cursor=found.next_cursor, size=3)
    assert [t.title for t in rest.threads] == ["T3", "Invoices"]
    assert history.list_threads(user, query="number 2").threads == [hits[2]]


def test_search_text_with_operators_is_taken_as_words(user):
    thread = titled(user, "Plans", text="the budget's report: ready")
    assert history.list_threads(user, query="budget's & (report) | !x:*").threads == []
    assert history.list_threads(user, query="(budget) & report").threads == [thread]
    assert history.list_threads(user, query="%_").threads == []


def test_search_never_finds_another_users_thread(user, other_user):
    titled(other_user, "Secret budget", text="budget secrets")
    assert history.list_threads(user, query="budget").threads == []
    assert history.list_threads(user, query="secret").threads == []


def test_a_search_with_no_result_says_so(user, alice):
    titled(user, "Travel")
    html = alice.get(reverse("chat:history"), {"q": "nothing-like-it"}, **HX).content.decode()
    assert "No conversation matches" in html
    assert ids_in(html) == []


def test_the_search_box_asks_as_the_user_types_with_a_pause(user, alice):
    page = alice.get(reverse("chat:thread", args=[titled(user, "T").id])).content.decode()
    box = re.search(r'<input type="search"[^>]*>', page).group(0)
    assert 'hx-get="/history/"' in box
    assert "keyup changed delay:300ms" in box


def test_search_results_page_too(user, monkeypatch):
    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    made = [titled(user, f"Report {n}", days_ago=n) for n in range(3)]
    first = history.list_threads(user, query="report", size=2)
    assert first.threads == made[:2]
    assert history.list_threads(user, query="report", cursor=first.next_cursor).threads == [made[2]]


# -- rename ---------------------------------------------------------------------------------
def test_rename_shows_a_form_then_saves_and_returns_the_item(user, alice):
    thread = titled(user, "Old name")
    form = alice.get(reverse("chat:rename", args=[thread.id]), **HX).content.decode()
    assert 'name="title"' in form
    assert 'value="Old name"' in form
    response = alice.post(
        reverse("chat:rename", args=[thread.id]),
        {"title": "  New   name "},
        **HX,
        HTTP_HX_CURRENT_URL=f"http://testserver/threads/{thread.id}/",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert ">New name</a>" in html
    assert 'id="thread-title"' in html  # the open page's heading follows
    thread.refresh_from_db()
    assert thread.title == "New name"


def test_an_empty_title_is_refused_with_a_message(user, alice):
    thread = titled(user, "Keep me")
    response = alice.post(reverse("chat:rename", args=[thread.id]), {"title": "   "}, **HX)
    assert "cannot be empty" in response.content.decode()
    thread.refresh_from_db()
    assert thread.title == "Keep me"


def test_a_renamed_thread_is_not_renamed_by_its_first_message(user):
    thread = make_thread(user)
    history.rename(user, thread.pk, "Named by hand")
    assert not threads.set_title_if_empty(thread.pk, "first words")
    thread.refresh_from_db()
    assert thread.title == "Named by hand"


def test_renaming_is_not_activity(user):
    thread = titled(user, "Old", days_ago=3)
    history.rename(user, thread.pk, "New")
    thread.refresh_from_db()
    assert (timezone.now() - thread.updated_at).days == 3


# -- delete ---------------------------------------------------------------------------------
def test_delete_removes_the_thread_with_its_rows_and_files(
    user, alice, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    thread = titled(user, "Doomed")
    answer = thread.messages.get(author_kind=Message.Author.ASSISTANT)
    Feedback.objects.create(message=answer, user=user, value=-1, comment="bad")
    element = Element(thread=thread, message=answer, kind="file", name="notes.txt")
    element.file.save("notes.txt", ContentFile(b"secret notes"), save=True)
    path = tmp_path / element.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(reverse("chat:delete", args=[thread.id]), **HX)
    assert response.status_code == 200
    assert response.content == b""  # the item swaps itself out
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert not Message.objects.filter(thread_id=thread.pk).exists()
    assert not Feedback.objects.filter(message_id=answer.pk).exists()
    assert not Element.objects.filter(pk=element.pk).exists()
    assert not path.exists()


def test_deleting_the_open_thread_sends_the_browser_home(user, alice):
    thread = titled(user, "Open one")
    response = alice.post(
        reverse("chat:delete", args=[thread.id]),
        **HX,
        HTTP_HX_CURRENT_URL=f"http://testserver/threads/{thread.id}/",
    )
    assert response["HX-Redirect"] == reverse("chat:home")


def test_the_delete_button_asks_for_confirmation(user, alice):
    thread = titled(user, "Careful")
    item = sidebar.thread_item(thread, None)
    assert re.search(r'hx-post="/threads/[^"]+/delete/"[^>]*hx-confirm="Delete “Careful”', item)


# -- other users' threads ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "thread"),
        ("get", "thread_item"),
        ("get", "rename"),
        ("post", "rename"),
        ("post", "delete"),
        ("get", "share"),
        ("post", "share"),
        ("post", "share_revoke"),
    ],
)
def test_another_users_thread_is_a_404_everywhere(other_user, alice, method, name):
    theirs = titled(other_user, "Theirs")
    response = getattr(alice, method)(
        reverse(f"chat:{name}", args=[theirs.id]), {"title": "x"}, **HX
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"
    assert theirs.share_token is None


def test_changes_need_post_and_a_csrf_token(user, client_of):
    thread = titled(user, "Guarded")
    strict = client_of(user, enforce_csrf_checks=True)
    for name in ("rename", "delete", "share", "share_revoke"):
        response = strict.post(reverse(f"chat:{name}", args=[thread.id]), {"title": "x"}, **HX)
        assert response.status_code == 403, name
    for name in ("delete", "share_revoke"):
        assert strict.get(reverse(f"chat:{name}", args=[thread.id]), **HX).status_code == 405
    thread.refresh_from_db()
    assert thread.title == "Guarded"
    assert thread.share_token is None
    # With the token the page carries on <body hx-headers>, it goes through.
    page = strict.get(reverse("chat:thread", args=[thread.id])).content.decode()
    token = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))["X-CSRFToken"]
    response = strict.post(
        reverse("chat:rename", args=[thread.id]), {"title": "Renamed"}, HTTP_X_CSRFTOKEN=token, **HX
    )
    assert response.status_code == 200
    thread.refresh_from_db()
    assert thread.title == "Renamed"


# -- sharing --------------------------------------------------------------------------------
def test_a_shared_link_opens_read_only_for_another_signed_in_user(user, other_user, client_of):
    thread = titled(user, "Shared plans", text="the plan")
    owner = client_of(user)
    dialog = owner.post(reverse("chat:share", args=[thread.id]), **HX).content.decode()
    thread.refresh_from_db()
    link = reverse("chat:shared", args=[thread.share_token])
    assert f"http://testserver{link}" in dialog
    page = client_of(other_user).get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert "the plan" in html
    assert "answer to the plan" in html
    assert "ws-connect" not in html  # no socket
    assert 'id="composer"' not in html  # no composer
    assert "feedback" not in html  # no rating either
    assert 'id="messages"' in html  # the chat's own partials


def test_sharing_twice_keeps_the_same_link(user):
    first = history.share(user, titled(user, "T").pk).share_token
    assert history.share(user, Thread.objects.get(share_token=first).pk).share_token == first


def test_a_revoked_link_is_a_404_and_sharing_again_makes_a_new_one(user, other_user, client_of):
    thread = titled(user, "Was shared")
    token = history.share(user, thread.pk).share_token
    reader = client_of(other_user)
    assert reader.get(reverse("chat:shared", args=[token])).status_code == 200
    response = client_of(user).post(reverse("chat:share_revoke", args=[thread.id]), **HX)
    assert "Create link" in response.content.decode()
    assert reader.get(reverse("chat:shared", args=[token])).status_code == 404
    again = history.share(user, thread.pk).share_token
    assert again != token
    assert reader.get(reverse("chat:shared", args=[token])).status_code == 404


def test_a_shared_link_asks_anonymous_visitors_to_sign_in(user):
    token = history.share(user, titled(user, "T").pk).share_token
    response = Client().get(reverse("chat:shared", args=[token]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_link_is_a_404(other_user, client_of):
    assert client_of(other_user).get(reverse("chat:shared", args=["nope"])).status_code == 404


def test_a_shared_link_does_not_let_the_reader_into_the_thread(user, other_user, client_of):
    thread = titled(user, "T")
    history.share(user, thread.pk)
    reader = client_of(other_user)
    assert reader.get(reverse("chat:thread", args=[thread.id])).status_code == 404
    assert reader.post(reverse("chat:rename", args=[thread.id]), {"title": "x"}).status_code == 404


# -- resuming ----------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_a_thread_opened_from_history_resumes_and_goes_on(use_assistant, open_chat, user):
    use_assistant("features")
    thread = await Thread.objects.acreate(owner=user)
    first = await open_chat(thread, user)
    await first.send("hello")
    await first.close()
    await sync_to_async(history.rename)(user, thread.pk, "Greetings")

    # Later: found in the sidebar's search, opened again.
    found = await sync_to_async(history.list_threads)(user, query="greet")
    assert [t.pk for t in found.threads] == [thread.pk]
    again = await open_chat(thread, user)
    assert again.session.user_session["resumed_thread"] == str(thread.id)
    assert again.session.user_session["starts"] == 1  # resumed, not started afresh
    await again.send("history")
    assert json.loads((await again.last_reply()).content) == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "ok: hello"},
        {"role": "user", "content": "history"},
    ]
    assert (await Thread.objects.aget(pk=thread.pk)).title == "Greetings"


# -- a fixed number of queries, however many rows ---------------------------------------------
def fill(owner, threads: int, messages: int) -> Thread:
    last = None
    for n in range(threads):
        last = titled(owner, f"Budget {n}", days_ago=n, text="budget talk")
        for m in range(messages):
            make_message(
                last,
                f"more budget words {m}",
                author_kind=Message.Author.ASSISTANT if m % 2 else Message.Author.USER,
            )
        answer = last.messages.filter(author_kind=Message.Author.ASSISTANT).first()
        Feedback.objects.create(message=answer, user=owner, value=-1, comment="meh")
    return last


def token(thread: Thread) -> str:
    return Thread.objects.values_list("share_token", flat=True).get(pk=thread.pk)


def queries(client: Client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return len(captured.captured_queries)


def test_history_pages_make_the_same_number_of_queries_for_few_or_many_rows(client_of):
    small_user, large_user = make_user(), make_user()
    small = fill(small_user, threads=2, messages=2)
    large = fill(large_user, threads=60, messages=12)
    history.share(small_user, small.pk)
    history.share(large_user, large.pk)
    counts = {}
    for label, owner, thread in (("small", small_user, small), ("large", large_user, large)):
        client = client_of(owner)
        reader = client_of(make_user())
        counts[label] = {
            "sidebar": queries(client, reverse("chat:history"), **HX),
            "search": queries(client, reverse("chat:history") + "?q=budget", **HX),
            "page": queries(client, reverse("chat:thread", args=[thread.id])),
            "shared": queries(reader, reverse("chat:shared", args=[token(thread)])),
        }
    assert counts["small"] == counts["large"]
    # Session and user, then one query for the list; a search asks titles and messages apart.
    assert counts["small"]["sidebar"] == 3
    if connection.vendor == "postgresql":
        # First the full-text index, for how rare the words are: one query, plus setting
        # and restoring the planner's options in a savepoint (4 more).
        assert counts["small"]["search"] == 9
    else:
        assert counts["small"]["search"] == 4
