"""Pasting a file into the composer attaches it, as choosing or dropping one does."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import Page, expect

from .helpers import composer, send, sign_up, user_messages, wait_idle

pytestmark = pytest.mark.browser

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)

# What the browser hands a page when a person pastes a screenshot (Playwright cannot write
# files to the system clipboard, so the same event is built in the page).
PASTE = """([data, text]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "screenshot.png", {type: "image/png"}));
  if (text) transfer.setData("text/plain", text);
  const box = document.getElementById("message-input");
  box.focus();
  const init = {clipboardData: transfer, bubbles: true, cancelable: true};
  return box.dispatchEvent(new ClipboardEvent("paste", init));
}"""


def test_a_pasted_image_is_attached_and_sent_with_the_message(page: Page) -> None:
    sign_up(page)
    wait_idle(page)
    encoded = base64.b64encode(PNG).decode()

    # A paste with text in it (cells from a spreadsheet) stays text: nothing is attached.
    not_taken = page.evaluate(PASTE, [encoded, "a1\tb1"])
    assert not_taken is True
    expect(page.locator("#attachments .attachment")).to_have_count(0)

    taken = page.evaluate(PASTE, [encoded, ""])
    assert taken is False  # the page took the paste: no text went into the box
    chip = page.locator("#attachments .attachment")
    expect(chip).to_contain_text("screenshot.png")
    expect(chip.get_by_role("button", name="Remove screenshot.png")).to_be_visible()
    expect(composer(page)).to_be_focused()

    send(page, "echo see the picture")
    expect(page.locator("#attachments .attachment")).to_have_count(0)
    sent = user_messages(page).filter(has_text="echo see the picture")
    expect(sent).to_contain_text("screenshot.png")
    expect(sent.locator("img")).to_have_count(1)
    wait_idle(page)
