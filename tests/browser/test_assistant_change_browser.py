"""Running another assistant on the same database: where a user lands is the new one's chat."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import ASSISTANTS_DIR

from .conftest import Product
from .helpers import (
    THREAD_URL,
    assistant_messages,
    send,
    sign_in,
    sign_up,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser


def test_the_chat_left_empty_by_one_assistant_starts_afresh_for_the_next(
    product: Product, browser
) -> None:
    server = product.server("switch")
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        email = sign_up(page)  # the default assistant greets, with its profile and commands
        expect(page.locator("#thread-profile")).to_contain_text("Standard")
        expect(page.locator("#composer-commands")).to_contain_text("shout")

        server.restart(CHAT_ASSISTANT=str(ASSISTANTS_DIR / "counter.py"))
        context.clear_cookies()
        page.goto("/")
        sign_in(page, email)
        expect(page).to_have_url(THREAD_URL)
        wait_connected(page)

        expect(assistant_messages(page)).to_have_count(1)
        expect(assistant_messages(page).first).to_contain_text("Hello! Say something.")
        wait_idle(page)
        expect(page.locator("#thread-profile")).to_have_attribute("hidden", "")
        expect(page.locator("#composer-commands")).not_to_contain_text("shout")
        expect(page.locator("#settings-open")).to_be_hidden()

        send(page, "hi")
        expect(assistant_messages(page).last).to_contain_text("Message 1: you said hi")
        wait_idle(page)
        expect(page.get_by_text("TypeError")).to_have_count(0)
    finally:
        context.close()
        server.stop()
