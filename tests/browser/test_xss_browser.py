"""No XSS payload runs in a real Chromium, whichever input carries it, with the page's
Content-Security-Policy switched off in the browser so that the sanitiser alone stands.

One user writes every payload of the corpus through the composer to an assistant that
puts it in every kind of thing the chat shows (answer streamed and final, step, elements,
buttons, questions), then edits a message, rates an answer with a comment, saves a
setting, uploads files named after payloads, answers questions, renames the thread to
each payload, searches the history and reads the whole thread in the admin. On every page
view, canaries watch for a run: `__xss()`, `alert`/`confirm`/`prompt`, browser dialogs and
requests to the canary path or hosts; and the live DOM (after htmx's swaps) must hold no
event handler, no `javascript:` URL and no htmx attribute that came from content.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.security.xss_corpus import CANARY_HOSTS, CANARY_PATH, PAYLOADS

from .conftest import ASSISTANTS, ChatServer, Product
from .helpers import assistant_messages, composer, send, sign_up, user_messages, wait_idle

pytestmark = pytest.mark.browser

CANARY_SCRIPT = """
(() => {
  const report = (kind, detail) => {
    try { window.__xssReport(kind, String(detail)); } catch (error) {}
  };
  window.__xss = (detail) => report("__xss", detail);
  window.alert = (detail) => report("alert", detail);
  window.confirm = (detail) => { report("confirm", detail); return false; };
  window.prompt = (detail) => { report("prompt", detail); return null; };
})();
"""

# What content must never bring into the live DOM; our own templates use none of it.
DOM_CHECK = """
() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\x00-\\x20\\x7f]+/g, "").toLowerCase();
      const url = ["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"];
      if (name.startsWith("on")
          || name.startsWith("hx-on") || name.startsWith("data-hx-on")
          || (url.includes(name) && /^(javascript:|vbscript:|data:text\\/html)/.test(value))
          || (name === "http-equiv")) {
        found.push(el.outerHTML.slice(0, 200));
      }
    }
    const path = el.tagName === "SCRIPT" && el.src ? new URL(el.src).pathname : "/static/";
    if (!path.startsWith("/static/") && !path.startsWith("/admin/jsi18n/")) {
      found.push(el.outerHTML.slice(0, 200));
    }
  }
  return found;
}
"""


class Canaries:
    """Every sign that a payload ran, from any page or frame of one browser context."""

    def __init__(self, context: BrowserContext, origin: str) -> None:
        self.fired: list[tuple[str, str, str]] = []
        self.views = 0
        self.host = urlsplit(origin).netloc
        context.expose_binding("__xssReport", self._report)
        context.add_init_script(CANARY_SCRIPT)
        context.route("**/*", self._route)
        context.on("page", self.watch)

    def _report(self, source: dict, kind: str, detail: str) -> None:
        self.fired.append((kind, detail, source["frame"].url))

    def _route(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        if CANARY_PATH in url.path or (url.hostname or "").endswith(CANARY_HOSTS):
            self.fired.append(("request", route.request.url, route.request.frame.url))
            route.abort()
        elif url.netloc != self.host:
            route.abort()  # nothing leaves the machine; an outside image is no run
        else:
            route.continue_()

    def watch(self, page: Page) -> None:
        def dialog(d) -> None:
            self.fired.append(("dialog", d.message, page.url))
            d.dismiss()

        page.on("dialog", dialog)

    def assert_quiet(self, page: Page, where: str) -> None:
        """Nothing fired so far, and every frame of the page is inert."""
        self.views += 1
        page.wait_for_load_state("load")
        for frame in page.frames:
            if frame.url.startswith(("http://", "https://")):
                leftovers = frame.evaluate(DOM_CHECK)
                assert not leftovers, f"{where}: live markup that could run: {leftovers[:5]}"
        assert not self.fired, f"{where}: a payload ran: {self.fired[:5]}"


@pytest.fixture(scope="module")
def xss_server(product: Product) -> Iterator[ChatServer]:
    server = product.server(
        "xss",
        CHAT_ASSISTANT=str(ASSISTANTS / "xss_echo.py"),
        CHAT_MESSAGE_RATE_LIMIT="",
        PYTHONPATH=str(ASSISTANTS.parents[2]),
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def watched(browser: Browser, xss_server: ChatServer) -> Iterator[tuple[Page, Canaries]]:
    context = browser.new_context(
        base_url=xss_server.base_url, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(20_000)
    canaries = Canaries(context, xss_server.base_url)
    page = context.new_page()
    yield page, canaries
    context.close()


TITLE_MAX = 200


def packed(payloads: list[str], limit: int) -> list[str]:
    """The payloads joined a few to a string of at most `limit` characters, in order."""
    packs: list[str] = []
    for payload in payloads:
        if packs and len(packs[-1]) + 1 + len(payload) <= limit:
            packs[-1] += " " + payload
        else:
            packs.append(payload[:limit])
    return packs


def make_staff(product: Product, email: str) -> None:
    product.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.filter(email={email!r}).update(is_staff=True, "
        "is_superuser=True)",
    )


def test_the_corpus_has_at_least_fifty_payloads() -> None:
    assert len(PAYLOADS) >= 50


def test_the_canaries_see_a_payload_that_runs(watched: tuple[Page, Canaries]) -> None:
    """The watch is not blind: payloads put into a page unsanitised are caught, by each
    kind of canary."""
    page, canaries = watched
    page.goto("/accounts/login/")
    canaries.assert_quiet(page, "the sign-in page")
    page.evaluate(
        """payloads => {
            const box = document.createElement("div");
            document.body.append(box);
            box.innerHTML = payloads.join("");
        }""",
        [
            "<img src=x onerror=__xss('img-onerror')>",
            "<img src=x onerror=alert(1)>",
            "<img src=x onerror=\"fetch('/xss-canary/fetch')\">",
        ],
    )
    expected = {"__xss", "alert", "request"}
    for _ in range(100):  # the reports arrive through the browser's event loop
        if expected <= {kind for kind, _detail, _url in canaries.fired}:
            break
        page.wait_for_timeout(100)
    assert expected <= {kind for kind, _detail, _url in canaries.fired}, canaries.fired
    assert page.evaluate(DOM_CHECK)


def test_no_payload_runs_through_any_input_in_chromium_without_csp(
    watched: tuple[Page, Canaries], product: Product
) -> None:
    page, canaries = watched
    email = sign_up(page, greeting=False)
    canaries.assert_quiet(page, "a new chat")

    # The composer, and everything the assistant makes of each message.
    for n, payload in enumerate(PAYLOADS, start=1):
        send(page, payload)
        expect(assistant_messages(page)).to_have_count(n)
    wait_idle(page)
    canaries.assert_quiet(page, "the chat, streamed and final")

    # A button labelled with a payload runs its callback; a side element opens.
    last = assistant_messages(page).last
    last.locator(".actions button.action").first.click()
    expect(assistant_messages(page).last).to_contain_text("clicked")
    wait_idle(page)
    side = page.locator("#messages a[href*='/elements/']").last
    side.click()
    panel = page.locator("#element-panel")
    expect(panel.locator("#element-panel-title")).to_contain_text("side")
    panel.get_by_role("button", name="Close the panel").click()
    expect(panel).to_be_hidden()
    canaries.assert_quiet(page, "a button and a side element")

    # An edit of the last message.
    mine = user_messages(page).last
    mine.hover()
    mine.get_by_role("button", name="Edit").click()
    box = mine.get_by_label("Edit your message")
    box.fill("\n\n".join(PAYLOADS[:25]))
    box.press("Enter")
    expect(box).to_be_hidden()
    wait_idle(page)
    canaries.assert_quiet(page, "an edited message")

    # A comment on an answer.
    answer = assistant_messages(page).last
    answer.hover()
    down = answer.get_by_role("button", name="Bad answer")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    comment = "\n".join(PAYLOADS[25:45])
    answer.get_by_label("Comment on this answer").fill(comment)
    answer.get_by_role("button", name="Save comment").click()
    expect(answer.locator(".feedback__comment-text")).to_have_count(1)
    canaries.assert_quiet(page, "a feedback comment")

    # A settings value.
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    dialog.get_by_label("Note").fill(" ".join(PAYLOADS[45:65]))
    dialog.get_by_role("button", name="Save").click()
    expect(assistant_messages(page).last).to_contain_text("note =")
    wait_idle(page)
    page.get_by_role("button", name="Settings").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    canaries.assert_quiet(page, "a settings value")

    # Files named after payloads (a browser sends no "/" in a file name).
    named = [p.replace("/", "") for p in PAYLOADS[:10]]
    page.locator("input[data-composer-files]").set_input_files(
        [{"name": name[:120], "mimeType": "text/plain", "buffer": b"x"} for name in named]
    )
    send(page, PAYLOADS[-1])
    wait_idle(page)
    canaries.assert_quiet(page, "uploaded file names")

    # Questions whose text and buttons carry payloads, answered with payloads.
    send(page, "ask")
    question = page.locator('article[data-ask="text"]')
    expect(question).to_have_count(1)
    canaries.assert_quiet(page, "a question")
    box = composer(page)
    box.fill(PAYLOADS[0])
    box.press("Enter")
    choice = page.locator('article[data-ask="action"]')
    expect(choice).to_have_count(1)
    canaries.assert_quiet(page, "a question with buttons")
    choice.locator("button.action").first.click()
    expect(choice).to_have_count(0)
    wait_idle(page)

    # The same thread rendered from the database.
    page.reload()
    expect(user_messages(page).first).to_be_visible()
    wait_idle(page)
    canaries.assert_quiet(page, "the chat after a reload")
    thread_url = page.url

    # The thread renamed to each payload (a few to a title), in place in the sidebar.
    item = page.locator("#thread-list .thread-item").first
    for payload in packed(PAYLOADS, TITLE_MAX):
        item.hover()
        item.locator("summary").click()
        item.get_by_role("button", name="Rename").click()
        title = page.get_by_label("New title")
        title.fill(payload)
        with page.expect_response(lambda r: "/rename/" in r.url and r.request.method == "POST"):
            title.press("Enter")
        expect(page.get_by_label("New title")).to_have_count(0)
    canaries.assert_quiet(page, "the thread renamed")

    # The history's search, as the user types, and the history page.
    search = page.get_by_label("Search conversations")
    for term in ("script", "alert", "onerror", "javascript", "svg", "hx-", "xss"):
        with page.expect_response(lambda r: "/history/" in r.url and "q=" in r.url):
            search.fill(term)
        canaries.assert_quiet(page, f"history search for {term!r}")
    page.goto("/history/")
    canaries.assert_quiet(page, "the history page")

    # The admin's lists and the transcript, for a reviewer.
    make_staff(product, email)
    thread_id = thread_url.rstrip("/").rsplit("/", 1)[-1]
    for where in (
        "/admin/chat/thread/",
        "/admin/chat/thread/?q=script",
        f"/admin/chat/thread/{thread_id}/change/",
        "/admin/chat/message/",
        "/admin/chat/element/",
    ):
        page.goto(where)
        expect(page.locator("#content")).to_be_visible()
        canaries.assert_quiet(page, f"admin {where}")
    assert canaries.views >= 20
