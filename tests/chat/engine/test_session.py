"""A chat session: runs the assistant's hooks one at a time, survives their failures, stops."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat.engine import control
from chat.models import Message, Thread
from tests.drivers import shows_streamed, wait_for
from tests.factories import make_thread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("features")
    return await open_chat(thread, user)


async def test_a_failing_hook_becomes_an_error_message_in_the_thread(chat):
    await chat.send("fail")
    row = await chat.last_reply()
    assert row.is_error
    assert row.author_kind == Message.Author.SYSTEM
    assert "RuntimeError: the model is down" in row.content
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and "the model is down" in f)


async def test_a_message_that_cannot_be_stored_ends_the_run_with_an_error(chat):
    # Shown while its row is written: the run waits for the row, and says so if it failed.
    await chat.send("same-id")
    replies = [m for m in await chat.messages() if m.author_kind != Message.Author.USER]
    assert [m.content for m in replies[:2]] == ["first", "third"]
    assert replies[-1].is_error
    assert "IntegrityError" in replies[-1].content
    await chat.tab.until(lambda f: f'id="m-{replies[-1].id}"' in f)


async def test_the_session_stays_usable_after_a_hook_fails(chat):
    await chat.send("fail")
    await chat.send("hello")
    assert (await chat.last_reply()).content == "ok: hello"


async def test_a_hook_failing_mid_stream_keeps_the_partial_text_marked_failed(chat):
    await chat.send("fail-mid-stream")
    streamed, error = [m for m in await chat.messages() if m.author_kind != Message.Author.USER]
    assert (streamed.content, streamed.status, streamed.is_error) == (
        "partial",
        Message.Status.FAILED,
        False,
    )
    assert error.is_error
    assert "the connection dropped" in error.content


async def test_stop_cancels_the_running_hook_keeps_the_text_and_runs_on_stop(chat):
    await chat.send("hang", wait=False)
    await chat.tab.until(lambda f: shows_streamed(f, "partial"))

    await control.request_stop(chat.thread.id)
    await chat.idle()

    row = await chat.last_reply()
    assert (row.content, row.status) == ("partial", Message.Status.STOPPED)
    assert (await chat.saved_session())["stopped"] is True
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and 'data-status="stopped"' in f)


async def test_stop_with_nothing_running_changes_nothing(chat):
    await chat.send("hello")
    await control.request_stop(chat.thread.id)
    await chat.send("hello again")
    assert (await chat.last_reply()).content == "ok: hello again"


async def test_messages_are_stored_at_once_and_answered_one_at_a_time_in_order(chat):
    for text in ("one", "two", "three"):
        await chat.send(text, wait=False)
    await chat.idle()
    rows = await chat.messages()
    assert [m.content for m in rows if m.author_kind == Message.Author.USER] == [
        "one", "two", "three",
    ]  # fmt: skip
    assert [m.content for m in rows if m.author_kind == Message.Author.ASSISTANT] == [
        "ok: one", "ok: two", "ok: three",
    ]  # fmt: skip


async def test_the_first_message_titles_the_thread_and_updates_the_sidebar(chat):
    await chat.send("What is   the plan\nfor today?")
    thread = await Thread.objects.aget(pk=chat.thread.pk)
    assert thread.title == "What is the plan for today?"
    await chat.tab.until(lambda f: 'id="thread-list"' in f and "What is the plan for today?" in f)
    await chat.send("second message")
    assert (await Thread.objects.aget(pk=chat.thread.pk)).title == "What is the plan for today?"


async def test_a_message_in_an_older_conversation_moves_it_to_the_top_of_the_sidebar(
    use_assistant, open_chat, user
):
    use_assistant("echo")
    older = await sync_to_async(make_thread)(
        user,
        title="the first conversation",
        metadata={"started": True},
        updated_at=timezone.now() - timedelta(days=3),
    )
    await sync_to_async(make_thread)(user, title="a newer conversation")
    chat = await open_chat(older, user)

    await chat.send("back to the first one")
    listing = await chat.tab.until(lambda f: 'id="thread-list"' in f)
    assert listing.index("the first conversation") < listing.index("a newer conversation")

    # Now on top: the next message pushes no list.
    chat.tab.frames.clear()
    await chat.send("and once more")
    await chat.tab.until(lambda f: "and once more" in f and "echo" in f)
    assert not any('id="thread-list"' in f for f in chat.tab.frames)


async def test_running_state_is_pushed_around_each_run(chat):
    await chat.send("hello")
    frames = chat.tab.frames
    await chat.tab.until(lambda f: "ok: hello" in f)
    answered = next(i for i, f in enumerate(frames) if "ok: hello" in f)
    await wait_for(lambda: any('data-running="false"' in f for f in frames[answered:]))

    asked = next(i for i, f in enumerate(frames) if "message--user" in f and "hello" in f)
    states = [f for f in frames[asked:] if 'id="run-state"' in f]
    assert 'data-running="true"' in states[0]
    assert 'data-running="false"' in states[-1]


async def test_a_hook_keeps_running_after_the_socket_closes(chat):
    gate = chat.session.user_session["gate"] = asyncio.Event()
    await chat.send("stream-then-send", wait=False)
    await chat.tab.until(shows_streamed)
    await chat.session.close()
    gate.set()
    await chat.idle()
    assert (await chat.last_reply()).content == "Hello world"
