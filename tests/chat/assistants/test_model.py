"""The default assistant with a model configured (CHAT_LLM_*): the real openai, anthropic and
mistralai clients against the local fake server; answers, tools, documents, failures."""

from __future__ import annotations

import json
import socket
import uuid

import pytest
from asgiref.sync import sync_to_async

from chat.engine.assistant import load
from chat.models import Element, Message, Step, Thread
from tests.chat.rag.conftest import upload
from tests.chat.rag.test_ingest import settled
from tests.drivers import shows_streamed
from tests.fake_llm import KEY

pytestmark = pytest.mark.django_db(transaction=True)

PROVIDERS = ["openai", "anthropic", "mistral"]


def base_url(server, provider: str) -> str:
    # The openai client's base URL ends in /v1; anthropic's and mistralai's add it themselves.
    return server.openai_url if provider == "openai" else server.url


@pytest.fixture
def model(settings, fake_llm, request):
    provider = getattr(request, "param", "openai")
    settings.CHAT_LLM_PROVIDER = provider
    settings.CHAT_LLM_BASE_URL = base_url(fake_llm, provider)
    settings.CHAT_LLM_API_KEY = KEY
    settings.CHAT_LLM_MODEL = "fake-model"
    settings.CHAT_LLM_MAX_RETRIES = 0
    settings.CHAT_LLM_TIMEOUT = 10
    load("chat.assistants.default", force=True)
    yield fake_llm
    load(settings.CHAT_ASSISTANT, force=True)


@pytest.fixture
async def chat(model, open_chat, thread, user):
    return await open_chat(thread, user)


async def steps_of(thread) -> list[Step]:
    return [s async for s in Step.objects.filter(thread_id=thread.pk).order_by("order")]


async def replies(thread) -> list[Message]:
    rows = Message.objects.filter(thread_id=thread.pk).exclude(author_kind="user")
    return [m async for m in rows.order_by("order")]


# -- what is offered ------------------------------------------------------------------------------
async def test_with_a_model_the_demos_profiles_settings_and_commands_are_not_offered(chat):
    from chat.engine import profiles

    row = await Thread.objects.aget(pk=chat.thread.pk)
    assert row.chat_profile == ""
    assert chat.session.settings_inputs == []
    assert chat.session.commands == []
    options = await profiles.start_options(row, chat.user)
    assert options.profiles == ()
    assert [s.message for s in options.starters] == [
        "What time is it?",
        "What can you help me with?",
    ]


async def test_a_chat_begun_with_the_demo_loses_its_controls_once_a_model_answers(
    settings, open_chat, thread, user
):
    load("chat.assistants.default", force=True)  # the offline demo: no model yet
    demo = await open_chat(thread, user)
    await demo.send("hello")
    await demo.close()
    assert (await Thread.objects.aget(pk=thread.pk)).metadata["commands"]

    settings.CHAT_LLM_MODEL = "fake-model"
    resumed = await open_chat(await Thread.objects.aget(pk=thread.pk), user)

    assert resumed.session.commands == []
    assert resumed.session.settings_inputs == []
    row = await Thread.objects.aget(pk=thread.pk)
    assert row.metadata["commands"] == []


# -- answers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_the_answer_streams_from_the_model_with_the_threads_history(chat, model):
    await chat.send("hello there")
    await chat.send("and once more")
    reply = await chat.last_reply()
    assert reply.content == "You said: and once more"
    assert reply.status == Message.Status.DONE
    # The second call carried the whole conversation, greeting and first answer included.
    sent = model.chat_requests()[-1]
    said = [(m["role"], m["content"]) for m in sent["messages"]]
    assert ("user", "hello there") in said
    assert ("assistant", "You said: hello there") in said
    assert said[-1] == ("user", "and once more")
    # The answer was streamed: the thread's tab saw tokens before the final text.
    assert await chat.tab.until(shows_streamed)


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_each_model_call_is_an_llm_step_with_tokens_and_the_thread_counts_them(chat):
    await chat.send("count my tokens")
    [step] = [s for s in await steps_of(chat.thread) if s.type == "llm"]
    generation = step.metadata["generation"]
    assert step.name == "fake-model"
    assert generation["model"] == "fake-model"
    assert generation["input_tokens"] > 0
    assert generation["output_tokens"] == 5  # "You said: count my tokens"
    assert generation["duration_ms"] >= 0
    prompt = json.loads(step.input)
    assert prompt[0]["role"] == "system"
    assert prompt[-1] == {"role": "user", "content": "count my tokens"}
    assert step.output == "You said: count my tokens"
    assert step.ended_at is not None
    assert not step.is_error
    thread = await Thread.objects.aget(pk=chat.thread.pk)
    assert thread.total_tokens == generation["input_tokens"] + generation["output_tokens"]


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_asking_the_time_calls_the_tool_shown_as_a_step_then_answers(chat, model):
    await chat.send("what time is it?")
    steps = await steps_of(chat.thread)
    assert [(s.type, s.name) for s in steps] == [
        ("llm", "fake-model"),
        ("tool", "current_time"),
        ("llm", "fake-model"),
    ]
    tool = steps[1]
    assert "UTC" in tool.output
    assert json.loads(steps[0].output)[0]["name"] == "current_time"
    reply = await chat.last_reply()
    assert reply.content == f"The tool said: {tool.output}"
    # The tool's result went back to the model in the provider's own format.
    last_call = model.chat_requests()[-1]
    assert tool.output in json.dumps(last_call["messages"])


