"""A user's whole visit: sign up, chat, stop an answer, reload, sign out, sign in again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import (
    THREAD_URL,
    assistant_messages,
    composer,
    conversation,
    send,
    sign_in,
    sign_up,
    stream_length,
    user_messages,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser


def test_sign_up_chat_stop_reload_sign_out_and_back(page: Page) -> None:
    email = sign_up(page)
    thread_url = page.url
    # The assistant greets a new conversation.
    expect(assistant_messages(page)).to_have_count(1)
    wait_idle(page)

    # A message and its streamed answer.
    send(page, "hello")
    expect(user_messages(page)).to_have_count(1)
    expect(user_messages(page).first.locator(".message__body")).to_have_text("hello")
    expect(assistant_messages(page)).to_have_count(2)
    answer = assistant_messages(page).nth(1)
    expect(answer.locator(".message__body")).to_have_text("You said: hello")
    expect(answer).to_have_attribute("data-status", "done")
    expect(composer(page)).to_have_value("")
    wait_idle(page)

    # A long answer grows while it streams...
    send(page, "long")
    expect(assistant_messages(page)).to_have_count(3)
    long_answer = assistant_messages(page).nth(2)
    expect(long_answer).to_have_attribute("data-status", "streaming")
    page.wait_for_function(
        "el => el.textContent.length > 20",
        arg=long_answer.locator(".message__body").element_handle(),
    )
    first = stream_length(page, long_answer)
    page.wait_for_function(
        "([el, n]) => el.textContent.length > n",
        arg=[long_answer.locator(".message__body").element_handle(), first],
    )
    expect(long_answer).to_have_attribute("data-status", "streaming")

    # ...until Stop: what was written so far is kept, marked as stopped.
    page.get_by_role("button", name="Stop").click()
    expect(long_answer).to_have_attribute("data-status", "stopped")
    expect(long_answer.locator(".message__status")).to_have_text("Stopped")
    wait_idle(page)
    kept = long_answer.locator(".message__body").inner_text()
    assert len(kept) > 0
    assert "That is the end of the tour" not in kept
    # It no longer grows.
    page.wait_for_timeout(600)
    assert long_answer.locator(".message__body").inner_text() == kept
    expect(page.get_by_role("button", name="Send")).to_be_visible()

    # A reload renders the same conversation from the database.
    before = conversation(page)
    assert [kind for kind, _, _ in before] == [
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    page.reload()
    wait_connected(page)
    wait_idle(page)
    assert conversation(page) == before

    # The sidebar lists the thread under its title (and the profile it is tagged with).
    current = page.locator("#thread-list a[aria-current=page]")
    expect(current).to_have_text(re.compile(r"^hello(Tags: Standard)?$"))
    expect(page.locator("#thread-title")).to_have_text("hello")

    # Sign out lands on a signed-out page; the chat then asks to sign in.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.locator("input[name=login]")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)$"))

    # Signing in again from a link to the thread comes back to it.
    page.goto(thread_url)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)threads(/|%2F)"))
    sign_in(page, email)
    expect(page).to_have_url(thread_url)
    assert THREAD_URL.search(page.url)
    wait_connected(page)
    wait_idle(page)
    assert conversation(page) == before
