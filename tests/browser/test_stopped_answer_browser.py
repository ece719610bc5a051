"""An answer stopped as a list item had only just begun reads as the list so far."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ASSISTANTS, Product
from .helpers import assistant_messages, send, sign_up, wait_idle

pytestmark = pytest.mark.browser


def test_stop_just_after_a_list_marker_leaves_no_empty_item(product: Product, browser) -> None:
    server = product.server("list-stop", CHAT_ASSISTANT=str(ASSISTANTS / "list_then_wait.py"))
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        send(page, "how do I start?")
        answer = assistant_messages(page).last
        expect(answer.locator(".message__stream")).to_contain_text("3.")

        page.get_by_role("button", name="Stop").click()

        expect(answer).to_have_attribute("data-status", "stopped")
        wait_idle(page)
        items = answer.locator(".message__body ol > li")
        expect(items).to_have_count(2)
        expect(items).to_have_text(["Sign in", "Ask"])
        # The same after a reload, rendered from the database.
        page.reload()
        expect(assistant_messages(page).last.locator(".message__body ol > li")).to_have_count(2)
    finally:
        context.close()
        server.stop()
