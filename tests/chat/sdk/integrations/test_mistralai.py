"""`cl.instrument_mistralai()`: the real mistralai client against the local fake server."""

from __future__ import annotations

import json

import pytest

import chat.sdk as cl
from chat.sdk.integrations.mistralai import uninstrument_mistralai

from .conftest import finished_steps

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def chat(use_assistant, open_chat, thread, user, llm_url):
    cl.instrument_mistralai()
    use_assistant("llm_clients")
    yield await open_chat(thread, user)
    uninstrument_mistralai()


async def test_a_streamed_call_becomes_an_llm_step(chat):
    await chat.send("mistral-stream: bonjour")
    [step] = await finished_steps(chat.thread, 1)
    assert (step.type, step.name, step.output) == ("llm", "mistral-model", "You said: bonjour")
    generation = step.metadata["generation"]
    assert generation["provider"] == "mistralai"
    assert generation["stream"] is True
    assert (generation["input_tokens"], generation["output_tokens"]) == (3, 3)
    assert json.loads(step.input)[-1] == {"role": "user", "content": "bonjour"}


async def test_a_blocking_call_is_recorded(chat):
    await chat.send("mistral-sync: salut")
    [step] = await finished_steps(chat.thread, 1)
    assert step.output == "You said: salut"
    assert step.metadata["generation"]["total_tokens"] == 6


async def test_a_tool_call_is_recorded(chat):
    await chat.send("mistral-tool: what time is it")
    [step] = await finished_steps(chat.thread, 1)
    assert [c["name"] for c in json.loads(step.output)] == ["current_time"]
    assert (await chat.last_reply()).content == "current_time"


async def test_a_wrong_key_is_a_failed_step(chat, fake_llm):
    fake_llm.key = "another-key"
    await chat.send("mistral-sync: salut")
    [step] = await finished_steps(chat.thread, 1)
    assert step.is_error
    assert "401" in step.metadata["generation"]["error"]
