"""`cl.chat_context`: the thread's history, as OpenAI chat messages."""

from __future__ import annotations

import json

import pytest

import chat.sdk as cl

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("features")
    return await open_chat(thread, user)


async def test_to_openai_lists_the_conversation_with_roles(chat):
    await chat.send("hello")
    await chat.send("history")
    assert json.loads((await chat.last_reply()).content) == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "ok: hello"},
        {"role": "user", "content": "history"},
    ]


async def test_to_openai_has_final_streamed_text_and_no_removed_message(chat):
    await chat.send("sequence")
    await chat.send("remove")
    await chat.send("history")
    assert json.loads((await chat.last_reply()).content) == [
        {"role": "user", "content": "sequence"},
        {"role": "assistant", "content": "second third"},
        {"role": "user", "content": "remove"},
        {"role": "assistant", "content": "after remove"},
        {"role": "user", "content": "history"},
    ]


async def test_errors_are_system_messages_in_the_history(chat):
    await chat.send("error")
    await chat.send("history")
    history = json.loads((await chat.last_reply()).content)
    assert {"role": "system", "content": "bad input"} in history


async def test_a_resumed_session_has_the_stored_history(chat, open_chat, thread, user):
    await chat.send("hello")
    await chat.close()

    again = await open_chat(thread, user)
    await again.send("history")
    assert json.loads((await again.last_reply()).content) == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "ok: hello"},
        {"role": "user", "content": "history"},
    ]


@pytest.mark.django_db
def test_outside_a_session_the_history_is_empty():
    assert cl.chat_context.to_openai() == []
