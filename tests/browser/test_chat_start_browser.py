"""Profiles, settings, starters and commands, as a user meets them in the browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import assistant_messages, composer, send, sign_up, user_messages, wait_idle

pytestmark = pytest.mark.browser


def last_answer(page: Page):
    return assistant_messages(page).last.locator(".message__body")


def test_picking_a_profile_starts_the_chat_in_it_and_the_thread_remembers(
    page: Page, shots_dir: Path
) -> None:
    sign_up(page)
    picker = page.get_by_role("group", name="Profile")
    expect(picker.get_by_role("button", name="Standard")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#thread-profile")).to_contain_text("Standard")
    page.screenshot(path=str(shots_dir / "chat-start.png"), full_page=True)

    picker.get_by_role("button", name="Brief").click()
    expect(page.locator("#thread-profile")).to_contain_text("Brief")
    expect(picker.get_by_role("button", name="Brief")).to_have_attribute("aria-pressed", "true")
    # The profile's own starters replace the general ones.
    starters = page.get_by_role("group", name="Suggestions")
    expect(starters.get_by_role("button", name="Echo a line")).to_be_visible()
    expect(starters.get_by_role("button", name="Take the tour")).to_have_count(0)
    # Another profile is another chat: started over, greeted once.
    expect(assistant_messages(page)).to_have_count(1)
    wait_idle(page)

    send(page, "hello")
    expect(last_answer(page)).to_have_text("You said: hello")
    expect(page.locator("#chat-start")).to_be_hidden()
    page.reload()
    expect(page.locator("#thread-profile")).to_contain_text("Brief")
    expect(page.locator("#chat-start")).to_be_hidden()


def test_changing_a_setting_reaches_the_assistant_and_is_kept(page: Page, shots_dir: Path) -> None:
    sign_up(page)
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Tone")).to_be_focused()
    dialog.get_by_label("Tone").select_option("friendly")
    dialog.get_by_label("Typing speed").fill("10")
    expect(dialog.locator("output")).to_have_text("10")
    page.screenshot(path=str(shots_dir / "chat-settings.png"))
    dialog.get_by_role("button", name="Save").click()

    expect(dialog).to_be_hidden()
    expect(last_answer(page)).to_contain_text("tone = friendly")
    expect(last_answer(page)).to_contain_text("speed = 10")
    expect(page.locator("#chat-notice")).to_contain_text("Settings saved.")
    wait_idle(page)
    send(page, "hi")
    expect(last_answer(page)).to_have_text("Happy to help! You said: hi")
    wait_idle(page)

    page.reload()
    page.get_by_role("button", name="Settings").click()
    expect(dialog.get_by_label("Tone")).to_have_value("friendly")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()


def test_a_starter_sends_its_message_with_its_command(page: Page) -> None:
    sign_up(page)
    page.get_by_role("button", name="Say it loudly").click()
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first.locator(".message__body")).to_have_text("hello there")
    expect(user_messages(page).first.locator(".message__command")).to_contain_text("/shout")
    expect(last_answer(page)).to_have_text("You said: HELLO THERE")
    expect(page.locator("#chat-start")).to_be_hidden()
    # A command used once is no longer chosen.
    expect(page.locator("#command-chip")).to_be_hidden()


def test_a_command_is_chosen_from_the_slash_menu_with_the_keyboard(
    page: Page, shots_dir: Path
) -> None:
    sign_up(page)
    box = composer(page)
    menu = page.get_by_role("listbox", name="Commands")
    box.click()
    box.press_sequentially("/")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("option")).to_have_count(2)
    first = menu.get_by_role("option").first
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("Escape")
    expect(menu).to_be_hidden()

    box.press_sequentially("re")
    expect(menu).to_be_visible()
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots_dir / "chat-commands-dark.png"))
    page.emulate_media(color_scheme="light")
    visible = menu.locator("[role=option]:not([hidden])")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("/reverse")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(visible).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(menu).to_be_hidden()
    expect(box).to_have_value("")
    expect(page.locator("#command-chip .command-chip__name")).to_have_text("/reverse")
    expect(user_messages(page)).to_have_count(0)  # Enter chose; it did not send

    send(page, "one two three")
    expect(last_answer(page)).to_have_text("You said: three two one")
    # "reverse" is persistent: still chosen for the next message.
    expect(page.locator("#command-chip")).to_be_visible()
    page.locator("[data-command-clear]").click()
    expect(page.locator("#command-chip")).to_be_hidden()

    shout = page.locator("[data-command-button=shout]")
    shout.click()
    expect(shout).to_have_attribute("aria-pressed", "true")
    send(page, "quiet please")
    expect(last_answer(page)).to_have_text("You said: QUIET PLEASE")
    expect(shout).to_have_attribute("aria-pressed", "false")

    page.reload()
    expect(user_messages(page).first.locator(".message__command")).to_contain_text("/reverse")


def test_starter_icon_names_are_drawn_from_one_sprite_loaded_once(page: Page) -> None:
    sprites: list[str] = []
    page.on("request", lambda r: sprites.append(r.url) if "sprite" in r.url else None)
    sign_up(page)
    starters = page.get_by_role("group", name="Suggestions")
    icons = starters.locator("svg.icon--named")
    expect(icons.first).to_be_visible()
    assert icons.count() >= 2
    # Drawn: each icon's <use> found its symbol in the sprite and has a shape to paint.
    sizes = icons.evaluate_all("els => els.map(e => e.querySelector('use').getBBox().width)")
    assert all(width > 0 for width in sizes), sizes
    assert len(set(sprites)) == 1, sprites
