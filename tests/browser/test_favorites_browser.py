"""Favorites: a person stars a message they sent, and finds it again in the composer's "/"
list and in its Favorites menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .helpers import composer, send, sign_up, user_messages, wait_connected, wait_idle

pytestmark = pytest.mark.browser

PROMPT = "echo list the open tickets by team"


def test_a_starred_message_comes_back_from_the_slash_list_and_the_menu(page: Page) -> None:
    sign_up(page)
    wait_idle(page)
    menu_button = page.locator("#favorites summary")
    expect(menu_button).to_be_hidden()  # no favorites yet: no menu

    send(page, PROMPT)
    wait_idle(page)
    mine = user_messages(page).first
    mine.hover()
    star = mine.get_by_role("button", name="Favorite")
    expect(star).to_have_attribute("aria-pressed", "false")
    star.click()
    expect(mine.get_by_role("button", name="Favorite")).to_have_attribute("aria-pressed", "true")
    expect(menu_button).to_be_visible()

    # "/" and letters of it list it after the commands; Enter puts it in the box.
    box = composer(page)
    box.click()
    box.press_sequentially("/tick")
    option = page.locator("#command-menu [role=option][data-favorite]")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("list the open tickets")
    expect(box).to_have_attribute("aria-activedescendant", "favorite-option-1")
    box.press("Enter")
    expect(box).to_have_value(PROMPT)
    expect(page.locator("#command-menu")).to_be_hidden()
    expect(user_messages(page)).to_have_count(1)  # filled in, not sent

    # The menu by the composer offers it too, and takes it out.
    box.fill("")
    menu_button.click()
    page.locator("#favorites").get_by_role("button", name=PROMPT, exact=True).click()
    expect(box).to_have_value(PROMPT)
    expect(box).to_be_focused()
    menu_button.click()
    page.get_by_role("button", name=f"Remove “{PROMPT}” from favorites").click()
    expect(menu_button).to_be_hidden()

    # After a reload the star reads as stored.
    page.reload()
    mine = user_messages(page).first
    mine.hover()
    expect(mine.get_by_role("button", name="Favorite")).to_have_attribute("aria-pressed", "false")


def test_a_message_sent_from_a_favorite_shows_its_star_pressed_at_once(
    page: Page, shots_dir
) -> None:
    sign_up(page)
    wait_idle(page)
    send(page, PROMPT)
    wait_idle(page)
    other = page.context.new_page()
    other.goto(page.url)
    wait_connected(other)
    first = user_messages(page).first
    first.hover()
    first.get_by_role("button", name="Favorite").click()
    expect(first.get_by_role("button", name="Favorite")).to_have_attribute("aria-pressed", "true")
    # The other tab shows it pressed too, and offers it in its menu.
    theirs = user_messages(other).first.get_by_role("button", name="Favorite")
    expect(theirs).to_have_attribute("aria-pressed", "true")
    expect(other.locator("#favorites summary")).to_be_visible()
    other.close()

    # Sent again from the menu: the new message comes pressed, without a reload.
    page.locator("#favorites summary").click()
    page.locator("#favorites").get_by_role("button", name=PROMPT, exact=True).click()
    composer(page).press("Enter")
    expect(user_messages(page)).to_have_count(2)
    again = user_messages(page).last
    again.hover()
    expect(again.get_by_role("button", name="Favorite")).to_have_attribute("aria-pressed", "true")
    again.screenshot(path=str(shots_dir / "favorite-sent-again-light.png"))
    page.emulate_media(color_scheme="dark")
    again.screenshot(path=str(shots_dir / "favorite-sent-again-dark.png"))
    page.emulate_media(color_scheme="light")
    # Other words are no favorite.
    wait_idle(page)
    send(page, "echo something else")
    other = user_messages(page).last
    other.hover()
    expect(other.get_by_role("button", name="Favorite")).to_have_attribute("aria-pressed", "false")
