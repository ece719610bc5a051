"""The page looks finished on a desktop and on a phone; screenshots are kept for a look."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import ChatServer
from .helpers import assistant_messages, composer, send, sign_up, user_messages, wait_idle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MARKDOWN = """echo ## Release notes

Answers are **rendered** as markdown once complete:

1. a numbered list
2. with `inline code`

| Feature | Where |
|---|---|
| Streaming | websocket |

```python
print("hello")
```"""


def in_viewport(page: Page, selector: str) -> bool:
    return page.eval_on_selector(
        selector,
        """el => { const r = el.getBoundingClientRect();
                   return r.width > 0 && r.left >= 0 && r.right <= innerWidth + 1
                          && r.top >= 0 && r.bottom <= innerHeight + 1; }""",
    )


def no_horizontal_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_desktop_layout(page: Page, shots_dir: Path) -> None:
    sign_up(page)
    wait_idle(page)
    send(page, "hello")
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text("You said: hello")
    wait_idle(page)
    composer(page).fill(MARKDOWN)
    composer(page).press("Enter")
    rendered = assistant_messages(page).last.locator(".message__body")
    expect(rendered.locator("h2")).to_have_text("Release notes")
    expect(rendered.locator("table")).to_be_visible()
    expect(rendered.locator("pre code")).to_contain_text('print("hello")')
    wait_idle(page)

    assert in_viewport(page, ".sidebar")
    assert in_viewport(page, ".composer")
    assert no_horizontal_scroll(page)
    expect(page.get_by_role("button", name="Show conversations")).to_be_hidden()
    page.screenshot(path=str(shots_dir / "desktop-chat.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots_dir / "desktop-chat-dark.png"))


def test_phone_layout(browser: Browser, chat_server: ChatServer, shots_dir: Path) -> None:
    context = browser.new_context(
        base_url=chat_server.base_url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page)
        wait_idle(page)
        page.screenshot(path=str(shots_dir / "phone-empty.png"))

        # The chat fills the screen; the sidebar waits off-screen.
        assert not in_viewport(page, ".sidebar")
        assert in_viewport(page, ".composer")
        assert in_viewport(page, ".chat__header")
        assert no_horizontal_scroll(page)

        # The composer works by touch.
        composer(page).tap()
        composer(page).fill("hello from a phone")
        page.get_by_role("button", name="Send").tap()
        expect(user_messages(page)).to_have_count(1)
        expect(assistant_messages(page).last.locator(".message__body")).to_have_text(
            "You said: hello from a phone"
        )
        wait_idle(page)
        assert in_viewport(page, ".composer")
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(shots_dir / "phone-chat.png"))

        # ☰ opens the conversations over the chat.
        menu = page.get_by_role("button", name="Show conversations")
        expect(menu).to_be_visible()
        menu.tap()
        sidebar = page.locator(".sidebar")
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().left >= 0"
        )
        expect(sidebar.get_by_role("link", name="hello from a phone")).to_be_visible()
        expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()
        page.screenshot(path=str(shots_dir / "phone-sidebar.png"))

        # A tap beside it closes it again.
        page.mouse.click(PHONE["width"] - 20, PHONE["height"] // 2)
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().right <= 0"
        )
    finally:
        context.close()


def topmost_is(page: Page, locator) -> bool:
    """Whether a tap at the middle of this element lands on it (nothing drawn over it)."""
    return locator.evaluate(
        """el => { const r = el.getBoundingClientRect();
                   const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                   return r.width > 0 && (top === el || el.contains(top)); }"""
    )


def sidebar_open(page: Page) -> bool:
    return page.evaluate("document.querySelector('.sidebar').getBoundingClientRect().right > 0")


def test_phone_sidebar_closes_with_escape_or_a_tap_outside_and_keeps_its_button(
    browser: Browser, chat_server: ChatServer, shots_dir: Path
) -> None:
    context = browser.new_context(
        base_url=chat_server.base_url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page)
        menu = page.get_by_role("button", name="Show conversations")
        expect(menu).to_have_attribute("aria-expanded", "false")

        # Open, the panel leaves the menu button in view and on top: it closes it again.
        menu.tap()
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().left >= 0"
        )
        expect(menu).to_have_attribute("aria-expanded", "true")
        assert in_viewport(page, ".menu-button")
        assert topmost_is(page, menu)
        page.screenshot(path=str(shots_dir / "phone-sidebar-open.png"))
        page.emulate_media(color_scheme="dark")
        page.screenshot(path=str(shots_dir / "phone-sidebar-open-dark.png"))
        page.emulate_media(color_scheme="light")
        menu.tap()
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().right <= 0"
        )
        expect(menu).to_have_attribute("aria-expanded", "false")

        # Escape closes it, and the keyboard is back on the menu button.
        menu.tap()
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().left >= 0"
        )
        page.keyboard.press("Escape")
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().right <= 0"
        )
        expect(menu).to_be_focused()
        expect(menu).to_have_attribute("aria-expanded", "false")

        # The keyboard opens it too; a tap outside it, on the chat, closes it.
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().left >= 0"
        )
        assert sidebar_open(page)
        page.touchscreen.tap(PHONE["width"] - 30, PHONE["height"] - 200)
        page.wait_for_function(
            "() => document.querySelector('.sidebar').getBoundingClientRect().right <= 0"
        )
        expect(menu).to_have_attribute("aria-expanded", "false")
        assert in_viewport(page, ".composer")
    finally:
        context.close()


def test_header_links_reach_a_phone_through_the_conversations_menu(product, browser) -> None:
    server = product.server(
        "header-links", CHAT_UI_HEADER_LINKS="Help|https://example.com/help,Status|/my-data/"
    )
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        sign_up(page)
        links = page.get_by_role("navigation", name="Links")
        # On a desktop, once, in the header.
        expect(links).to_have_count(1)
        expect(page.locator(".chat__header").get_by_role("link", name="Help")).to_be_visible()
        # On a phone the header has no room: the conversations' menu has them.
        page.set_viewport_size(PHONE)
        expect(links).to_have_count(1)
        help_link = links.get_by_role("link", name="Help")
        expect(help_link).not_to_be_in_viewport()
        page.get_by_role("button", name="Show conversations").click()
        expect(help_link).to_be_in_viewport()
        expect(help_link).to_have_attribute("href", "https://example.com/help")
        expect(links.get_by_role("link", name="Status")).to_be_in_viewport()
        assert page.evaluate("scrollX === 0 && document.body.scrollWidth <= innerWidth")
    finally:
        context.close()
        server.stop()
