"""An assistant with no profiles and a question that wants files, as a user sees them:
nothing empty in the header, and the page's own file chooser rather than the browser's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import ASSISTANTS, ChatServer, Product
from .helpers import assistant_messages, send, sign_up, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def plain_server(product: Product) -> Iterator[ChatServer]:
    server = product.server("plain", CHAT_ASSISTANT=str(ASSISTANTS / "plain.py"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def plain_page(browser: Browser, plain_server: ChatServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=plain_server.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_an_assistant_without_profiles_shows_no_empty_profile_badge(
    plain_page: Page, shots_dir: Path
) -> None:
    page = plain_page
    sign_up(page, greeting=False)
    badge = page.locator("#thread-profile")
    expect(badge).to_have_count(1)
    expect(badge).to_be_hidden()
    assert badge.bounding_box() is None
    send(page, "hello")
    expect(assistant_messages(page).last).to_contain_text("Echo: hello")
    expect(badge).to_be_hidden()
    page.screenshot(path=str(shots_dir / "plain-header.png"))


def test_a_question_for_files_offers_the_pages_own_chooser_by_keyboard(
    plain_page: Page, shots_dir: Path
) -> None:
    page = plain_page
    sign_up(page, greeting=False)
    send(page, "files")
    question = page.locator('article[data-ask="file"]')
    expect(question).to_contain_text("Send me the minutes.")

    # No browser-drawn "Choose File" control: a button of the page, and what is chosen.
    chooser = question.locator(".file-picker__input")
    expect(chooser).to_have_count(1)
    assert chooser.bounding_box()["width"] <= 1
    button = question.locator(".file-picker__button")
    expect(button).to_be_visible()
    expect(button).to_have_text("Choose files")
    names = question.locator(".file-picker__names")
    expect(names).to_have_text("No file chosen")
    page.screenshot(path=str(shots_dir / "ask-files-chooser.png"))

    # Reached with Tab, and Space opens the file chooser.
    page.locator("#message-input").focus()
    page.keyboard.press("Shift+Tab")
    for _ in range(12):
        if chooser.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Shift+Tab")
    expect(chooser).to_be_focused()
    assert button.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
    with page.expect_file_chooser() as opened:
        # Still the focused element when Space goes down (a late frame may have moved focus).
        chooser.focus()
        page.keyboard.press("Space")
    opened.value.set_files(
        [
            {"name": "minutes.txt", "mimeType": "text/plain", "buffer": b"All good."},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Nothing more."},
        ]
    )
    expect(assistant_messages(page).last).to_contain_text("Got minutes.txt, notes.txt.")
    wait_idle(page)
