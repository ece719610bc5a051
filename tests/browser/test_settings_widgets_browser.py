"""Every Chainlit settings widget in the browser: a number, a checkbox, radio buttons, a
multiple choice, tags, a text, a select and a disabled switch, set by a person, saved,
received by the assistant, and shown as chosen when the chat is opened again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import ROOT, Product
from .helpers import wait_connected, wait_idle
from .test_port_check import reply, sign_up_to_a_new_chat

pytestmark = pytest.mark.browser

APP = ROOT / "tests" / "assistants" / "chat_options.py"


@pytest.fixture
def page(product: Product, browser) -> Iterator[Page]:
    server = product.server("settings-widgets", CHAT_ASSISTANT=str(APP))
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
    server.stop()


def open_settings(page: Page) -> Locator:
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    expect(dialog).to_be_visible()
    return dialog


def test_every_widget_is_set_saved_and_shown_again(page: Page) -> None:
    sign_up_to_a_new_chat(page)
    expect(reply(page, "Profile:")).to_have_count(1)
    dialog = open_settings(page)
    length = dialog.get_by_role("group", name="Length")
    sources = dialog.get_by_role("group", name="Sources")
    # As the assistant declared them.
    expect(dialog.get_by_label("Seed")).to_have_value("7")
    expect(dialog.get_by_label("Cite sources")).not_to_be_checked()
    expect(length.get_by_label("short")).to_be_checked()
    expect(sources.get_by_label("Wiki")).to_be_checked()
    expect(sources.get_by_label("Tickets")).not_to_be_checked()
    expect(dialog.get_by_label("Locked")).to_be_disabled()

    dialog.get_by_label("Seed").fill("42")
    dialog.get_by_label("Cite sources").check()
    length.get_by_label("long").check()
    sources.get_by_label("Tickets").check()
    dialog.get_by_label("Topics").fill("hr, it")
    dialog.get_by_label("Persona").fill("terse")
    dialog.get_by_label("Model").select_option("large")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(reply(page, "model=large")).to_have_count(1)  # on_settings_update ran
    wait_idle(page)

    page.reload()
    wait_connected(page)
    dialog = open_settings(page)
    length = dialog.get_by_role("group", name="Length")
    sources = dialog.get_by_role("group", name="Sources")
    expect(dialog.get_by_label("Seed")).to_have_value("42")
    expect(dialog.get_by_label("Cite sources")).to_be_checked()
    expect(length.get_by_label("long")).to_be_checked()
    expect(length.get_by_label("short")).not_to_be_checked()
    expect(sources.get_by_label("Wiki")).to_be_checked()
    expect(sources.get_by_label("Tickets")).to_be_checked()
    expect(dialog.get_by_label("Topics")).to_have_value("hr, it")
    expect(dialog.get_by_label("Persona")).to_have_value("terse")
    expect(dialog.get_by_label("Model")).to_have_value("large")
