"""The admin for reviewers: find conversations, read them as the user saw them, export them,
and change nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat import admin_paging
from chat.admin import CappedPaginator, ThreadAdmin
from chat.models import Element, Feedback, Message, Step, Thread
from chat.threads import search
from tests.factories import make_message, make_thread, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:chat_thread_changelist")
MESSAGES = reverse("admin:chat_message_changelist")


def conversation(owner, title: str, *, rating: int | None = None, comment: str = "", days_ago=0):
    thread = make_thread(owner, title=title)
    make_message(thread, f"question about {title}")
    step = Step.objects.create(
        thread=thread, order=thread.last_order + 1, type="tool", name="lookup", output="found it"
    )
    Thread.objects.filter(pk=thread.pk).update(last_order=step.order)
    thread.last_order = step.order
    answer = make_message(
        thread, f"answer about {title}", author_kind=Message.Author.ASSISTANT, author_name="Bot"
    )
    if rating is not None:
        Feedback.objects.create(message=answer, user=owner, value=rating, comment=comment)
    moment = timezone.now() - timedelta(days=days_ago)
    Thread.objects.filter(pk=thread.pk).update(updated_at=moment, created_at=moment)
    return thread


@pytest.fixture
def reviewer(db):
    person = make_user(email="reviewer@example.com", is_staff=True)
    person.groups.add(Group.objects.get(name="Reviewers"))
    return person


@pytest.fixture
def review(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


@pytest.fixture
def superuser_client(db) -> Client:
    client = Client()
    client.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def data(user, other_user):
    return {
        "good": conversation(user, "Holiday policy", rating=1, days_ago=0),
        "bad": conversation(user, "Expense report", rating=-1, comment="Wrong limit", days_ago=3),
        "none": conversation(other_user, "Printer setup", days_ago=40),
    }


def rows(html: str) -> list[str]:
    """Titles of the threads listed in the changelist."""
    return re.findall(r'<th class="field-title_shown"><a href="[^"]+">([^<]+)</a>', html)


# -- the group ------------------------------------------------------------------------------
def test_the_reviewers_group_can_view_conversations_and_nothing_more():
    codenames = set(
        Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True)
    )
    assert codenames == {
        "view_thread",
        "view_message",
        "view_step",
        "view_element",
        "view_feedback",
    }


# -- finding conversations --------------------------------------------------------------------
def test_the_list_shows_user_title_counts_feedback_and_dates(review, data, user):
    html = review.get(CHANGELIST).content.decode()
    assert rows(html) == ["Holiday policy", "Expense report", "Printer setup"]
    bad = html[html.index("Expense report") :]
    assert user.email in bad
    assert '<td class="field-message_count">2</td>' in bad
    assert re.search(r"0 up</span> · <span[^>]*>1 down", bad)
    assert "field-created" in html
    assert "field-last_active" in html


def test_a_chat_only_opened_is_left_out_of_the_list_unless_asked_for(review, data, user):
    opened = make_thread(user)  # the page was opened; the assistant greeted; nobody wrote
    make_message(opened, "Hello!", author_kind=Message.Author.ASSISTANT)

    assert "(untitled)" not in review.get(CHANGELIST).content.decode()
    assert rows(review.get(CHANGELIST + "?written=no").content.decode()) == ["(untitled)"]
    assert len(rows(review.get(CHANGELIST + "?written=all").content.decode())) == 4


def test_the_admin_bears_the_products_name_and_colours(review, settings):
    html = review.get(reverse("admin:index")).content.decode()
    assert f">{settings.CHAT_UI_NAME}</a></div>" in html
    assert f"<title>Site administration | {settings.CHAT_UI_NAME} administration</title>" in html
    assert reverse("branding_css") in html
    assert "chat/admin.css" in html
    assert "Django administration" not in html


def test_each_app_has_its_own_section_name_in_the_admin(superuser_client):
    html = superuser_client.get(reverse("admin:index")).content.decode()
    sections = re.findall(r'<a href="[^"]+" class="section"[^>]*>([^<]+)</a>', html)
    assert sections
    assert len(sections) == len(set(sections)), sections


def test_the_negative_feedback_filter_finds_the_rated_down_threads(review, data):
    html = review.get(CHANGELIST, {"feedback": "negative"}).content.decode()
    assert rows(html) == ["Expense report"]
    assert rows(review.get(CHANGELIST, {"feedback": "positive"}).content.decode()) == [
        "Holiday policy"
    ]
    assert rows(review.get(CHANGELIST, {"feedback": "none"}).content.decode()) == ["Printer setup"]


def test_filters_by_user_and_by_date(review, data, other_user):
    assert rows(review.get(CHANGELIST, {"user": other_user.email.upper()}).content.decode()) == [
        "Printer setup"
    ]
    since = (timezone.now() - timedelta(days=7)).isoformat()
    html = review.get(CHANGELIST, {"updated_at__gte": since}).content.decode()
    assert rows(html) == ["Holiday policy", "Expense report"]


@pytest.mark.parametrize("rare_below", [1, 2000], ids=["common words", "rare words"])
def test_search_looks_in_titles_and_in_message_text(review, data, monkeypatch, rare_below):
    monkeypatch.setattr(search, "RARE_BELOW", rare_below)
    assert rows(review.get(CHANGELIST, {"q": "printer"}).content.decode()) == ["Printer setup"]
    make_message(data["good"], "Can I carry over vacation days?")
    assert rows(review.get(CHANGELIST, {"q": "vacation"}).content.decode()) == ["Holiday policy"]
    assert rows(review.get(CHANGELIST, {"q": "mallory"}).content.decode()) == ["Printer setup"]
    assert rows(review.get(CHANGELIST, {"q": "answer about"}).content.decode()) == [
        "Holiday policy",
        "Expense report",
        "Printer setup",
    ]


def test_a_broad_search_counts_no_further_than_the_cap(review, data, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "CAP", 2)
    monkeypatch.setattr(ThreadAdmin, "list_per_page", 1)
    html = review.get(CHANGELIST, {"q": "about"}).content.decode()
    assert "2 results" in html  # of 3
    assert len(rows(html)) == 1
    assert review.get(CHANGELIST, {"q": "about", "p": "3"}).status_code == 302  # no page 3
    assert "3 threads" in review.get(CHANGELIST).content.decode()  # no search: all counted


# -- reading one ------------------------------------------------------------------------------
def test_the_thread_page_embeds_the_transcript_read_only(review, data):
    thread = data["bad"]
    page = review.get(reverse("admin:chat_thread_change", args=[thread.pk])).content.decode()
    transcript_url = reverse("admin:chat_thread_transcript", args=[thread.pk])
    assert f'<iframe class="chat-transcript" src="{transcript_url}"' in page
    assert 'name="_save"' not in page
    assert "deletelink" not in page
    transcript = review.get(transcript_url)
    html = transcript.content.decode()
    assert transcript.status_code == 200
    assert transcript["X-Frame-Options"] == "SAMEORIGIN"
    assert 'id="messages"' in html  # the chat's own partials
    assert "question about Expense report" in html
    assert "answer about Expense report" in html
    assert 'class="step step--tool"' in html
    assert "lookup" in html
    assert "Rated not helpful" in html
    assert "Wrong limit" in html
    assert "hx-post" not in html  # nothing to click
    assert "ws-connect" not in html


def test_the_thread_page_shows_the_modes_the_user_chose(review, data):
    thread = data["good"]
    thread.metadata["modes"] = [
        {
            "id": "model",
            "name": "Model",
            "options": [
                {"id": "fast", "name": "Fast", "description": "", "icon": "", "default": True},
                {"id": "deep", "name": "Deep", "description": "", "icon": "", "default": False},
            ],
        }
    ]
    thread.metadata["mode_choices"] = {"model": "deep"}
    thread.save()
    message = thread.messages.filter(author_kind="user").first()
    message.metadata = {"modes": {"model": "deep"}, "modes_shown": [["Model", "Deep"]]}
    message.save()
    page = review.get(reverse("admin:chat_thread_change", args=[thread.pk])).content.decode()
    shown = page[page.index("field-modes_shown") :]
    assert re.match(
        r'field-modes_shown">.*?<label>Modes:</label>\s*<div class="readonly">Model: Deep</div>',
        shown,
        re.S,
    )
    transcript = review.get(reverse("admin:chat_thread_transcript", args=[thread.pk]))
    assert '<span class="message__mode">Model: Deep</span>' in transcript.content.decode()


def test_reviewers_see_tags_and_filter_by_them(review, data):
    data["good"].tags = "\nbilling\nurgent\n"
    data["good"].save()
    data["none"].tags = "\nbilling\n"
    data["none"].save()
    changelist = reverse("admin:chat_thread_changelist")
    page = review.get(changelist).content.decode()
    assert "?tag=urgent" in page
    listed = review.get(changelist, {"tag": "billing", "all": "1"}).content.decode()
    assert sorted(rows(listed)) == ["Holiday policy", "Printer setup"]
    assert rows(review.get(changelist, {"tag": "urgent"}).content.decode()) == ["Holiday policy"]
    thread_page = review.get(reverse("admin:chat_thread_change", args=[data["good"].pk]))
    assert '<div class="readonly">billing, urgent</div>' in thread_page.content.decode()


def test_a_user_who_is_not_a_reviewer_gets_nothing(user, data):
    staff = Client()
    staff.force_login(make_user(is_staff=True))
    assert staff.get(CHANGELIST).status_code == 403
    transcript = reverse("admin:chat_thread_transcript", args=[data["bad"].pk])
    assert staff.get(transcript).status_code == 403
    owner = Client()
    owner.force_login(user)  # not staff: the admin asks to sign in
    assert owner.get(transcript).status_code == 302


# -- changing nothing -----------------------------------------------------------------------
def test_the_reviewer_sees_no_add_or_delete(review, data):
    html = review.get(CHANGELIST).content.decode()
    assert "addlink" not in html
    assert 'value="delete_selected"' not in html
    assert 'value="export_json"' in html
    assert 'value="export_csv"' in html


@pytest.mark.parametrize("model", ["thread", "message", "step", "element", "feedback"])
def test_the_reviewer_can_change_or_delete_nothing(review, data, model):
    thread = data["bad"]
    element = Element.objects.create(thread=thread, kind="text", name="note", content="n")
    obj = {
        "thread": thread,
        "message": thread.messages.first(),
        "step": thread.steps.first(),
        "element": element,
        "feedback": Feedback.objects.first(),
    }[model]
    change = reverse(f"admin:chat_{model}_change", args=[obj.pk])
    delete = reverse(f"admin:chat_{model}_delete", args=[obj.pk])
    assert review.get(change).status_code == 200  # reading is fine
    assert review.post(change, {"title": "hacked", "content": "hacked"}).status_code == 403
    assert review.get(delete).status_code == 403
    assert review.post(delete, {"post": "yes"}).status_code == 403
    assert review.get(reverse(f"admin:chat_{model}_add")).status_code == 403
    listing = reverse(f"admin:chat_{model}_changelist")
    response = review.post(listing, {"action": "delete_selected", "_selected_action": [obj.pk]})
    assert response.status_code in (200, 302)  # "no action selected": nothing happens
    assert type(obj).objects.filter(pk=obj.pk).exists()
    thread.refresh_from_db()
    assert thread.title == "Expense report"


def test_messages_steps_elements_and_feedback_are_read_only_for_superusers_too(
    superuser_client, data
):
    message = data["bad"].messages.first()
    change = reverse("admin:chat_message_change", args=[message.pk])
    assert superuser_client.post(change, {"content": "edited"}).status_code == 403
    assert superuser_client.get(reverse("admin:chat_feedback_add")).status_code == 403
    message.refresh_from_db()
    assert message.content.startswith("question")


def test_a_superuser_deletes_a_thread_with_its_files(
    superuser_client, data, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    thread = data["bad"]
    element = Element(thread=thread, kind="file", name="a.txt")
    element.file.save("a.txt", ContentFile(b"data"), save=True)
    path = tmp_path / element.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:chat_thread_delete", args=[thread.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Thread.objects.filter(pk=thread.pk).exists()
    assert not path.exists()


# -- export ---------------------------------------------------------------------------------
def export(client: Client, action: str, threads) -> bytes:
    response = client.post(
        CHANGELIST, {"action": action, "_selected_action": [str(t.pk) for t in threads]}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content)


def test_the_json_export_holds_messages_steps_elements_and_feedback(review, data, user):
    thread = data["bad"]
    element = Element.objects.create(
        thread=thread,
        message=thread.messages.last(),
        kind="file",
        name="report.pdf",
        mime="application/pdf",
        size=1234,
    )
    exported = json.loads(export(review, "export_json", [thread, data["none"]]))
    assert [t["id"] for t in exported] == [str(thread.pk), str(data["none"].pk)]
    record = exported[0]
    assert record["title"] == "Expense report"
    assert record["user"] == user.email
    stored = list(thread.messages.order_by("order"))
    assert [(m["id"], m["author_kind"], m["content"], m["order"]) for m in record["messages"]] == [
        (str(m.pk), m.author_kind, m.content, m.order) for m in stored
    ]
    rating = Feedback.objects.get(message__thread=thread)
    assert record["messages"][1]["feedback"] == [
        {
            "user": user.email,
            "value": -1,
            "comment": "Wrong limit",
            "created_at": rating.created_at.isoformat(),
            "updated_at": rating.updated_at.isoformat(),
        }
    ]
    step = thread.steps.get()
    assert [(s["id"], s["name"], s["output"]) for s in record["steps"]] == [
        (str(step.pk), "lookup", "found it")
    ]
    assert record["elements"] == [
        {
            "id": str(element.pk),
            "message_id": str(element.message_id),
            "step_id": None,
            "kind": "file",
            "name": "report.pdf",
            "display": "inline",
            "mime": "application/pdf",
            "size": 1234,
            "url": "",
            "file": "",
            "created_at": element.created_at.isoformat(),
        }
    ]


def test_the_csv_export_has_one_row_per_message(review, data, user):
    make_message(data["bad"], "=SUM(A1:A9)")  # a formula a spreadsheet must not run
    body = export(review, "export_csv", [data["bad"], data["good"]]).decode()
    table = list(csv.DictReader(io.StringIO(body)))
    expected = [
        m
        for t in (data["good"], data["bad"])
        for m in Message.objects.filter(thread=t).order_by("order")
    ]
    assert sorted(r["message_id"] for r in table) == sorted(str(m.pk) for m in expected)
    by_id = {r["message_id"]: r for r in table}
    for message in expected:
        row = by_id[str(message.pk)]
        assert row["thread_id"] == str(message.thread_id)
        assert row["user"] == user.email
        assert row["author_kind"] == message.author_kind
        content = message.content
        assert row["content"] == ("'" + content if content.startswith("=") else content)
    rated = by_id[str(Feedback.objects.get(value=-1).message_id)]
    assert (rated["feedback_value"], rated["feedback_comment"]) == ("-1", "Wrong limit")


# -- a fixed number of queries ------------------------------------------------------------------
def count(client: Client, url: str, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def admin_counts(client: Client, thread: Thread) -> dict[str, int]:
    return {
        "list": count(client, CHANGELIST),
        "negative": count(client, CHANGELIST, {"feedback": "negative"}),
        "search": count(client, CHANGELIST, {"q": "answer"}),
        "dated": count(client, CHANGELIST, {"updated_at__gte": "2000-01-01T00:00:00+00:00"}),
        "change": count(client, reverse("admin:chat_thread_change", args=[thread.pk])),
        "transcript": count(client, reverse("admin:chat_thread_transcript", args=[thread.pk])),
        "messages": count(client, MESSAGES),
        "messages, searched": count(client, MESSAGES, {"q": "more"}),
        "steps": count(client, reverse("admin:chat_step_changelist")),
    }


def test_admin_pages_make_the_same_number_of_queries_for_few_or_many_rows(review, user):
    small = conversation(user, "Small", rating=-1)
    first = admin_counts(review, small)
    for n in range(40):
        big = conversation(make_user(), f"Thread {n}", rating=-1 if n % 2 else 1)
        for m in range(6):
            make_message(big, f"more {m}", author_kind=Message.Author.ASSISTANT)
    assert admin_counts(review, big) == first


def test_past_the_exact_count_the_queries_stay_as_few(review, user, monkeypatch):
    """Lists longer than the exact count take the planner's estimate on PostgreSQL (one
    EXPLAIN) and count everything on SQLite: either way as many queries for 3 rows as 30."""
    monkeypatch.setattr(admin_paging, "EXACT_UP_TO", 2)
    threads = [conversation(make_user(), f"Few {n}", rating=-1) for n in range(3)]
    for thread in threads:
        make_message(thread, "more")
    admin_counts(review, threads[0])  # the content types, cached once per process
    few = admin_counts(review, threads[0])
    for n in range(27):
        thread = conversation(make_user(), f"Many {n}", rating=-1 if n % 2 else 1)
        make_message(thread, f"more {n}")
    assert admin_counts(review, threads[0]) == few


def test_a_long_list_says_its_total_is_an_estimate_on_postgresql(review, user, monkeypatch):
    monkeypatch.setattr(admin_paging, "EXACT_UP_TO", 2)
    monkeypatch.setattr(ThreadAdmin, "list_per_page", 2)
    for n in range(5):
        conversation(make_user(), f"Thread {n}", days_ago=n)
    html = review.get(CHANGELIST).content.decode()
    # The same rows, in the same order, whatever the count says.
    assert rows(html) == ["Thread 0", "Thread 1"]
    assert rows(review.get(CHANGELIST, {"p": "3"}).content.decode()) == ["Thread 4"]
    if connection.vendor == "postgresql":
        assert re.search(r"about \d+ threads", html)
        # A page past the real end (the estimate may be high) is empty, not an error.
        far = review.get(CHANGELIST, {"p": "50"})
        assert far.status_code == 200
        assert rows(far.content.decode()) == []
    else:
        assert "5 threads" in html
        assert "about" not in html


@pytest.mark.parametrize("rare_below", [1, 2000], ids=["common words", "rare words"])
def test_search_finds_a_word_only_in_a_title_or_only_in_a_message(
    review, data, monkeypatch, rare_below
):
    monkeypatch.setattr(search, "RARE_BELOW", rare_below)
    titled = make_thread(data["none"].owner, title="Quarterly kumquat numbers")
    make_message(titled, "what were the sales?")
    make_message(data["bad"], "The kumquat budget is wrong")
    found = rows(review.get(CHANGELIST, {"q": "kumquat"}).content.decode())
    assert sorted(found) == ["Expense report", "Quarterly kumquat numbers"]
    assert rows(review.get(CHANGELIST, {"q": "kumq"}).content.decode()) == found


@pytest.mark.django_db(transaction=True)
async def test_an_export_over_asgi_streams_piece_by_piece_with_every_thread(user):
    """Django would collect a plain generator into one list under ASGI: every conversation
    in memory before the first byte."""
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    threads = [await sync_to_async(conversation)(user, f"topic {n}") for n in range(3)]
    # A superuser: a transactional test's database has no Reviewers group left.
    staff = await sync_to_async(make_user)(is_staff=True, is_superuser=True)
    client = AsyncClient()
    await client.aforce_login(staff)
    response = await client.post(
        CHANGELIST, {"action": "export_json", "_selected_action": [str(t.pk) for t in threads]}
    )
    assert response.status_code == 200
    assert response.is_async
    body = b"".join([piece async for piece in response.streaming_content])
    assert {t["title"] for t in json.loads(body)} == {"topic 0", "topic 1", "topic 2"}
