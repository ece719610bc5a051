"""Thread services shared by every edge: who sees what, drafts, titles, saved sessions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.template.loader import render_to_string
from django.utils import timezone

from chat.models import Message, Thread
from chat.rendering import fragments, sidebar
from chat.threads import snapshot as snapshots
from chat.threads import store as threads
from tests.factories import make_message, make_thread


@pytest.mark.django_db
def test_the_owner_sees_their_thread(user, thread):
    assert threads.visible_thread(user, thread.id) == thread
    assert threads.visible_thread(user, str(thread.id)) == thread


@pytest.mark.django_db
def test_another_users_thread_is_invisible(other_user, thread):
    assert threads.visible_thread(other_user, thread.id) is None


@pytest.mark.django_db
@pytest.mark.parametrize("thread_id", ["not-a-uuid", "", None, "1", str(uuid.uuid4())])
def test_malformed_and_missing_ids_are_invisible_alike(user, thread, thread_id):
    assert threads.visible_thread(user, thread_id) is None


@pytest.mark.django_db
def test_an_inactive_user_sees_nothing(user, thread):
    user.is_active = False
    user.save()
    assert threads.visible_thread(user, thread.id) is None


@pytest.mark.django_db
def test_the_draft_thread_is_reused_until_the_user_writes_in_it(user):
    draft = threads.draft_thread(user)
    assert threads.draft_thread(user) == draft
    make_message(draft, "hello")
    fresh = threads.draft_thread(user)
    assert fresh != draft
    assert fresh.owner == user


@pytest.mark.django_db
def test_a_draft_is_never_another_users_thread(user, other_user):
    theirs = make_thread(other_user)
    assert threads.draft_thread(user) != theirs


@pytest.mark.django_db
def test_the_sidebar_lists_only_the_users_titled_threads(user, other_user):
    titled = make_thread(user, title="About taxes")
    make_thread(user)  # a draft, untitled
    make_thread(other_user, title="Not yours")
    assert threads.sidebar_threads(user) == [titled]


def test_titles_are_one_line_and_cut_at_eighty_characters():
    assert threads.title_from("  Hello\n\n  world  ") == "Hello world"
    long = threads.title_from("word " * 40)
    assert len(long) == threads.TITLE_LENGTH
    assert long.endswith("…")


@pytest.mark.django_db
def test_the_snapshot_holds_every_stored_message_as_out_of_band_swaps(thread):
    make_message(thread, "a question")
    make_message(thread, "**an answer**", author_kind=Message.Author.ASSISTANT)
    html = snapshots.snapshot_html(thread)
    assert '<div id="messages"' in html
    assert 'hx-swap-oob="outerHTML"' in html
    assert "a question" in html
    assert "<strong>an answer</strong>" in html
    assert 'id="run-state"' in html


@pytest.mark.django_db(transaction=True)
async def test_only_json_values_of_the_session_are_saved(thread):
    state = threads.session_state({"notes": ["a"], "count": 2, "client": object(), "when": {1, 2}})
    await threads.save_session_state(thread.id, state, started=True)
    saved = (await Thread.objects.aget(pk=thread.pk)).metadata
    assert saved["user_session"] == {"notes": ["a"], "count": 2}
    assert saved["started"] is True


def test_the_saved_session_is_a_copy_of_its_values():
    notes = ["a"]
    values = {"notes": notes, "flag": True, "ratio": 0.5, "none": None, "name": "Ada", "n": 3}
    state = threads.session_state(values)
    notes.append("b")  # changed in the session after it was saved
    assert state == {
        "notes": ["a"],
        "flag": True,
        "ratio": 0.5,
        "none": None,
        "name": "Ada",
        "n": 3,
    }
    assert threads.session_state({"steps": (1, 2), "by": {1: "x"}}) == {
        "steps": [1, 2],
        "by": {"1": "x"},
    }


@pytest.mark.django_db(transaction=True)
async def test_the_thread_dict_has_chainlits_shape(thread, user):
    await Thread.objects.filter(pk=thread.pk).aupdate(title="Taxes", metadata={"tags": ["t"]})

    await sync_to_async(make_message)(thread, "question")
    await sync_to_async(make_message)(thread, "answer", author_kind=Message.Author.ASSISTANT)
    loaded = await threads.load_thread(thread.id)

    data = await threads.thread_dict(loaded)

    assert data["id"] == str(thread.id)
    assert data["name"] == "Taxes"
    assert data["userIdentifier"] == user.email
    assert data["tags"] == ["t"]
    assert [(s["type"], s["output"], s["threadId"]) for s in data["steps"]] == [
        ("user_message", "question", str(thread.id)),
        ("assistant_message", "answer", str(thread.id)),
    ]


def test_only_the_first_pages_today_group_is_where_new_threads_go(user):
    today = Thread(id=uuid.uuid4(), title="Now", updated_at=timezone.now())
    older = Thread(id=uuid.uuid4(), title="Then", updated_at=timezone.now() - timedelta(days=9))
    first_page = fragments.thread_list([today, older], None)
    assert first_page.count('id="thread-group-today"') == 1
    # A later page that goes on with today's threads has no heading, and no second target.
    next_page = render_to_string(
        fragments.FRAGMENTS + "thread_page.html", sidebar.page_context([today], None, after="today")
    )
    assert "Now</a>" in next_page
    assert 'id="thread-group-today"' not in next_page
