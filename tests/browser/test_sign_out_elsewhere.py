"""A chat left open in one tab while the person signs out in another: its socket is
closed as unauthenticated, and the page goes to the sign-in page (it does not reconnect
forever), which brings the person back to the same chat."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .helpers import THREAD_URL, sign_in, sign_up, wait_connected


def test_a_chat_open_in_another_tab_goes_to_sign_in_when_the_person_signs_out(
    page: Page,
) -> None:
    email = sign_up(page, greeting=False)
    thread_url = page.url
    assert THREAD_URL.search(thread_url)

    other_tab = page.context.new_page()
    other_tab.goto("/")
    wait_connected(other_tab)
    other_tab.get_by_role("button", name="Sign out").click()
    expect(other_tab).to_have_url(re.compile(r"/accounts/login/"))

    # Nothing done in the first tab: its socket was closed, and the page moved on.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)threads(/|%2F)"))
    sign_in(page, email)
    expect(page).to_have_url(thread_url)
    wait_connected(page)
