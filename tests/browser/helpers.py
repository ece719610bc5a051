"""What a user does in the chat, as small functions over a Playwright page."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .conftest import PASSWORD, new_email

THREAD_URL = re.compile(r"/threads/[0-9a-f-]{36}/$")


def sign_up(
    page: Page, email: str | None = None, password: str = PASSWORD, *, greeting: bool = True
) -> str:
    """Signs up through allauth's form; lands in a new chat, greeted (by the default
    assistant's on_chat_start) and idle."""
    email = email or new_email()
    page.goto("/accounts/signup/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(password)
    page.locator("input[name=password2]").fill(password)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(THREAD_URL)
    wait_connected(page)
    if greeting:
        expect(assistant_messages(page)).to_have_count(1)
    wait_idle(page)
    return email


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fills the sign-in form the page is on."""
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()


def wait_connected(page: Page, timeout: float = 15_000) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "open", timeout=timeout)


def composer(page: Page) -> Locator:
    return page.get_by_label("Message", exact=True)


def send(page: Page, text: str, box: Locator | None = None) -> None:
    """Types text into the composer (or `box`, e.g. labelled in another language) and
    presses Enter, as a user does once no hook runs.

    The page ignores Enter while a hook runs (one run at a time) and keeps the text; if
    a hook started just before Enter (on_chat_start right after the socket opened), the
    user presses Enter again once it is done, and so does this."""
    box = box or composer(page)
    box.fill(text)
    for _ in range(3):
        wait_idle(page)
        box.press("Enter")
        try:
            expect(box).to_have_value("", timeout=2_000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"Enter did not send {text!r}")


def assistant_messages(page: Page) -> Locator:
    return page.locator("#messages article.message--assistant")


def user_messages(page: Page) -> Locator:
    return page.locator("#messages article.message--user")


def wait_idle(page: Page, timeout: float = 30_000) -> None:
    """No hook running and no message streaming."""
    expect(page.locator("#messages article[data-status=streaming]")).to_have_count(
        0, timeout=timeout
    )
    expect(page.locator("#run-state")).to_have_attribute("data-running", "false", timeout=timeout)


def conversation(page: Page) -> list[tuple[str, str, str]]:
    """(author kind, status, text) of every message on the page."""
    return page.eval_on_selector_all(
        "#messages article.message",
        """els => els.map(el => [
            el.className.match(/message--(user|assistant|system)/)[1],
            el.dataset.status,
            el.querySelector('.message__body').innerText.trim(),
        ])""",
    )


def stream_length(page: Page, message: Locator) -> int:
    # Its finished blocks (formatted) and its open one (as text).
    return message.locator(".message__body").evaluate("el => el.textContent.length")


def image_shown(image: Locator) -> bool:
    """Whether the image arrived and decodes, once the browser has finished trying: an image
    that came over the socket may still be on its way when the test looks."""
    return image.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)")
