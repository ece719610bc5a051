"""A long conversation opens at its end; "Show earlier messages" (by keyboard) loads the
pages before it above, announced, with the reader kept where they were."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import Product
from .helpers import sign_up, wait_connected

pytestmark = pytest.mark.browser

MESSAGES = 120


def long_thread(product: Product, email: str) -> str:
    """Stores a thread of MESSAGES messages ("msg-1" ...) for the user; its id."""
    out = product.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        "from tests.factories import make_long_thread; "
        f"user = get_user_model().objects.get(email={email!r}); "
        f"print(make_long_thread(user, {MESSAGES}).pk)",
    )
    return out.strip().splitlines()[-1]


def top_of(page: Page, selector: str) -> float:
    return page.locator(selector).evaluate("el => el.getBoundingClientRect().top")


def test_earlier_messages_load_above_by_keyboard_and_the_reader_stays_put(
    page: Page, product: Product
) -> None:
    thread_id = long_thread(product, sign_up(page))
    page.goto(f"/threads/{thread_id}/")
    wait_connected(page)
    articles = page.locator("#messages article.message")
    expect(articles).to_have_count(50)
    expect(articles.first.locator(".message__body")).to_have_text("msg-71")
    expect(articles.last.locator(".message__body")).to_have_text("msg-120")

    button = page.get_by_role("button", name="Show earlier messages")
    button.focus()
    reading = f"#{articles.first.get_attribute('id')}"
    before = top_of(page, reading)
    page.keyboard.press("Enter")
    expect(articles).to_have_count(100, timeout=20_000)
    expect(articles.first.locator(".message__body")).to_have_text("msg-21")
    expect(page.locator("#messages-earlier-status")).to_have_text("Loaded 50 earlier messages.")
    # What the reader was looking at did not move; the button keeps the focus.
    assert abs(top_of(page, reading) - before) < 2
    expect(button).to_be_focused()

    page.keyboard.press("Enter")
    expect(articles).to_have_count(MESSAGES, timeout=20_000)
    expect(articles.first.locator(".message__body")).to_have_text("msg-1")
    expect(page.locator("#messages-earlier-status")).to_have_text("Loaded 20 earlier messages.")
    expect(button).to_have_count(0)
    # An older answer, once loaded, is as live as the rest: it copies, and it can be rated.
    answer = articles.nth(1)
    expect(answer.locator(".message__body")).to_have_text("msg-2")
    expect(answer.get_by_role("button", name="Copy answer")).to_have_count(1)
    answer.get_by_role("button", name="Good answer").click()
    expect(answer.get_by_role("button", name="Good answer")).to_have_attribute(
        "aria-pressed", "true"
    )

    # A reload shows the latest page again, as it was.
    page.reload()
    wait_connected(page)
    expect(articles).to_have_count(50)
    expect(articles.first.locator(".message__body")).to_have_text("msg-71")
