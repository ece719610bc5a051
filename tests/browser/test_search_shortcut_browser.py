"""Ctrl+K (Cmd+K on a Mac) goes to the conversations' search, on a wide screen and on a
phone (where the conversations slide in first)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import composer, sign_up, wait_idle

pytestmark = pytest.mark.browser


def test_ctrl_k_focuses_the_search(page: Page) -> None:
    sign_up(page)
    wait_idle(page)
    box = composer(page)
    box.click()
    box.fill("draft stays")
    page.keyboard.press("Control+k")
    search = page.get_by_role("searchbox", name="Search conversations")
    expect(search).to_be_focused()
    expect(box).to_have_value("draft stays")  # nothing typed into the message
    page.keyboard.press("Meta+k")  # a Mac's Cmd+K, while in the search: stays there
    expect(search).to_be_focused()


def test_ctrl_k_on_a_phone_slides_the_conversations_in(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 800})
    sign_up(page)
    wait_idle(page)
    search = page.get_by_role("searchbox", name="Search conversations")
    expect(search).not_to_be_in_viewport()
    composer(page).click()
    page.keyboard.press("Control+k")
    expect(search).to_be_focused()
    expect(search).to_be_in_viewport()
    expect(page.locator(".menu-button")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(page.locator(".menu-button")).to_have_attribute("aria-expanded", "false")


def test_a_sidebar_closed_by_default_opens_from_the_menu_and_ctrl_k(product, browser) -> None:
    server = product.server("sidebar-closed", CHAT_UI_SIDEBAR="closed")
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page)
        wait_idle(page)
        search = page.get_by_role("searchbox", name="Search conversations")
        menu = page.locator(".menu-button")
        expect(search).not_to_be_in_viewport()
        expect(menu).to_be_visible()
        composer(page).click()
        page.keyboard.press("Control+k")
        expect(search).to_be_focused()
        expect(search).to_be_in_viewport()
        page.keyboard.press("Escape")
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(search).to_be_in_viewport()
    finally:
        context.close()
        server.stop()
