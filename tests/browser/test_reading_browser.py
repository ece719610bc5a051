"""The conversation follows what arrives: a question waiting for the reader is never left
out of view (under the composer, or above the fold), on a desktop or a phone; and the
composer sends with Enter from the moment the page appears."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import PASSWORD, ChatServer
from .helpers import (
    THREAD_URL,
    composer,
    send,
    sign_up,
    user_messages,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser

IN_VIEW = """(el) => {
  const list = document.getElementById('messages').getBoundingClientRect();
  const box = el.getBoundingClientRect();
  return box.height > 0 && box.top >= list.top - 1 && box.bottom <= list.bottom + 1;
}"""


def assert_fully_in_view(page: Page, item: Locator) -> None:
    """The item, whole, inside the conversation's visible part, above the composer."""
    page.wait_for_function(IN_VIEW, arg=item.element_handle())
    box = item.bounding_box()
    shown = page.locator("#messages").bounding_box()
    composer_area = page.locator(".composer-area").bounding_box()
    assert box is not None
    assert shown is not None
    assert composer_area is not None
    assert box["y"] >= shown["y"] - 1
    assert box["y"] + box["height"] <= shown["y"] + shown["height"] + 1
    assert box["y"] + box["height"] <= composer_area["y"] + 1


@pytest.mark.parametrize("width", [1280, 390])
def test_the_demo_tours_questions_and_their_buttons_end_in_view(
    browser: Browser, chat_server: ChatServer, shots_dir: Path, width: int
) -> None:
    context = browser.new_context(
        base_url=chat_server.base_url,
        viewport={"width": width, "height": 800 if width > 500 else 844},
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page)
        send(page, "demo")

        question = page.locator('article[data-ask="text"]')
        expect(question).to_contain_text("What should I call you?", timeout=30_000)
        assert_fully_in_view(page, question)
        page.screenshot(path=str(shots_dir / f"tour-question-{width}.png"))

        box = composer(page)
        box.fill("Ada")
        box.press("Enter")
        choice = page.locator('article[data-ask="action"]')
        expect(choice).to_contain_text("Nice to meet you, Ada.")
        assert_fully_in_view(page, choice)
        expect(choice.get_by_role("button", name="Yes, ask for a file")).to_be_visible()

        choice.get_by_role("button", name="Yes, ask for a file").click()
        files = page.locator('article[data-ask="file"]')
        expect(files).to_contain_text("Upload a text or PDF file")
        assert_fully_in_view(page, files)
        page.screenshot(path=str(shots_dir / f"tour-file-question-{width}.png"))
        # The tour would wait minutes for that file: stopped, so that no run is left in
        # flight for the tests after this one (a server stopping waits for such runs).
        page.get_by_role("button", name="Stop").click()
        wait_idle(page)
    finally:
        context.close()


def test_enter_pressed_as_soon_as_the_page_appears_sends_once_twenty_sign_ins_in_a_row(
    browser: Browser, chat_server: ChatServer
) -> None:
    setup = browser.new_context(base_url=chat_server.base_url)
    email = sign_up(setup.new_page())
    setup.close()
    for attempt in range(20):
        context = browser.new_context(base_url=chat_server.base_url)
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            page.goto("/accounts/login/")
            page.locator("input[name=login]").fill(email)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("form button[type=submit]").click()
            # Typed the moment the chat's page has begun to show: before its scripts ran.
            page.wait_for_url(THREAD_URL, wait_until="commit")
            box = page.locator("#message-input")
            text = f"quick message {attempt}"
            box.press_sequentially(text)
            box.press("Enter")

            wait_connected(page)
            sent = user_messages(page).filter(has_text=text)
            expect(sent).to_have_count(1)
            expect(sent.locator(".message__body")).to_have_text(text)
            expect(box).to_have_value("")
        finally:
            context.close()
