"""Every model call's usage is stored with who, where and which model, and priced: from
the default assistant's clients (OpenAI, Anthropic, Mistral, streamed) and from the
assistants that call models themselves (`cl.instrument_openai()`, the mistralai
instrumentation, the LangChain handler), all against the local fake model server."""

from __future__ import annotations

from decimal import Decimal

import pytest

import chat.sdk as cl
from chat.engine.assistant import load
from chat.models import ModelCall, Thread, UsageCounter
from chat.sdk.integrations.mistralai import uninstrument_mistralai
from chat.sdk.integrations.openai import uninstrument_openai
from tests.chat.assistants.test_model import PROVIDERS, base_url
from tests.chat.sdk.integrations.conftest import finished_steps
from tests.drivers import wait_for
from tests.fake_llm import KEY

pytestmark = pytest.mark.django_db(transaction=True)

PRICES = {
    "fake-model": {"input": 1.0, "output": 2.0, "cached_input": 0.5},
    "stream-model": {"input": 3.0, "output": 6.0},
}


@pytest.fixture(autouse=True)
def prices(settings):
    settings.CHAT_MODEL_PRICES = PRICES


@pytest.fixture
def default_assistant(settings, fake_llm, request):
    provider = request.param
    settings.CHAT_LLM_PROVIDER = provider
    settings.CHAT_LLM_BASE_URL = base_url(fake_llm, provider)
    settings.CHAT_LLM_API_KEY = KEY
    settings.CHAT_LLM_MODEL = "fake-model"
    settings.CHAT_LLM_MAX_RETRIES = 0
    load("chat.assistants.default", force=True)
    yield fake_llm
    load(settings.CHAT_ASSISTANT, force=True)


async def calls_of(thread, count: int) -> list[ModelCall]:
    rows = ModelCall.objects.filter(thread_id=thread.pk)

    async def stored() -> bool:
        return await rows.acount() >= count

    await wait_for(stored, within=10, what=f"{count} model call(s) stored")
    return [c async for c in rows.order_by("created_at")]


@pytest.mark.parametrize("default_assistant", PROVIDERS, indirect=True)
async def test_the_default_assistants_streamed_call_is_stored_with_its_tokens_and_cost(
    default_assistant, settings, open_chat, thread, user
):
    chat = await open_chat(thread, user)
    chat.session.user_session["chat_profile"] = "Research"
    await chat.send("count my tokens")
    [call] = await calls_of(thread, 1)
    request = default_assistant.chat_requests()[-1]
    prompt_words = sum(len(str(m.get("content") or "").split()) for m in request["messages"])
    prompt_words += len(str(request.get("system") or "").split())
    assert call.user_id == user.pk
    assert call.thread_id == thread.pk
    assert call.chat_profile == "Research"
    assert call.provider == settings.CHAT_LLM_PROVIDER
    assert call.model == "fake-model"
    assert call.input_tokens == prompt_words
    assert call.output_tokens == 5  # "You said: count my tokens"
    assert call.cached_tokens == 0
    expected = (Decimal(prompt_words) * 1 + 5 * 2) / 1_000_000
    assert call.cost == expected.quantize(Decimal("0.000001"))
    # The person's counters for today and this month hold it too.
    for period in ("day", "month"):
        counter = await UsageCounter.objects.aget(user=user, period=period)
        assert counter.tokens == prompt_words + 5
    assert (await Thread.objects.aget(pk=thread.pk)).total_tokens == prompt_words + 5


@pytest.mark.parametrize("default_assistant", ["openai", "anthropic"], indirect=True)
async def test_input_the_provider_served_from_its_cache_is_counted_and_priced_as_cached(
    default_assistant, open_chat, thread, user
):
    default_assistant.cached_tokens = 10
    chat = await open_chat(thread, user)
    await chat.send("count my cached tokens")
    [call] = await calls_of(thread, 1)
    assert call.cached_tokens == 10
    # Anthropic reports cache reads apart from its input tokens: they are input all the same.
    assert call.input_tokens > 10
    fresh = call.input_tokens - 10
    expected = (Decimal(fresh) * 1 + Decimal(10) * Decimal("0.5") + call.output_tokens * 2) / (
        1_000_000
    )
    assert call.cost == expected.quantize(Decimal("0.000001"))


@pytest.mark.parametrize("default_assistant", ["openai"], indirect=True)
async def test_a_model_without_a_price_has_its_tokens_counted_and_its_cost_unknown(
    default_assistant, settings, open_chat, thread, user
):
    settings.CHAT_MODEL_PRICES = {}
    chat = await open_chat(thread, user)
    await chat.send("what does this cost")
    [call] = await calls_of(thread, 1)
    assert call.total_tokens > 0
    assert call.cost is None
    counter = await UsageCounter.objects.aget(user=user, period="day")
    assert (counter.tokens, counter.cost) == (call.total_tokens, 0)


@pytest.mark.parametrize("default_assistant", ["openai"], indirect=True)
async def test_a_failed_call_is_stored_as_an_error_without_tokens(
    default_assistant, open_chat, thread, user
):
    chat = await open_chat(thread, user)
    await chat.send("server error please")
    [call] = await calls_of(thread, 1)
    assert call.is_error
    assert call.total_tokens == 0


# -- assistants that call models themselves ----------------------------------------------------
@pytest.fixture
async def instrumented(use_assistant, open_chat, thread, user, llm_url):
    cl.instrument_openai()
    cl.instrument_mistralai()
    use_assistant("llm_clients")
    yield await open_chat(thread, user)
    uninstrument_openai()
    uninstrument_mistralai()


@pytest.fixture
def llm_url(fake_llm, monkeypatch):
    monkeypatch.setenv("FAKE_LLM_URL", fake_llm.url)
    return fake_llm


async def test_instrument_openai_records_a_streamed_calls_usage(instrumented, user):
    await instrumented.send("openai-async-stream: hello stream")
    [call] = await calls_of(instrumented.thread, 1)
    assert (call.provider, call.model) == ("openai", "stream-model")
    assert (call.input_tokens, call.output_tokens) == (4, 4)
    assert call.cost == Decimal("0.000036")  # 4 x 3.00 + 4 x 6.00 per million
    assert call.user_id == user.pk


async def test_instrument_openai_records_cached_input_and_blocking_calls(instrumented, fake_llm):
    fake_llm.cached_tokens = 2
    await instrumented.send("openai-sync: blocking question")
    [call] = await calls_of(instrumented.thread, 1)
    assert call.model == "sync-model"
    assert call.cached_tokens == 2
    assert call.cost is None  # sync-model has no price


async def test_the_mistral_instrumentation_records_a_streamed_calls_usage(instrumented):
    await instrumented.send("mistral-stream: bonjour")
    [call] = await calls_of(instrumented.thread, 1)
    assert (call.provider, call.model) == ("mistralai", "mistral-model")
    assert (call.input_tokens, call.output_tokens) == (3, 3)


async def test_the_langchain_handler_records_the_models_usage(
    use_assistant, open_chat, thread, user
):
    use_assistant("langchain_app")
    chat = await open_chat(thread, user)
    await chat.send("chain: capital of France?")
    await finished_steps(thread, 1)
    [call] = await calls_of(thread, 1)
    assert (call.input_tokens, call.output_tokens) == (12, 5)
    assert call.user_id == user.pk
