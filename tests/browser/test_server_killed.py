"""The server dies mid-answer (kill -9): the partial answer survives, marked interrupted."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, expect

from .assistants.slow import full_text
from .conftest import ASSISTANTS, Product
from .helpers import assistant_messages, send, sign_up, wait_connected

pytestmark = pytest.mark.browser

STALE_SECONDS = 2.0
SAVE_SECONDS = "0.2"


def stream_text_of(page, selector: str) -> str:
    return page.locator(selector).text_content() or ""


def test_killed_server_leaves_the_partial_answer_marked_interrupted(
    product: Product, browser: Browser
) -> None:
    server = product.server(
        "slow",
        CHAT_ASSISTANT=str(ASSISTANTS / "slow.py"),
        CHAT_STREAM_SAVE_SECONDS=SAVE_SECONDS,
    )
    server.start()
    context = browser.new_context(base_url=server.base_url)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page, greeting=False)
        send(page, "tell me everything")
        answer = assistant_messages(page).last
        expect(answer).to_have_attribute("data-status", "streaming")
        answer_id = answer.get_attribute("id")
        stream = f"#{answer_id}-text"

        page.wait_for_function(
            "sel => (document.querySelector(sel)?.textContent.length || 0) > 60", arg=stream
        )
        early = stream_text_of(page, stream)
        # Well past a few database saves later, the server dies without a word.
        page.wait_for_function(
            "([sel, n]) => (document.querySelector(sel)?.textContent.length || 0) > n",
            arg=[stream, len(early) + 60],
        )
        server.kill()
        killed_at = time.monotonic()
        at_kill = stream_text_of(page, stream)
        assert len(at_kill) < len(full_text()), "the answer finished before the kill"
        expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")

        # Started again; a stream nobody wrote for STALE_SECONDS lost its server.
        server.start(
            CHAT_STREAM_STALE_SECONDS=str(STALE_SECONDS), CHAT_STREAM_SAVE_SECONDS=SAVE_SECONDS
        )
        wait_connected(page, timeout=40_000)
        remaining = STALE_SECONDS + 0.5 - (time.monotonic() - killed_at)
        if remaining > 0:
            page.wait_for_timeout(remaining * 1000)
        page.reload()
        wait_connected(page)

        message = page.locator(f"#{answer_id}")
        expect(message).to_have_attribute("data-status", "interrupted")
        expect(message.locator(".message__status")).to_contain_text("Interrupted")
        kept = message.locator(".message__body").inner_text().strip()
        assert kept.startswith(early), (early, kept)
        assert full_text().startswith(kept)
        assert len(kept) < len(full_text())
        # Nothing keeps writing into it.
        expect(page.locator("#messages article[data-status=streaming]")).to_have_count(0)
    finally:
        context.close()
        server.stop()
