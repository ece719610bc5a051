"""`cl.make_async` and `cl.run_sync` from a hook: blocking code in a worker thread that
still reaches the chat, without blocking the event loop."""

from __future__ import annotations

import asyncio

import pytest

import chat.sdk as cl
from chat.engine.context import NoChatContextError
from chat.models import Message, Step

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user):
    use_assistant("blocking")
    return await open_chat(thread, user)


def seen(chat) -> dict:
    return chat.session.user_session["seen"]


async def assistant_texts(chat) -> list[str]:
    return [m.content for m in await chat.messages() if m.author_kind == Message.Author.ASSISTANT]


async def test_make_async_runs_in_a_worker_thread_and_run_sync_reaches_the_chat(chat):
    await chat.send("add")
    assert await assistant_texts(chat) == ["working on 2 + 3", "total 5"]
    observed = seen(chat)
    assert observed["worker-thread"] != observed["loop-thread"]
    assert observed["run-sync-returned"] == "Message"
    # The worker thread knows its chat session, as the hook does.
    assert observed["session-id-in-thread"] == chat.session.id


async def test_the_event_loop_stays_free_while_blocking_code_runs(chat):
    await chat.send("loop-free")
    assert seen(chat)["loop-was-free"] is True
    assert (await chat.last_reply()).content == "loop free: True"


async def test_run_sync_on_the_event_loop_is_refused_with_a_clear_error(chat):
    await chat.send("run-sync-on-loop")
    assert "make_async" in seen(chat)["refused"]


async def test_an_exception_in_blocking_code_reaches_the_hook(chat):
    await chat.send("fail")
    assert seen(chat)["caught"] == "no such record"
    assert (await chat.last_reply()).content == "caught"


async def test_blocking_code_inside_a_step(chat):
    await chat.send("step-around-make-async")
    [step] = [s async for s in Step.objects.filter(thread_id=chat.thread.pk)]
    assert (step.name, step.output, step.is_error) == ("blocking work", "2", False)
    assert await assistant_texts(chat) == ["working on 1 + 1"]


async def test_make_async_keeps_the_functions_name_and_works_outside_a_chat():
    def double(x: int) -> int:
        return 2 * x

    wrapped = cl.make_async(double)
    assert wrapped.__name__ == "double"
    assert await wrapped(21) == 42


async def test_run_sync_outside_a_chat_says_there_is_no_chat_context():
    coroutine = asyncio.sleep(0)
    try:
        with pytest.raises(NoChatContextError):
            await asyncio.to_thread(cl.run_sync, coroutine)
    finally:
        coroutine.close()
