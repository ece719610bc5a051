"""The copilot widget in a page of another site: one script tag opens the assistant in a
panel, signed in with a token from the page's backend; the assistant calls a function of
the page and the two exchange window messages. A page not on the allow-list is refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, ChatServer, Product, free_port, new_email
from .helpers import wait_connected, wait_idle

pytestmark = pytest.mark.browser

ASSISTANT = ROOT / "tests" / "assistants" / "copilot.py"
HOST_SCRIPT = """
window.addEventListener("load", function () {
  ChatCopilot.onFunction("page_title", function (args) { return document.title + args.suffix; });
  ChatCopilot.onWindowMessage(function (data) {
    var item = document.createElement("li");
    item.textContent = data.text;
    document.getElementById("received").appendChild(item);
  });
  document.getElementById("say-hi").addEventListener("click", function () {
    ChatCopilot.sendWindowMessage({ text: "hi from host" });
  });
});
"""


class HostSite:
    """A company page on another origin (http://localhost:<port>), serving fixed files."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://localhost:{self.port}"
        self.files: dict[str, tuple[str, str]] = {"/host.js": ("text/javascript", HOST_SCRIPT)}
        files = self.files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                kind, body = files.get(self.path, ("text/plain", "not found"))
                data = body.encode()
                self.send_response(200 if self.path in files else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, path: str, body: str) -> str:
        html = (
            f"<!doctype html><html><head><title>Host Page</title></head><body>{body}</body></html>"
        )
        self.files[path] = ("text/html", html)
        return self.origin + path

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[HostSite, HostSite]]:
    allowed, other = HostSite(), HostSite()
    yield allowed, other
    allowed.stop()
    other.stop()


