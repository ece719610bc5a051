"""The whole site under CHAT_URL_PREFIX=/assistant, behind a proxy that passes the path as
it is: sign up and in, chat with a streamed answer over the socket, upload a file, share
the conversation; every address the browser is sent to keeps the prefix."""

from __future__ import annotations

import http.client
import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import ChatServer, Product
from .helpers import (
    assistant_messages,
    composer,
    image_shown,
    send,
    sign_in,
    user_messages,
    wait_connected,
    wait_idle,
)
from .test_chainlit_api_browser import PNG

pytestmark = pytest.mark.browser

PREFIX = "/assistant"


@pytest.fixture(scope="module")
def prefixed(product: Product):
    server = product.server("prefixed", CHAT_URL_PREFIX=PREFIX)
    # Ready once the prefixed sign-in page answers (the root is not this site's any more).
    server.wait_ready = lambda: None  # type: ignore[method-assign]
    server.start()
    _wait_for(server, f"{PREFIX}/accounts/login/")
    yield server
    server.stop()


def _wait_for(server: ChatServer, path: str) -> None:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if status(server, path) == 200:
            return
        time.sleep(0.2)
    pytest.fail(f"{path} never answered 200:\n{server.log_tail()}")


def status(server: ChatServer, path: str) -> int | None:
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        client.request("GET", path)
        return client.getresponse().status
    except OSError:
        return None
    finally:
        client.close()


@pytest.fixture
def prefixed_page(browser, prefixed: ChatServer):
    context = browser.new_context(
        base_url=prefixed.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_nothing_answers_outside_the_prefix_but_the_probes(prefixed):
    assert status(prefixed, "/accounts/login/") == 404
    assert status(prefixed, "/healthz") == 200
    assert status(prefixed, f"{PREFIX}/healthz") == 200
    assert status(prefixed, PREFIX) == 301


def test_the_site_works_under_the_prefix_in_the_browser(prefixed_page: Page, tmp_path):
    page = prefixed_page
    page.goto(f"{PREFIX}/")
    # Signed out: sent to the prefixed sign-in page, which styles itself from prefixed files.
    expect(page).to_have_url(re.compile(rf"{PREFIX}/accounts/login/"))
    stylesheets = page.eval_on_selector_all("link[rel=stylesheet]", "els => els.map(e => e.href)")
    assert stylesheets
    assert all(f"{PREFIX}/static/" in href or "branding.css" in href for href in stylesheets)

    email = _sign_up_under_prefix(page)
    assert email
    expect(page).to_have_url(re.compile(rf"{PREFIX}/threads/[0-9a-f-]{{36}}/$"))
    socket = page.locator("main.chat").get_attribute("ws-connect")
    assert socket.startswith(f"{PREFIX}/ws/threads/")

    # A streamed answer over the prefixed socket.
    send(page, "Hello under a path")
    expect(assistant_messages(page)).to_have_count(2, timeout=30_000)
    wait_idle(page)

    # A file attached in the composer is uploaded to the prefixed upload URL, goes with
    # the next message, and is served back from a prefixed address.
    page.locator("input[data-composer-files]").set_input_files(
        {"name": "pixel.png", "mimeType": "image/png", "buffer": PNG}
    )
    expect(page.locator("#attachments .attachment")).to_contain_text("pixel.png")
    send(page, "Here is a picture")
    sent = user_messages(page).filter(has_text="Here is a picture")
    expect(sent).to_contain_text("pixel.png")
    image = sent.locator("img").first
    expect(image).to_be_visible()
    assert image.get_attribute("src").startswith(f"{PREFIX}/elements/")
    assert image_shown(image)
    wait_idle(page)

    # A share link carries the prefix; opened signed out, the sign-in comes first and
    # then leads back to it, both under the prefix.
    thread_path = page.url[len(prefixed_base(page)) :]
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    made = page.context.request.post(
        f"{thread_path}share/", headers={"X-CSRFToken": csrf, "Referer": page.url}
    )
    assert made.ok, made.status
    share_url = re.search(r'id="share-url" readonly value="([^"]+)"', made.text()).group(1)
    assert share_url.startswith(f"{prefixed_base(page)}{PREFIX}/share/")
    other = page.context.browser.new_context()
    try:
        shared = other.new_page()
        shared.goto(share_url)
        expect(shared).to_have_url(re.compile(rf"{PREFIX}/accounts/login/\?next={PREFIX}/share/"))
        sign_in(shared, email)
        expect(shared).to_have_url(share_url)
        expect(shared.locator("body")).to_contain_text("Hello under a path")
    finally:
        other.close()


def prefixed_base(page: Page) -> str:
    return re.match(r"https?://[^/]+", page.url).group(0)


def _sign_up_under_prefix(page: Page) -> str:
    from .conftest import PASSWORD, new_email

    email = new_email("prefix")
    page.goto(f"{PREFIX}/accounts/signup/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    wait_connected(page)
    expect(composer(page)).to_be_visible()
    wait_idle(page)
    return email
