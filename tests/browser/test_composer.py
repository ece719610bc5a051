"""The composer's keyboard, and the edit box's: Enter sends, Shift+Enter starts a new line."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import assistant_messages, composer, send, sign_up, user_messages, wait_idle

pytestmark = pytest.mark.browser


def test_shift_enter_adds_a_line_and_enter_sends(page: Page) -> None:
    sign_up(page)
    wait_idle(page)
    box = composer(page)
    box.click()
    box.press_sequentially("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")

    expect(box).to_have_value("first line\nsecond line")
    expect(user_messages(page)).to_have_count(0)
    # The box grew to show both lines.
    assert box.evaluate("el => el.clientHeight >= el.scrollHeight - 1")

    box.press("Enter")
    expect(box).to_have_value("")
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first.locator(".message__body")).to_have_text(
        "first line\nsecond line"
    )
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text(
        "You said: first line\nsecond line"
    )
    wait_idle(page)

    # Enter on an empty box sends nothing.
    box.press("Enter")
    expect(box).to_have_value("")
    expect(user_messages(page)).to_have_count(1)


def test_enter_in_the_edit_box_saves_the_edit_as_the_hint_says(page: Page) -> None:
    sign_up(page)
    send(page, "first try")
    expect(assistant_messages(page)).to_have_count(2)
    wait_idle(page)
    mine = user_messages(page).first
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    box = mine.get_by_label("Edit your message")
    expect(box).to_be_focused()
    box.fill("second try")
    box.press("Shift+Enter")
    box.press_sequentially("on two lines")
    expect(box).to_have_value("second try\non two lines")
    expect(box).to_be_visible()

    box.press("Enter")
    expect(box).to_be_hidden()
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first.locator(".message__body")).to_have_text(
        "second try\non two lines"
    )
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text(
        "You said: second try\non two lines"
    )
    expect(assistant_messages(page)).to_have_count(2)
    wait_idle(page)
