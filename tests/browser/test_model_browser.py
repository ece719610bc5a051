"""The default assistant with a model, as a user meets it: the product started against the
local fake model server; a question that needs a tool shows the tool step, then the
answer streams in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fake_llm import KEY, FakeLLMServer

from .conftest import ChatServer, Product
from .helpers import assistant_messages, send, sign_up, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def model_server(product: Product) -> Iterator[ChatServer]:
    # Slow enough tokens that the stream can be seen arriving.
    fake = FakeLLMServer(token_delay=0.15).start()
    server = product.server(
        "model",
        CHAT_LLM_PROVIDER="openai",
        CHAT_LLM_BASE_URL=fake.openai_url,
        CHAT_LLM_API_KEY=KEY,
        CHAT_LLM_MODEL="fake-model",
        CHAT_LLM_MAX_RETRIES="0",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        fake.stop()


@pytest.fixture
def model_page(browser, model_server: ChatServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=model_server.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_question_that_needs_a_tool_shows_the_tool_step_and_streams_the_answer(
    model_page: Page, shots_dir: Path
) -> None:
    page = model_page
    sign_up(page)
    expect(assistant_messages(page).first).to_contain_text("Ask me anything")

    send(page, "What time is it?")
    # The tool the model called, as a step, with its result.
    tool = page.locator("details.step--tool", has_text="current_time")
    expect(tool).to_be_visible()
    # The answer streams in: seen while it is still arriving, then complete.
    streaming = page.locator("#messages article[data-status=streaming]")
    expect(streaming).to_have_count(1)
    expect(streaming).to_contain_text("The tool said")
    answer = assistant_messages(page).filter(has_text="The tool said:").last
    expect(answer).to_have_attribute("data-status", "done", timeout=30_000)
    expect(answer).to_contain_text("UTC")
    wait_idle(page)

    # Both model calls are steps too, with their token counts.
    llm_steps = page.locator("details.step--llm")
    expect(llm_steps).to_have_count(2)
    expect(llm_steps.first.locator(".step__tokens")).to_contain_text("tokens")
    tool.locator("summary").click()
    expect(tool.locator(".step__output")).to_contain_text("UTC")
    llm_steps.last.locator("summary").click()
    expect(llm_steps.last.locator(".step__generation")).to_contain_text("fake-model")
    page.screenshot(path=str(shots_dir / "model-tool-step-and-answer.png"))
    llm_steps.last.screenshot(path=str(shots_dir / "model-llm-step.png"))


def test_a_model_failure_is_shown_in_the_thread(model_page: Page) -> None:
    page = model_page
    sign_up(page)
    send(page, "please hit the rate limit")
    error = page.locator("#messages article", has_text="too many requests")
    expect(error).to_be_visible()
    wait_idle(page)


def test_with_a_model_only_what_works_with_it_is_offered(model_page: Page) -> None:
    page = model_page
    sign_up(page)
    # The offline demo's profiles, settings, commands and starters would do nothing here.
    expect(page.locator("#settings-open")).to_be_hidden()
    expect(page.locator("#composer-commands [data-command]")).to_have_count(0)
    expect(page.locator("#thread-profile")).to_have_attribute("hidden", "")
    expect(page.get_by_text("Take the tour")).to_have_count(0)
    expect(page.locator("[data-starter-message]")).to_have_count(2)
    page.locator("[data-starter-message='What time is it?']").click()
    expect(assistant_messages(page).last).to_contain_text("UTC", timeout=30_000)
    wait_idle(page)
