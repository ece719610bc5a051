"""Editing, regenerating, the theme, the language and the new-chat question, as a user
meets them in Chromium; with screenshots of the chat in both themes and right to left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import Product
from .helpers import (
    THREAD_URL,
    assistant_messages,
    send,
    sign_up,
    user_messages,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser


def answer_texts(page: Page) -> list[str]:
    return [t.strip() for t in assistant_messages(page).locator(".message__body").all_inner_texts()]


def test_editing_a_message_replaces_what_came_after_it(
    page: Page, product: Product, shots_dir: Path
) -> None:
    email = sign_up(page)
    send(page, "first question")
    expect(assistant_messages(page)).to_have_count(2)
    send(page, "second question")
    expect(assistant_messages(page)).to_have_count(3)
    wait_idle(page)

    first = user_messages(page).first
    first.hover()
    first.get_by_role("button", name="Edit").click()
    box = first.get_by_label("Edit your message")
    expect(box).to_be_focused()
    expect(box).to_have_value("first question")
    box.fill("first question, said better")
    page.screenshot(path=str(shots_dir / "chat-editing.png"))
    first.get_by_role("button", name="Save and send").click()

    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first.locator(".message__body")).to_have_text(
        "first question, said better"
    )
    expect(assistant_messages(page)).to_have_count(2)
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text(
        "You said: first question, said better"
    )
    wait_idle(page)
    # The database says the same: a reload shows the edited conversation.
    page.reload()
    expect(user_messages(page)).to_have_count(1)
    expect(assistant_messages(page)).to_have_count(2)

    # A reviewer sees what happened: the replaced messages greyed, and why they went.
    thread_id = page.url.rstrip("/").rsplit("/", 1)[1]
    product.manage(
        "shell",
        "-c",
        "from accounts.models import User; "
        f"User.objects.filter(email='{email}').update(is_staff=True, is_superuser=True)",
    )
    page.goto(f"/admin/chat/thread/{thread_id}/transcript/")
    expect(page.locator("article.message--superseded")).to_have_count(3)
    expect(page.get_by_text("Before the edit:")).to_be_visible()
    expect(
        page.get_by_text("Removed from the chat: the user edited an earlier message.")
    ).to_have_count(3)
    page.screenshot(path=str(shots_dir / "admin-transcript-edited.png"), full_page=True)


def test_cancelling_an_edit_leaves_the_message_as_it_was(page: Page) -> None:
    sign_up(page)
    send(page, "keep me")
    wait_idle(page)
    mine = user_messages(page).first
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_label("Edit your message").fill("changed my mind")
    mine.get_by_label("Edit your message").press("Escape")
    expect(mine.get_by_label("Edit your message")).to_be_hidden()
    expect(mine.locator(".message__body")).to_have_text("keep me")
    expect(assistant_messages(page)).to_have_count(2)


def test_regenerate_replaces_only_the_last_answer(page: Page) -> None:
    sign_up(page)
    send(page, "one")
    expect(assistant_messages(page)).to_have_count(2)
    send(page, "two")
    expect(assistant_messages(page)).to_have_count(3)
    wait_idle(page)
    # Only the last answer offers it (the others keep theirs hidden).
    regenerate = page.get_by_role("button", name="Regenerate")
    expect(regenerate).to_have_count(1)
    expect(assistant_messages(page).last.get_by_role("button", name="Regenerate")).to_have_count(1)
    last_id = assistant_messages(page).last.get_attribute("id")

    assistant_messages(page).last.hover()
    regenerate.click()

    expect(assistant_messages(page).last).not_to_have_attribute("id", last_id)
    wait_idle(page)
    expect(assistant_messages(page)).to_have_count(3)
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text("You said: two")
    expect(user_messages(page)).to_have_count(2)


def test_the_theme_switch_is_remembered_and_both_themes_look_right(
    page: Page, shots_dir: Path
) -> None:
    page.emulate_media(color_scheme="light")
    sign_up(page)
    send(page, "Show me **both** themes, with `code`.")
    expect(assistant_messages(page)).to_have_count(2)
    wait_idle(page)
    html = page.locator("html")
    expect(html).not_to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.screenshot(path=str(shots_dir / "chat-light.png"))

    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
    page.screenshot(path=str(shots_dir / "chat-dark.png"))

    # The server renders the next page dark from the start: no flash of the light theme.
    response = page.reload()
    assert 'data-theme="dark"' in response.text().split("<head>")[0]
    expect(html).to_have_attribute("data-theme", "dark")
    page.get_by_role("button", name="Dark theme").click()
    expect(html).to_have_attribute("data-theme", "light")


def test_the_theme_follows_the_device_until_one_is_picked(page: Page) -> None:
    page.emulate_media(color_scheme="dark")
    sign_up(page)
    expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "true")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != dark


def test_switching_language_translates_the_page_and_is_remembered(
    page: Page, shots_dir: Path
) -> None:
    sign_up(page)
    page.get_by_label("Language").select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name="Neuer Chat")).to_be_visible()
    expect(page.get_by_label("Nachricht", exact=True)).to_be_visible()
    wait_connected(page)
    send(page, "Hallo", box=page.get_by_label("Nachricht", exact=True))
    expect(assistant_messages(page)).to_have_count(2)
    wait_idle(page)
    # Fragments pushed over the socket speak German too.
    expect(
        assistant_messages(page).last.get_by_role("button", name="Antwort kopieren")
    ).to_have_count(1)
    page.reload()
    expect(page.get_by_role("button", name="Neuer Chat")).to_be_visible()

    page.get_by_label("Sprache").select_option("ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("button", name="محادثة جديدة")).to_be_visible()
    wait_connected(page)
    wait_idle(page)
    # Right to left: the conversations are on the right, the user's messages on the left.
    expect(page.locator(".sidebar")).to_be_visible()
    sidebar = page.locator(".sidebar").bounding_box()
    chat = page.locator("main.chat").bounding_box()
    assert sidebar["x"] > chat["x"]
    mine = user_messages(page).first.bounding_box()
    theirs = assistant_messages(page).last.bounding_box()
    assert mine["x"] < theirs["x"] + theirs["width"] / 2
    page.screenshot(path=str(shots_dir / "chat-rtl.png"))
    page.get_by_label("اللغة").select_option("en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_a_new_chat_while_the_assistant_answers_asks_first(page: Page) -> None:
    sign_up(page)
    send(page, "long")
    expect(page.locator("#run-state")).to_have_attribute("data-running", "true")
    here = page.url

    page.get_by_role("button", name="New chat").click()
    dialog = page.get_by_role("dialog", name="Start a new chat?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Stay here").click()
    expect(dialog).to_be_hidden()
    assert page.url == here

    page.get_by_role("button", name="New chat").click()
    dialog.get_by_role("button", name="Start a new chat").click()
    expect(page).not_to_have_url(here)
    expect(page).to_have_url(THREAD_URL)


def test_a_new_chat_when_idle_asks_nothing(page: Page) -> None:
    sign_up(page)
    send(page, "hello")
    expect(assistant_messages(page).last.locator(".message__body")).to_have_text("You said: hello")
    wait_idle(page)
    here = page.url
    page.get_by_role("button", name="New chat").click()
    expect(page).not_to_have_url(here)
    expect(page.get_by_role("dialog", name="Start a new chat?")).to_be_hidden()


def test_a_prompt_in_the_address_waits_in_the_composer(page: Page) -> None:
    sign_up(page)
    page.goto("/?prompt=What+is+our+travel+policy%3F")
    expect(page).to_have_url(re.compile(r"/threads/[0-9a-f-]{36}/\?prompt="))
    expect(page.get_by_label("Message", exact=True)).to_have_value("What is our travel policy?")
    expect(user_messages(page)).to_have_count(0)
