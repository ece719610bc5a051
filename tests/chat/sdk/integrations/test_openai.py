"""`cl.instrument_openai()`: the real openai client, sync and async, streamed or not, with
tools, against the local fake server; each call becomes an `llm` step."""

from __future__ import annotations

import json

import pytest

import chat.sdk as cl
from chat.models import Thread
from chat.sdk.integrations.openai import uninstrument_openai

from .conftest import finished_steps

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user, llm_url):
    cl.instrument_openai()
    use_assistant("llm_clients")
    yield await open_chat(thread, user)
    uninstrument_openai()


async def test_an_async_streamed_call_becomes_an_llm_step_with_prompt_output_and_tokens(chat):
    await chat.send("openai-async-stream: hello stream")
    [step] = await finished_steps(chat.thread, 1)
    assert (step.type, step.name) == ("llm", "stream-model")
    assert json.loads(step.input) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hello stream"},
    ]
    assert step.output == "You said: hello stream"
    generation = step.metadata["generation"]
    assert generation["provider"] == "openai"
    assert generation["stream"] is True
    assert generation["settings"] == {"max_tokens": 50}
    assert (generation["input_tokens"], generation["output_tokens"]) == (4, 4)
    assert generation["tt_first_token_ms"] <= generation["duration_ms"]
    assert (await chat.last_reply()).content == "You said: hello stream"
    # The step came before the answer it produced.
    reply = await chat.last_reply()
    assert step.order < reply.order
    assert (await Thread.objects.aget(pk=chat.thread.pk)).total_tokens == 8


async def test_an_async_call_that_is_not_streamed_is_recorded_too(chat):
    await chat.send("openai-async: plain question")
    [step] = await finished_steps(chat.thread, 1)
    assert step.output == "You said: plain question"
    assert step.metadata["generation"]["stream"] is False
    assert step.metadata["generation"]["total_tokens"] > 0


async def test_a_blocking_call_inside_the_hook_is_recorded(chat):
    await chat.send("openai-sync: blocking question")
    [step] = await finished_steps(chat.thread, 1)
    assert (step.name, step.output) == ("sync-model", "You said: blocking question")


async def test_a_streamed_call_from_a_worker_thread_is_recorded(chat):
    await chat.send("openai-thread-stream: from a thread")
    [step] = await finished_steps(chat.thread, 1)
    assert step.output == "You said: from a thread"
    assert step.metadata["generation"]["output_tokens"] == 5
    assert (await chat.last_reply()).content == "You said: from a thread"


async def test_a_tool_call_is_the_output_and_the_step_nests_under_the_running_step(chat):
    await chat.send("openai-tool: what time is it")
    steps = await finished_steps(chat.thread, 2)
    agent, llm = steps
    assert (agent.type, agent.name) == ("run", "agent")
    assert llm.parent_id == agent.id
    assert llm.type == "llm"
    calls = json.loads(llm.output)
    assert [c["name"] for c in calls] == ["current_time"]
    generation = llm.metadata["generation"]
    assert generation["tools"] == ["current_time"]
    assert generation["settings"] == {"temperature": 0.2}
    assert generation["tool_calls"][0]["name"] == "current_time"


async def test_a_failed_call_is_a_failed_step_and_the_error_reaches_the_thread(chat):
    await chat.send("openai-async: hit the rate limit")
    [step] = await finished_steps(chat.thread, 1)
    assert step.is_error
    assert "RateLimitError" in step.output
    assert "RateLimitError" in (await chat.last_reply()).content


async def test_a_stream_broken_midway_keeps_its_text_in_the_failed_step(chat):
    await chat.send("openai-async-stream: please break after a few words of this")
    [step] = await finished_steps(chat.thread, 1)
    assert step.is_error
    assert step.output.startswith("You said: please")
    assert "APIConnectionError" in step.metadata["generation"]["error"]


def test_calls_outside_a_chat_are_left_alone(fake_llm):
    from openai import OpenAI

    cl.instrument_openai()
    try:
        client = OpenAI(base_url=fake_llm.openai_url, api_key="test-key", max_retries=0)
        response = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
        assert response.choices[0].message.content == "You said: hi"
    finally:
        uninstrument_openai()


def test_instrumenting_twice_wraps_once():
    from openai.resources.chat.completions import Completions

    original = Completions.create
    cl.instrument_openai()
    wrapped = Completions.create
    cl.instrument_openai()
    try:
        assert Completions.create is wrapped
        assert wrapped is not original
    finally:
        uninstrument_openai()
    assert Completions.create is original
