"""A second tab opened mid-answer catches up and ends with the same text as the first."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .assistants.slow import full_text
from .conftest import ASSISTANTS, Product
from .helpers import assistant_messages, send, sign_up, wait_connected, wait_idle

pytestmark = pytest.mark.browser

# Long frames: several tokens wait in the buffer at any time, so a late tab's catch-up
# always races with tokens not pushed yet (the case that showed some of them twice).
FRAME_MS = "250"
STREAM_JS = "sel => document.querySelector(sel)?.textContent ?? null"


def test_second_tab_opened_mid_stream_ends_with_the_same_text(
    product: Product, browser: Browser
) -> None:
    server = product.server(
        "catch-up", CHAT_ASSISTANT=str(ASSISTANTS / "slow.py"), CHAT_STREAM_FRAME_MS=FRAME_MS
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
        # Part of it streamed (and saved), most of it still to come.
        page.wait_for_function(
            "sel => (document.querySelector(sel)?.textContent.length || 0) > 100", arg=stream
        )

        second = context.new_page()
        # Until the run's catch-up arrives, the late tab shows the text as last saved with
        # the newest frames after it (a hole, for a moment); the catch-up replaces it all.
        second.add_init_script(
            f"""document.addEventListener("htmx:wsAfterMessage", e => {{
                const m = e.detail.message;
                const whole = m.includes('innerHTML:#{answer_id}-text');
                if (whole && !m.includes('id="messages"'))
                    window.caughtUp = true; }});"""
        )
        second.goto(page.url)
        wait_connected(second)
        second.wait_for_function("() => window.caughtUp === true")
        late = second.locator(f"#{answer_id}")
        expect(late).to_have_attribute("data-status", "streaming")
        # Both tabs know the answer is still running: each offers Stop.
        expect(page.get_by_role("button", name="Stop")).to_be_visible()
        expect(second.get_by_role("button", name="Stop")).to_be_visible()

        # Caught up, and from then on the same frames as the first tab: at every look the
        # late tab shows the start of the answer, with no hole and nothing twice (tokens
        # pending at the catch-up used to be appended again by the next frame).
        full = full_text()
        seen: list[str] = []
        for _ in range(12):
            text = second.evaluate(STREAM_JS, stream)
            if text is None:
                break  # complete: rendered from markdown
            assert full.startswith(text), f"the late tab shows a broken text:\n{text!r}"
            seen.append(text)
            second.wait_for_timeout(200)
        assert len(seen) >= 3, "the answer ended before the late tab could be watched"
        assert len(seen[-1]) > len(seen[0]), "the late tab stopped following the stream"

        expect(answer).to_have_attribute("data-status", "done", timeout=30_000)
        expect(late).to_have_attribute("data-status", "done", timeout=30_000)
        first_text = answer.locator(".message__body").inner_text()
        assert first_text.strip() == full
        assert late.locator(".message__body").inner_text() == first_text
        assert late.inner_html() == answer.inner_html()

        # Both tabs agree that nothing runs any more.
        wait_idle(page)
        wait_idle(second)
    finally:
        context.close()
        server.stop()
