"""Deleting a conversation asks first, in the page's own dialog (as sharing does), never
in the browser's confirm(): Cancel and Escape keep it, Delete removes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import send, sign_up, wait_idle

pytestmark = pytest.mark.browser


def open_delete(page: Page, title: str):
    item = page.locator("#thread-list .thread-item", has_text=title)
    item.hover()
    item.locator("summary").click()
    item.get_by_role("button", name="Delete").click()
    return item


def test_delete_asks_in_the_pages_dialog_and_cancel_keeps_the_conversation(
    page: Page, shots_dir: Path
) -> None:
    browser_dialogs: list[str] = []
    page.on("dialog", lambda dialog: (browser_dialogs.append(dialog.message), dialog.dismiss()))
    sign_up(page)
    send(page, "keep this conversation")
    wait_idle(page)
    item = page.locator("#thread-list .thread-item", has_text="keep this conversation")
    expect(item).to_be_visible()

    open_delete(page, "keep this conversation")
    dialog = page.get_by_role("dialog", name="Delete conversation")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        "Delete “keep this conversation”? Its messages and files go too."
    )
    assert dialog.evaluate("el => el.matches(':modal')"), "the page behind stays out of reach"
    # Focus starts on the safe answer and stays in the dialog.
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Delete")).to_be_focused()
    page.screenshot(path=str(shots_dir / "delete-dialog.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots_dir / "delete-dialog-dark.png"))
    page.emulate_media(color_scheme="light")

    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(item).to_be_visible()
    # Focus goes back to the conversation's menu button, not lost on the page.
    expect(item.locator("summary")).to_be_focused()

    # Escape is a Cancel too.
    open_delete(page, "keep this conversation")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(item).to_be_visible()
    page.reload()
    expect(
        page.locator("#thread-list .thread-item", has_text="keep this conversation")
    ).to_be_visible()
    assert browser_dialogs == []


def test_delete_in_the_dialog_removes_the_conversation(page: Page) -> None:
    browser_dialogs: list[str] = []
    page.on("dialog", lambda dialog: (browser_dialogs.append(dialog.message), dialog.dismiss()))
    sign_up(page)
    send(page, "remove this conversation")
    wait_idle(page)

    open_delete(page, "remove this conversation")
    dialog = page.get_by_role("dialog", name="Delete conversation")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog).to_be_hidden()
    expect(
        page.locator("#thread-list .thread-item", has_text="remove this conversation")
    ).to_have_count(0)
    page.goto("/")
    expect(
        page.locator("#thread-list .thread-item", has_text="remove this conversation")
    ).to_have_count(0)
    assert browser_dialogs == []
