"""The whole chat in an iframe of a company page, as Chainlit apps are embedded: pages of
CHAT_FRAME_ANCESTORS frame it and exchange window messages with it; other sites' pages
cannot frame it. And Chainlit's copilot embed (`/copilot/index.js`,
`window.mountChainlitWidget`) opens this product's widget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, ChatServer, Product, new_email
from .helpers import sign_up, wait_connected, wait_idle
from .test_copilot import HostSite, _wait

pytestmark = pytest.mark.browser

ASSISTANT = ROOT / "tests" / "assistants" / "copilot.py"


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[HostSite, HostSite]]:
    allowed, other = HostSite(), HostSite()
    yield allowed, other
    allowed.stop()
    other.stop()


@pytest.fixture(scope="module")
def framed_server(product: Product, sites) -> Iterator[ChatServer]:
    allowed, _ = sites
    server = product.server(
        "framed",
        CHAT_ASSISTANT=str(ASSISTANT),
        CHAT_FRAME_ANCESTORS=allowed.origin,
        CHAT_COPILOT="1",
        CHAT_COPILOT_ALLOWED_ORIGINS=allowed.origin,
    )
    server.start()
    yield server
    server.stop()


def chat_url(server: ChatServer) -> str:
    """The chat under the host name of the company pages (same site: its cookie goes along)."""
    return server.base_url.replace("127.0.0.1", "localhost")


@pytest.fixture
def signed_in(browser, framed_server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=chat_url(framed_server), viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    sign_up(page, new_email("framed"), greeting=False)
    yield page
    context.close()


FRAMING_PAGE = """
<h1>Intranet</h1>
<button id="say-hi" type="button">Say hi</button>
<ul id="received"></ul>
<iframe id="chat" src="{chat}/" style="width:900px;height:600px" title="Assistant"></iframe>
<script>
  window.addEventListener("message", function (event) {{
    if (event.origin !== "{chat}") return;
    var item = document.createElement("li");
    item.textContent = event.data.text;
    document.getElementById("received").appendChild(item);
  }});
  document.getElementById("say-hi").addEventListener("click", function () {{
    document.getElementById("chat").contentWindow.postMessage({{ text: "hi from host" }}, "{chat}");
  }});
</script>
"""


def test_an_allowed_page_frames_the_chat_and_talks_with_it(
    signed_in: Page, sites, framed_server: ChatServer, shots_dir: Path
):
    allowed, _ = sites
    page = signed_in
    page.goto(allowed.page("/frames.html", FRAMING_PAGE.format(chat=chat_url(framed_server))))
    chat = page.frame_locator("#chat")
    wait_connected(chat)  # type: ignore[arg-type]
    wait_idle(chat)  # type: ignore[arg-type]

    box = chat.get_by_label("Message", exact=True)
    box.fill("ping host")
    box.press("Enter")
    answers = chat.locator("#messages article.message--assistant")
    expect(answers.last).to_contain_text("Sent the host a message.")
    # cl.send_window_message reached the framing page, as Chainlit posts it.
    expect(page.locator("#received li")).to_have_text(["hello host"])

    wait_idle(chat)  # type: ignore[arg-type]
    page.locator("#say-hi").click()
    expect(answers.last).to_contain_text("The host says: hi from host")
    page.screenshot(path=str(shots_dir / "framed-chat.png"))


def test_a_page_not_allowed_cannot_frame_the_chat(signed_in: Page, sites, framed_server):
    _, other = sites
    page = signed_in
    page.goto(other.page("/frames.html", FRAMING_PAGE.format(chat=chat_url(framed_server))))
    _wait(lambda: [f for f in page.frames if f.url.startswith("chrome-error://")], page)
    expect(page.frame_locator("#chat").locator("#message-input")).to_have_count(0)


def test_the_chat_page_not_framed_keeps_window_messages_to_itself(signed_in: Page):
    page = signed_in
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    box = page.get_by_label("Message", exact=True)
    box.fill("ping host")
    box.press("Enter")
    expect(page.locator("#messages article.message--assistant").last).to_contain_text(
        "Sent the host a message."
    )
    wait_idle(page)
    assert not [e for e in errors if "oobErrorNoTarget" in e]
    # Nothing piles up in the page.
    expect(page.locator("#copilot-outbox template")).to_have_count(0)


CHAINLIT_EMBED = """
<h1>Intranet</h1>
<script src="{chat}/copilot/index.js"></script>
<script>
  window.addEventListener("chainlit-call-fn", function (event) {{
    if (event.detail.name === "page_title") {{
      event.detail.callback(document.title + event.detail.args.suffix);
    }}
  }});
  window.mountChainlitWidget({{
    chainlitServer: "{chat}", accessToken: "{token}", button: {{ label: "Ask Acme" }}
  }});
</script>
"""


def test_chainlits_copilot_embed_opens_the_widget(
    browser, product: Product, sites, framed_server: ChatServer
):
    allowed, _ = sites
    email = new_email("embed")
    product.manage(
        "shell",
        "-c",
        f"from accounts.models import User; User.objects.create_user({email!r}, 'pw-12345678')",
    )
    token = product.manage("copilot_token", email).strip()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        html = CHAINLIT_EMBED.format(chat=framed_server.base_url, token=token)
        page.goto(allowed.page("/chainlit.html", html))
        page.get_by_role("button", name="Ask Acme").click()
        panel = page.frame_locator("#chat-copilot-frame")
        wait_connected(panel)  # type: ignore[arg-type]
        box = panel.get_by_label("Message", exact=True)
        box.fill("what is the title of this page?")
        box.press("Enter")
        answers = panel.locator("#messages article.message--assistant")
        expect(answers.last).to_contain_text("The host page is titled: Host Page!")
    finally:
        context.close()
