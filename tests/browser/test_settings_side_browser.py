"""CHAT_SETTINGS_LOCATION=sidebar: the chat settings open as a panel at the side, with the
chat usable beside it (Chainlit's chat_settings_location)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, Product
from .helpers import composer
from .test_port_check import sign_up_to_a_new_chat

pytestmark = pytest.mark.browser

APP = ROOT / "tests" / "port_check" / "research_desk.py"


@pytest.fixture
def side_page(product: Product, browser) -> Iterator[Page]:
    server = product.server(
        "settings-side", CHAT_ASSISTANT=str(APP), CHAT_SETTINGS_LOCATION="sidebar"
    )
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
    server.stop()


def test_the_settings_open_at_the_side_and_the_chat_stays_usable(
    side_page: Page, shots_dir
) -> None:
    page = side_page
    sign_up_to_a_new_chat(page)
    opener = page.get_by_role("button", name="Settings")
    expect(opener).to_be_visible()
    opener.click()
    panel = page.get_by_role("dialog", name="Chat settings")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box is not None
    assert abs(box["x"] + box["width"] - 1280) <= 1  # against the right edge
    assert box["height"] >= 790  # the whole height

    # Not modal: the composer takes typing while the panel is open.
    message = composer(page)
    message.click()
    message.fill("still typing")
    expect(message).to_have_value("still typing")
    expect(panel).to_be_visible()
    page.screenshot(path=str(shots_dir / "settings-side-light.png"))

    panel.get_by_label("Kind").focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(opener).to_be_focused()
