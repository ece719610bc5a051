"""A chat profile's switches, seen in the browser: picking a profile shows or hides the
attach button, the microphone and the tool-server button in every open tab at once; its
`cot` hides or shows the steps; its settings panel opens at the side by itself and closes
from the keyboard. The app is tests/port_check/profile_features.py, a Chainlit app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .conftest import ROOT, Product
from .helpers import assistant_messages, composer, send, wait_connected, wait_idle
from .test_port_check import sign_up_to_a_new_chat

pytestmark = pytest.mark.browser

APP = ROOT / "tests" / "port_check" / "profile_features.py"


@pytest.fixture
def app_context(product: Product, browser) -> Iterator[BrowserContext]:
    server = product.server(
        "profile-switches", CHAT_ASSISTANT=str(APP), CHAT_SETTINGS_LOCATION="sidebar"
    )
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context
    context.close()
    server.stop()


def buttons(page: Page) -> dict[str, object]:
    return {
        "attach": page.locator("#composer .composer__attach"),
        "microphone": page.get_by_role("button", name="Talk"),
        "tools": page.get_by_role("button", name="Tool servers"),
    }


def expect_buttons(page: Page, *, shown: bool) -> None:
    for button in buttons(page).values():
        if shown:
            expect(button).to_be_visible()
        else:
            expect(button).to_be_hidden()


def new_chat(page: Page) -> None:
    before = page.url
    page.get_by_role("button", name="New chat").click()
    expect(page).not_to_have_url(before)
    wait_connected(page)


def pick(page: Page, profile: str) -> None:
    page.get_by_role("group", name="Profile").get_by_role("button", name=profile).click()
    expect(page.locator("#thread-profile")).to_contain_text(profile)


def test_a_profile_switch_shows_and_hides_the_composers_buttons_in_every_tab(
    app_context: BrowserContext, shots_dir
) -> None:
    page = app_context.new_page()
    sign_up_to_a_new_chat(page)
    expect_buttons(page, shown=True)
    other = app_context.new_page()
    other.goto(page.url)
    wait_connected(other)
    expect_buttons(other, shown=True)

    pick(page, "Focus")
    # Without a reload, here and in the other tab.
    expect_buttons(page, shown=False)
    expect_buttons(other, shown=False)
    page.screenshot(path=str(shots_dir / "profile-focus-composer.png"))

    pick(other, "Workbench")
    expect_buttons(other, shown=True)
    expect_buttons(page, shown=True)


def test_a_profiles_cot_hides_or_shows_the_steps(app_context: BrowserContext) -> None:
    page = app_context.new_page()
    sign_up_to_a_new_chat(page)
    pick(page, "Focus")
    wait_idle(page)
    send(page, "tickets")
    expect(assistant_messages(page).last).to_contain_text("Focus: found tickets")
    expect(page.locator(".step__summary")).to_have_count(0)
    page.reload()
    expect(assistant_messages(page).last).to_contain_text("Focus: found tickets")
    expect(page.locator(".step__summary")).to_have_count(0)

    new_chat(page)
    expect(page.locator("#thread-profile")).to_contain_text("Workbench")
    wait_idle(page)
    send(page, "papers")
    expect(assistant_messages(page).last).to_contain_text("Workbench: found papers")
    expect(page.locator(".step__summary").filter(has_text="look_up")).to_be_visible()


def test_the_settings_panel_opens_by_itself_and_closes_from_the_keyboard(
    app_context: BrowserContext, shots_dir
) -> None:
    page = app_context.new_page()
    sign_up_to_a_new_chat(page)
    panel = page.get_by_role("dialog", name="Chat settings")
    expect(panel).to_be_visible()
    expect(panel.get_by_label("Tone")).to_be_visible()
    # The person's typing place stays theirs: the panel took no focus.
    expect(composer(page)).to_be_focused()
    page.screenshot(path=str(shots_dir / "settings-open-first-light.png"))
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots_dir / "settings-open-first-dark.png"))
    page.emulate_media(color_scheme="light")

    panel.get_by_label("Tone").focus()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    opener = page.get_by_role("button", name="Settings")
    expect(opener).to_be_focused()
    # Closed, it stays closed while the chat goes on.
    send(page, "hello")
    expect(assistant_messages(page).last).to_contain_text("Workbench: found hello")
    expect(panel).to_be_hidden()
    # Its button opens and closes it (Enter on the focused button).
    opener.focus()
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    opener.focus()
    page.keyboard.press("Enter")
    expect(panel).to_be_hidden()

    # A profile that does not open it: a chat in "Focus" shows it closed.
    new_chat(page)
    pick(page, "Focus")
    wait_idle(page)
    page.reload()
    wait_connected(page)
    expect(page.get_by_role("button", name="Settings")).to_be_visible()
    expect(panel).to_be_hidden()


def test_on_a_phone_the_panel_waits_for_its_button(app_context: BrowserContext, shots_dir) -> None:
    page = app_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_up_to_a_new_chat(page)
    # It would cover the chat: closed until asked for.
    opener = page.get_by_role("button", name="Settings")
    expect(opener).to_be_visible()
    panel = page.get_by_role("dialog", name="Chat settings")
    expect(panel).to_be_hidden()
    expect_buttons(page, shown=True)
    page.screenshot(path=str(shots_dir / "profile-workbench-composer-phone.png"))
    opener.click()
    expect(panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    pick(page, "Focus")
    expect_buttons(page, shown=False)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots_dir / "profile-focus-composer-phone-dark.png"))
