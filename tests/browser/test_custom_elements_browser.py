"""Custom elements (cl.CustomElement, cl.AskElementMessage) in the browser: each of
Chainlit's client calls, from an app's public/elements/<Name>.html and <Name>.js."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, Product
from .helpers import assistant_messages, composer, sign_up, user_messages, wait_idle

pytestmark = pytest.mark.browser

APP = ROOT / "tests" / "port_check" / "custom_elements" / "app.py"


@pytest.fixture
def app_page(product: Product, browser) -> Iterator[Page]:
    server = product.server("custom-elements", CHAT_ASSISTANT=str(APP))
    server.start()
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    server.stop()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_each_client_call_of_a_custom_element(app_page: Page) -> None:
    page = app_page
    sign_up(page)
    counter = page.locator('[data-custom-element="Counter"]')
    expect(counter.locator("[data-count]")).to_have_text("1")
    # Its script (public/elements/Counter.js) is loaded with the first one shown.
    expect(counter).to_have_attribute("data-mounted", "true")

    # updateElement, from the element's script: stored, drawn again.
    counter.get_by_role("button", name="Increment").click()
    expect(counter.locator("[data-count]")).to_have_text("2")
    expect(counter).to_have_attribute("data-mounted", "true")
    counter.get_by_role("button", name="Increment").click()
    expect(counter.locator("[data-count]")).to_have_text("3")

    # callAction: the app's @cl.action_callback runs with the payload.
    counter.get_by_role("button", name="Reset").click()
    expect(assistant_messages(page).filter(has_text="Reset from 3.")).to_have_count(1)
    expect(counter.locator("[data-count]")).to_have_text("0")
    wait_idle(page)

    # sendUserMessage: a message from the user, answered.
    counter.get_by_role("button", name="Tell the assistant").click()
    expect(user_messages(page).filter(has_text="The count is 0")).to_have_count(1)
    expect(assistant_messages(page).filter(has_text="Heard: The count is 0")).to_have_count(1)
    wait_idle(page)

    # A reload draws it from the database as it was left.
    page.reload()
    expect(counter.locator("[data-count]")).to_have_text("0")

    # deleteElement: gone, also after a reload.
    counter.get_by_role("button", name="Remove").click()
    expect(counter).to_have_count(0)
    page.reload()
    expect(assistant_messages(page).first).to_contain_text("Here is a counter.")
    expect(counter).to_have_count(0)


def test_ask_element_message_waits_for_the_submitted_form(app_page: Page) -> None:
    page = app_page
    sign_up(page)
    wait_idle(page)
    box = composer(page)
    box.fill("expense")
    box.press("Enter")
    form = page.locator('[data-custom-element="Expense"]')
    expect(form).to_be_visible()
    form.get_by_label("Amount").fill("42")
    form.get_by_label("Reason").fill("train ticket")
    form.get_by_role("button", name="Submit").click()
    expect(
        assistant_messages(page).filter(has_text="Expense of 42 for train ticket.")
    ).to_have_count(1)
    expect(form.get_by_label("Amount")).to_have_value("42")