async def test_a_question_about_a_document_is_answered_from_its_passages_with_sources(
    chat, model, settings, tmp_path, user, thread
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHAT_JOBS_IN_PROCESS = True
    fact = "The boiler is serviced every October by Heatwell."
    element = await sync_to_async(upload)(thread, user, "notes.txt", fact.encode())
    await chat.session.receive_message("", uuid.uuid4().hex, (str(element.pk),))
    await chat.idle()
    await settled(thread.pk)

    await chat.send("Search my documents: when is the boiler serviced?")
    steps = await steps_of(thread)
    [search] = [s for s in steps if s.type == "tool"]
    assert search.name == "search_documents"
    assert "Heatwell" in search.output
    reply = await chat.last_reply()
    assert "Heatwell" in reply.content
    sources = [e async for e in Element.objects.filter(message=reply)]
    assert [s.name for s in sources] == ["notes.txt (passage 1)"]
    assert sources[0].display == "side"
    # The model was told which documents there are.
    assert "notes.txt" in model.chat_requests()[-1]["messages"][0]["content"]


# -- failures ----------------------------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def error_text(chat) -> str:
    [error] = [m for m in await replies(chat.thread) if m.is_error]
    return error.content


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_a_wrong_key_is_reported_in_the_thread(chat, settings):
    settings.CHAT_LLM_API_KEY = "wrong-key"
    await chat.send("hello")
    assert "refused the assistant's credentials (HTTP 401)" in await error_text(chat)
    [step] = [s for s in await steps_of(chat.thread) if s.type == "llm"]
    assert step.is_error


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_an_unreachable_endpoint_is_reported_in_the_thread(chat, settings):
    settings.CHAT_LLM_BASE_URL = f"http://127.0.0.1:{closed_port()}/v1"
    await chat.send("hello")
    assert "could not be reached" in await error_text(chat)


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_a_model_that_does_not_answer_in_time_is_reported(chat, settings):
    settings.CHAT_LLM_TIMEOUT = 0.5
    await chat.send("be slow please")
    assert "did not answer within 0.5 seconds" in await error_text(chat)


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_a_rate_limit_is_reported_in_the_thread(chat):
    await chat.send("hit the rate limit")
    assert "too many requests (HTTP 429)" in await error_text(chat)


async def test_a_server_error_is_reported_in_the_thread(chat):
    await chat.send("cause a server error")
    assert "failed to answer (HTTP 500)" in await error_text(chat)


@pytest.mark.parametrize("model", PROVIDERS, indirect=True)
async def test_a_stream_broken_midway_keeps_the_partial_answer_and_says_so(chat):
    await chat.send("please break after a few words of this answer")
    rows = await replies(chat.thread)
    partial, error = rows[-2], rows[-1]
    assert partial.content.startswith("You said: please break")
    assert partial.content != "You said: please break after a few words of this answer"
    assert not partial.is_error
    assert error.is_error
    assert "broke off before the answer was complete" in error.content
    assert "The part of the answer that arrived is kept above." in error.content


@pytest.mark.parametrize("model", ["openai", "anthropic"], indirect=True)
async def test_a_stream_that_stalls_midway_keeps_the_partial_answer(chat, settings):
    settings.CHAT_LLM_TIMEOUT = 0.5
    await chat.send("now stall after a few words of this answer")
    rows = await replies(chat.thread)
    assert rows[-2].content.startswith("You said: now stall")
    assert "did not answer within 0.5 seconds" in rows[-1].content
    assert "kept above" in rows[-1].content


async def test_without_a_model_the_default_assistant_stays_the_offline_demo(
    settings, open_chat, thread, user, use_assistant
):
    settings.CHAT_LLM_MODEL = ""
    load("chat.assistants.default", force=True)
    chat = await open_chat(thread, user)
    await chat.send("echo offline")
    assert (await chat.last_reply()).content == "offline"


async def test_azure_openai_is_asked_for_the_deployment_with_its_api_version(chat, model, settings):
    settings.CHAT_LLM_BASE_URL = model.url
    settings.CHAT_LLM_API_VERSION = "2024-10-21"
    await chat.send("hello azure")
    assert (await chat.last_reply()).content == "You said: hello azure"
    request = model.requests[-1]
    assert request["path"].startswith("/openai/deployments/fake-model/chat/completions")
    assert "api-version=2024-10-21" in request["path"]
    assert request["headers"].get("api-key") == KEY
