"""A message larger than the server takes in one frame: the page says so and keeps the
text in the composer, then reconnects by itself; nothing is dropped in silence."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import composer, send, sign_up, user_messages, wait_connected

pytestmark = pytest.mark.browser


def test_a_message_too_large_for_a_frame_is_explained_and_kept_in_the_composer(
    page: Page,
) -> None:
    sign_up(page)
    page.evaluate(
        """() => { window.closeCodes = [];
                   document.addEventListener("htmx:wsClose",
                       e => window.closeCodes.push(e.detail.event.code)); }"""
    )
    # Pasted past the composer's limit by a script (maxlength stops only typing): 2 MB.
    page.evaluate(
        """() => { const box = document.getElementById("message-input");
                   box.value = "x".repeat(2 * 1024 * 1024) + " the end"; }"""
    )
    composer(page).press("Enter")

    expect(page.locator("#chat-notice")).to_contain_text("too large to send")
    assert page.evaluate("window.closeCodes") == [1009]
    wait_connected(page, timeout=30_000)
    # The reconnect's snapshot does not take the explanation away, nor the text.
    expect(page.locator("#chat-notice")).to_contain_text("too large to send")
    assert page.evaluate("document.getElementById('message-input').value.endsWith('the end')")
    expect(user_messages(page)).to_have_count(0)

    # A message of a normal size goes through on the new socket.
    send(page, "a shorter one")
    expect(user_messages(page)).to_have_count(1)
