"""`cl.Message` driven by an assistant through a real chat session: database and pushes."""

from __future__ import annotations

import asyncio

import pytest

import chat.sdk as cl
from chat.engine.context import NoChatContextError
from chat.models import Message
from tests.drivers import streamed_pieces, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("features")
    return await open_chat(thread, user)


async def test_streaming_before_send_shows_the_message_at_once_as_streaming(chat):
    gate = chat.session.user_session["gate"] = asyncio.Event()
    await chat.send("stream-then-send", wait=False)

    appended = await chat.tab.until(
        lambda f: 'hx-swap-oob="beforeend:#messages"' in f and 'data-status="streaming"' in f
    )
    # Shown while its row is being written (an assistant's message, as in Chainlit).
    await wait_for(
        Message.objects.filter(thread=chat.thread, author_kind="assistant").aexists,
        what="the answer's row",
    )
    row = await chat.last_reply()
    assert row.status == Message.Status.STREAMING
    assert f'id="m-{row.id}"' in appended
    # With its first words in it.
    assert streamed_pieces([appended], row.id) == ["Hello"]

    gate.set()
    await chat.idle()
    row = await chat.last_reply()
    assert (row.content, row.status) == ("Hello world", Message.Status.DONE)


async def test_send_after_streaming_re_renders_the_final_message(chat):
    await chat.send("stream-then-send")
    row = await chat.last_reply()
    final = await chat.tab.until(
        lambda f: f'id="m-{row.id}"' in f and 'hx-swap-oob="outerHTML"' in f and "done" in f
    )
    assert 'data-status="done"' in final
    assert "<p>Hello world</p>" in final


async def test_update_stores_and_renders_the_new_content(chat):
    await chat.send("update")
    replies = [m for m in await chat.messages() if m.author_kind == Message.Author.ASSISTANT]
    assert [(m.content, m.status) for m in replies] == [("**final**", Message.Status.DONE)]
    await chat.tab.until(lambda f: f'id="m-{replies[0].id}"' in f and "<strong>final</strong>" in f)


async def test_remove_deletes_the_message_everywhere(chat):
    await chat.send("remove")
    contents = [m.content for m in await chat.messages()]
    assert "temporary" not in contents
    assert contents[-1] == "after remove"
    removed = await chat.tab.until(lambda f: 'hx-swap-oob="delete"' in f)
    assert removed.startswith('<div id="m-')


async def test_stream_token_with_is_sequence_replaces_the_text(chat):
    await chat.send("sequence")
    row = await chat.last_reply()
    assert row.content == "second third"
    # The stream's open block has its text swapped in place: the element stays.
    replaced = await chat.tab.until(lambda f: f'hx-swap-oob="innerHTML:#m-{row.id}-text"' in f)
    assert ">second<" in replaced


async def test_error_message_is_stored_and_shown_as_an_error(chat):
    await chat.send("error")
    row = await chat.last_reply()
    assert (row.content, row.is_error, row.author_kind) == (
        "bad input",
        True,
        Message.Author.SYSTEM,
    )
    await chat.tab.until(lambda f: f'id="m-{row.id}"' in f and "message--error" in f)


@pytest.mark.django_db  # the closest mark counts: no flush for a test without rows
def test_structured_content_is_shown_as_pretty_json():
    message = cl.Message(content={"answer": 42})
    assert message.content == '{\n    "answer": 42\n}'
    assert message.language == "json"


@pytest.mark.django_db
async def test_sending_outside_a_hook_says_there_is_no_chat_context():
    with pytest.raises(NoChatContextError):
        await cl.Message(content="lost").send()