@pytest.fixture(scope="module")
def copilot_server(product: Product, sites) -> Iterator[ChatServer]:
    allowed, _ = sites
    server = product.server(
        "copilot",
        CHAT_ASSISTANT=str(ASSISTANT),
        CHAT_COPILOT="1",
        CHAT_COPILOT_ALLOWED_ORIGINS=allowed.origin,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(product: Product, copilot_server) -> str:
    """What the host page's backend would issue for the person it has signed in."""
    email = new_email("copilot")
    product.manage(
        "shell",
        "-c",
        f"from accounts.models import User; User.objects.create_user({email!r}, 'pw-12345678')",
    )
    return product.manage("copilot_token", email).strip()


def embedding(server: ChatServer, token: str) -> str:
    return (
        "<h1>Intranet</h1>"
        '<button id="say-hi" type="button">Say hi to the assistant</button>'
        '<ul id="received"></ul>'
        '<script src="/host.js"></script>'
        f'<script src="{server.base_url}/copilot.js" data-token="{token}" data-open="true">'
        "</script>"
    )


@pytest.fixture
def host_page(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def test_a_page_of_another_site_embeds_the_assistant_which_calls_its_functions(
    host_page: Page, sites, copilot_server: ChatServer, token: str, shots_dir: Path
):
    allowed, _ = sites
    host_page.goto(allowed.page("/embeds.html", embedding(copilot_server, token)))
    panel = host_page.frame_locator("#chat-copilot-frame")
    wait_connected(panel)  # type: ignore[arg-type]
    wait_idle(panel)  # type: ignore[arg-type]
    # The sign-in token is spent, and out of the frame's address.
    (frame,) = [f for f in host_page.frames if "/copilot/" in f.url]
    assert "token=" not in frame.url

    box = panel.get_by_label("Message", exact=True)
    box.fill("what is the title of this page?")
    box.press("Enter")
    answers = panel.locator("#messages article.message--assistant")
    expect(answers.last).to_contain_text("The host page is titled: Host Page!")

    wait_idle(panel)  # type: ignore[arg-type]
    box.fill("ping host")
    box.press("Enter")
    expect(host_page.locator("#received li")).to_have_text(["hello host"])

    host_page.locator("#say-hi").click()
    expect(answers.last).to_contain_text("The host says: hi from host")
    host_page.screenshot(path=str(shots_dir / "copilot-widget.png"))


def test_a_page_not_on_the_allow_list_gets_no_assistant(
    host_page: Page, sites, copilot_server: ChatServer, token: str
):
    allowed, other = sites
    statuses: list[int] = []
    host_page.on("response", lambda r: statuses.append(r.status) if "/copilot/?" in r.url else None)
    # The script says where it is; the panel refuses that origin.
    host_page.goto(other.page("/embeds.html", embedding(copilot_server, token)))
    expect(host_page.locator("#chat-copilot-button")).to_be_visible()
    _wait(lambda: statuses, host_page)
    assert statuses == [403]

    # A page that lies about its origin is stopped by the browser (CSP frame-ancestors).
    forged = (
        f'<iframe id="forged" src="{copilot_server.base_url}/copilot/?host={allowed.origin}'
        f'&token={token}"></iframe>'
    )
    host_page.goto(other.page("/forged.html", forged))
    _wait(lambda: [f for f in host_page.frames if f.url.startswith("chrome-error://")], host_page)
    expect(host_page.frame_locator("#forged").locator("#message-input")).to_have_count(0)


def _wait(condition, page: Page, within_ms: int = 15_000) -> None:
    """Waits (with the page's clock, so its events are handled) until condition holds."""
    for _ in range(within_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


@pytest.fixture
def issue(product: Product, copilot_server):
    """Issues a fresh sign-in token (each is good for one panel) for one person."""
    email = new_email("copilot-layout")
    product.manage(
        "shell",
        "-c",
        f"from accounts.models import User; User.objects.create_user({email!r}, 'pw-12345678')",
    )
    return lambda: product.manage("copilot_token", email).strip()


def chainlit_mount(site: HostSite, server: ChatServer, token: str, **config: object) -> str:
    """A host page written for Chainlit's copilot: index.js, then mountChainlitWidget."""
    import json

    options = {"chainlitServer": server.base_url, "accessToken": token, "opened": True, **config}
    site.files["/mount.js"] = (
        "text/javascript",
        f"window.mountChainlitWidget({json.dumps(options)});",
    )
    return site.page(
        "/chainlit.html",
        "<h1>Intranet</h1><p>Quarterly figures and the team's pages.</p>"
        f'<script src="{server.base_url}/copilot/index.js"></script>'
        '<script src="/mount.js"></script>',
    )


def _box(page: Page) -> dict:
    box = page.locator("#chat-copilot-panel").bounding_box()
    assert box is not None
    return box


def test_the_sidebar_docks_to_the_side_resizes_and_keeps_its_width_in_the_hosts_theme(
    host_page: Page, sites, copilot_server: ChatServer, issue, shots_dir: Path
):
    allowed, _ = sites
    config = {"displayMode": "sidebar", "theme": "dark", "language": "de"}
    host_page.goto(chainlit_mount(allowed, copilot_server, issue(), **config))
    panel = host_page.frame_locator("#chat-copilot-frame")
    wait_connected(panel)  # type: ignore[arg-type]

    # Docked along the right edge, full height; the page moves aside rather than under it.
    box = _box(host_page)
    assert (box["x"] + box["width"], box["y"], box["height"]) == (1280, 0, 800)
    assert box["width"] == 400
    assert host_page.evaluate("document.body.style.marginRight") == "400px"
    # In the host page's theme and language.
    expect(panel.locator("html")).to_have_attribute("data-theme", "dark")
    expect(panel.locator("html")).to_have_attribute("lang", "de")
    expect(panel.get_by_role("button", name="Senden")).to_be_visible()
    expect(panel.get_by_role("button", name="Seitlich andocken")).to_have_attribute(
        "aria-pressed", "true"
    )

    # The edge is a keyboard-operable separator, named in the panel's language.
    edge = host_page.get_by_role("separator", name="Größe des Assistenten ändern")
    edge.focus()
    edge.press("ArrowLeft")
    edge.press("ArrowLeft")
    expect(edge).to_have_attribute("aria-valuenow", "432")
    assert _box(host_page)["width"] == 432

    # Dragged with the pointer: wider, as far as half the page.
    grip = edge.bounding_box()
    assert grip is not None
    host_page.mouse.move(grip["x"] + 2, 400)
    host_page.mouse.down()
    host_page.mouse.move(760, 400, steps=5)
    host_page.mouse.up()
    expect(edge).to_have_attribute("aria-valuenow", "520")
    host_page.screenshot(path=str(shots_dir / "copilot-sidebar-dark.png"))

    # The width is kept in this browser: a new visit opens the panel as wide.
    host_page.goto(chainlit_mount(allowed, copilot_server, issue(), **config))
    wait_connected(panel)  # type: ignore[arg-type]
    assert _box(host_page)["width"] == 520
    assert host_page.evaluate("document.body.style.marginRight") == "520px"


def test_the_floating_panel_expands_docks_and_closes_from_its_header(
    host_page: Page, sites, copilot_server: ChatServer, issue, shots_dir: Path
):
    allowed, _ = sites
    token = issue()
    host_page.goto(
        allowed.page(
            "/floating.html",
            "<h1>Intranet</h1>"
            f'<script src="{copilot_server.base_url}/copilot.js" data-token="{token}" '
            'data-open="true" data-theme="light" data-display-mode="floating"></script>',
        )
    )
    panel = host_page.frame_locator("#chat-copilot-frame")
    wait_connected(panel)  # type: ignore[arg-type]
    expect(panel.locator("html")).to_have_attribute("data-theme", "light")
    assert _box(host_page)["width"] == 400
    expect(host_page.locator("#chat-copilot-resize")).to_be_hidden()

    expand = panel.get_by_role("button", name="Full size")
    expand.click()
    expect(expand).to_have_attribute("aria-pressed", "true")
    assert _box(host_page)["width"] == 1100
    host_page.screenshot(path=str(shots_dir / "copilot-expanded-light.png"))
    expand.click()
    expect(expand).to_have_attribute("aria-pressed", "false")
    assert _box(host_page)["width"] == 400

    # Docked from the header: at the side, the expand button gone; and back.
    dock = panel.get_by_role("button", name="Dock to the side")
    dock.click()
    expect(dock).to_have_attribute("aria-pressed", "true")
    expect(expand).to_be_hidden()
    box = _box(host_page)
    assert (box["x"] + box["width"], box["y"]) == (1280, 0)
    dock.click()
    expect(dock).to_have_attribute("aria-pressed", "false")
    assert host_page.evaluate("document.body.style.marginRight") == ""

    panel.get_by_role("button", name="Close").click()
    expect(host_page.locator("#chat-copilot-panel")).to_be_hidden()
    launcher = host_page.locator("#chat-copilot-button")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_be_focused()


def test_on_a_phone_the_sidebar_takes_the_whole_width(
    browser, sites, copilot_server: ChatServer, issue, shots_dir: Path
):
    allowed, _ = sites
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(chainlit_mount(allowed, copilot_server, issue(), displayMode="sidebar"))
        panel = page.frame_locator("#chat-copilot-frame")
        wait_connected(panel)  # type: ignore[arg-type]
        box = _box(page)
        assert (box["x"], box["width"], box["height"]) == (0, 390, 844)
        expect(page.locator("#chat-copilot-resize")).to_be_hidden()
        expect(page.locator("#chat-copilot-button")).to_be_hidden()
        expect(panel.get_by_role("button", name="Close")).to_be_visible()
        page.screenshot(path=str(shots_dir / "copilot-sidebar-390.png"))
    finally:
        context.close()
