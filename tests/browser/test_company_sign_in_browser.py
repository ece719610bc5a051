"""Company sign-in in Chromium: the OpenID Connect button, the provider, back in the chat
under the site's Content-Security-Policy, and a message over the rate limit kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

from .conftest import ChatServer, Product
from .helpers import THREAD_URL, assistant_messages, composer, send, wait_connected, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    running = OidcProvider().start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def company_server(product: Product, provider: OidcProvider) -> Iterator[ChatServer]:
    server = product.server(
        "company-sign-in",
        OAUTH_OIDC_CLIENT_ID=CLIENT_ID,
        OAUTH_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OAUTH_OIDC_SERVER_URL=provider.url,
        OAUTH_OIDC_NAME="Corp SSO",
        CHAT_MESSAGE_RATE_LIMIT="2/120",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def company_page(browser, company_server: ChatServer) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(
        base_url=company_server.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    yield page, refused
    context.close()


def test_signing_in_with_the_company_provider_and_chatting(
    company_page, provider: OidcProvider, shots_dir
) -> None:
    page, refused = company_page
    provider.next_user = {
        **provider.next_user,
        "sub": "u-browser",
        "email": "browser.user@corp.example",
    }
    page.goto("/accounts/login/")
    button = page.get_by_role("button", name="Sign in with Corp SSO")
    expect(button).to_be_visible()
    page.screenshot(path=str(shots_dir / "company-sign-in.png"))
    button.click()

    # The provider consents at once and sends the browser back: straight into a chat.
    expect(page).to_have_url(THREAD_URL)
    assert "GET /authorize" in provider.requests
    assert "POST /token" in provider.requests
    wait_connected(page)
    expect(page.locator(".sidebar__user")).to_have_text("browser.user@corp.example")
    expect(assistant_messages(page)).to_have_count(1)  # the default assistant's greeting
    wait_idle(page)

    send(page, "first")
    expect(assistant_messages(page)).to_have_count(2)
    wait_idle(page)
    send(page, "second")
    expect(assistant_messages(page)).to_have_count(3)
    wait_idle(page)

    # Over the limit: refused with a notice, and the text comes back into the composer.
    box = composer(page)
    box.fill("third, too soon")
    box.press("Enter")
    expect(page.locator("#chat-notice")).to_contain_text("Your message was not sent")
    expect(box).to_have_value("third, too soon")
    expect(page.locator("#messages article.message--user")).to_have_count(2)
    page.screenshot(path=str(shots_dir / "message-rate-limit.png"))

    # Nothing on these pages needed more than the Content-Security-Policy allows.
    assert refused == []
