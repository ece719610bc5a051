"""Chainlit apps, written as Chainlit apps (tests/port_check/), run on this project in the
browser: each on its own server, started with CHAT_ASSISTANT naming its file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import PASSWORD, ROOT, Product, new_email
from .helpers import (
    THREAD_URL,
    assistant_messages,
    composer,
    conversation,
    send,
    user_messages,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser

PORT_CHECK = ROOT / "tests" / "port_check"
CHART_TIMEOUT = 40_000  # plotly.js is 4.8 MB, read on a busy machine
HANDBOOK = (
    "Welcome to Acme. The cafeteria opens at 8 am and serves lunch until 2 pm. "
    "Visitors sign in at the front desk on the ground floor. "
    "The parking garage closes at 22:00 on weekdays. On weekends the garage stays closed. "
    "Laptops are replaced every three years by the IT team. "
    "Ask the IT team for a loaner while yours is repaired."
)


@pytest.fixture
def app_page(product: Product, browser) -> Iterator[Callable[[str], Page]]:
    """A page on a server of its own running one port-check app; stopped afterwards."""
    started = []

    def open_(app: str) -> Page:
        server = product.server(f"port-{app}", CHAT_ASSISTANT=str(PORT_CHECK / f"{app}.py"))
        server.start()
        context = browser.new_context(
            base_url=server.base_url, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(15_000)
        started.append((server, context))
        return context.new_page()

    yield open_
    for server, context in started:
        context.close()
        server.stop()


def sign_up_to_a_new_chat(page: Page) -> None:
    """Signs up and lands in a chat; the app's on_chat_start may still run (ask)."""
    page.goto("/accounts/signup/")
    page.locator("input[name=email]").fill(new_email("port"))
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(THREAD_URL)
    wait_connected(page)


def answer_in_composer(page: Page, text: str) -> None:
    """Types the answer to a text question (the composer takes it while the hook waits)."""
    expect(page.locator('article[data-ask="text"]')).to_have_count(1)
    box = composer(page)
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")
    expect(page.locator('article[data-ask="text"]')).to_have_count(0)


def reply(page: Page, text: str) -> Locator:
    return assistant_messages(page).filter(has_text=text)


def body_of(message: Locator) -> Locator:
    return message.locator(".message__body")


def step(page: Page, name: str) -> Locator:
    summary = page.locator("summary.step__summary").filter(
        has=page.locator("strong", has_text=re.compile(rf"^{re.escape(name)}$"))
    )
    return summary.locator("xpath=..")


def open_step(page: Page, name: str) -> Locator:
    details = step(page, name).last
    details.locator("> summary").click()
    expect(details).to_have_attribute("open", "")
    return details


def side_panel_shows(page: Page, message: Locator, name: str, text: str) -> None:
    panel = page.locator("#element-panel")
    message.locator(".message__body a", has_text=name).click()
    expect(panel).to_be_visible()
    expect(panel.locator("#element-panel-title")).to_have_text(name)
    expect(panel).to_contain_text(text)
    panel.get_by_role("button", name="Close the panel").click()
    expect(panel).to_be_hidden()


def reload_and_compare(page: Page) -> None:
    wait_idle(page)
    before = conversation(page)
    page.reload()
    wait_connected(page)
    wait_idle(page)
    assert conversation(page) == before


# -- a document-QA app -----------------------------------------------------------------------
def test_rag_like_app(app_page) -> None:
    page = app_page("rag_like")
    sign_up_to_a_new_chat(page)

    # on_chat_start asks for a file before anything else.
    question = page.locator('article[data-ask="file"]')
    expect(question).to_contain_text("Please upload a text file to begin!")
    question.locator("input[data-ask-files]").set_input_files(
        {"name": "handbook.txt", "mimeType": "text/plain", "buffer": HANDBOOK.encode()}
    )
    expect(reply(page, "Processing")).to_contain_text(
        "Processing handbook.txt done: 3 chunks. You can now ask questions!"
    )
    wait_idle(page)

    send(page, "When does the parking garage close?")
    answer = reply(page, "According to handbook.txt")
    expect(body_of(answer)).to_contain_text(
        'According to handbook.txt: "The parking garage closes at 22:00 on weekdays."'
    )
    expect(body_of(answer)).to_contain_text("Sources: source_1, source_0")
    wait_idle(page)
    side_panel_shows(page, answer, "source_1", "On weekends the garage stays closed.")
    # The retrieval and the generation are steps; the prompt is the chat so far.
    retrieve = open_step(page, "Retrieve")
    expect(retrieve.locator(".step__output")).to_contain_text("source_1")
    generate = open_step(page, "Generate")
    expect(generate.locator(".step__input")).to_contain_text("When does the parking garage close?")
    expect(generate.locator(".step__output")).to_contain_text("The parking garage closes")

    # After a reload on_chat_resume builds the index again; questions still work.
    reload_and_compare(page)
    send(page, "Who replaces laptops?")
    expect(body_of(reply(page, "Laptops are"))).to_contain_text(
        'According to handbook.txt: "Laptops are replaced every three years by the IT team."'
    )
    wait_idle(page)
    send(page, "What did I ask?")
    expect(body_of(reply(page, "You asked:"))).to_contain_text(
        "When does the parking garage close?\nWho replaces laptops?"
    )
    wait_idle(page)


# -- a support bot ---------------------------------------------------------------------------------
def test_support_bot_app(app_page) -> None:
    page = app_page("support_bot")
    sign_up_to_a_new_chat(page)

    expect(page.locator('article[data-ask="text"]')).to_contain_text("What is your name?")
    answer_in_composer(page, "Ada")
    topic = page.locator('article[data-ask="action"]')
    expect(topic).to_contain_text("Hi Ada! What do you need help with?")
    topic.get_by_role("button", name="💳 Billing").click()
    expect(topic).to_have_count(0)
    expect(reply(page, "Tell me about your billing question.")).to_be_visible()
    wait_idle(page)

    send(page, "How do I get a refund?")
    expect(body_of(reply(page, "here is what I found"))).to_have_text(
        "Ada, here is what I found: Refunds are paid back to the original card within 5 "
        "business days."
    )
    wait_idle(page)
    classify = open_step(page, "classify")
    expect(classify.locator(".step__output")).to_contain_text("known issue")
    search = open_step(page, "search_knowledge_base")
    expect(search.locator(".step__input")).to_contain_text("How do I get a refund?")

    # Stop cuts a long answer short; on_stop remembers it for the next answer.
    send(page, "policy")
    policy = assistant_messages(page).last
    expect(policy).to_have_attribute("data-status", "streaming")
    expect(policy.locator(".message__stream")).to_contain_text("Clause 2:")
    page.get_by_role("button", name="Stop").click()
    expect(policy).to_have_attribute("data-status", "stopped")
    wait_idle(page)
    send(page, "Where is my invoice?")
    expect(reply(page, "Sorry, I stopped my last answer")).to_be_visible()
    expect(body_of(reply(page, "Invoices are in Settings"))).to_be_visible()
    wait_idle(page)

    # Buttons under the welcome message run their callbacks, which remove them.
    welcome = reply(page, "Tell me about your billing question.")
    welcome.get_by_role("button", name="Talk to a human").click()
    ticket = reply(page, "I opened ticket")
    expect(ticket).to_contain_text("ticket.json")
    expect(welcome.get_by_role("button", name="Talk to a human")).to_have_count(0)
    wait_idle(page)
    href = ticket.locator("a", has_text="Download").first.get_attribute("href")
    saved = json.loads(page.request.get(href).body())
    assert (saved["customer"], saved["topic"], saved["priority"]) == ("Ada", "billing", "high")
    assert {"role": "user", "content": "How do I get a refund?"} in saved["conversation"]

    welcome.get_by_role("button", name="My problem is solved").click()
    rating = page.locator('article[data-ask="action"]')
    expect(rating).to_contain_text("Glad to hear it! How did we do?")
    rating.get_by_role("button", name="⭐⭐⭐⭐⭐").click()
    expect(reply(page, "Thank you for the 5 stars!")).to_be_visible()
    expect(welcome.locator(".actions button")).to_have_count(0)

    # on_chat_resume rebuilds the memory from the thread, with the answers to questions.
    reload_and_compare(page)
    send(page, "What did I say?")
    expect(body_of(reply(page, "You said:"))).to_have_text(
        "You said: Ada; How do I get a refund?; policy; Where is my invoice?"
    )
    wait_idle(page)


# -- a data-analysis app ---------------------------------------------------------------------------
def test_data_analyst_app(app_page) -> None:
    page = app_page("data_analyst")
    sign_up_to_a_new_chat(page)
    welcome = reply(page, "Hi! I analyse tables.")
    expect(welcome.locator("img[alt=logo]")).to_be_visible()
    wait_idle(page)

    send(page, "chart")
    expect(reply(page, "Load a table first")).to_be_visible()
    wait_idle(page)

    welcome.get_by_role("button", name="Load the sample").click()
    # The blocking loader spoke from its worker thread (run_sync).
    expect(reply(page, "Connecting to the warehouse...")).to_be_visible()
    loaded = reply(page, "Loaded 5 rows from the sample.")
    expect(loaded.locator("table.element__table tbody tr")).to_have_count(5)
    expect(page.locator("#task-lists")).to_contain_text("Loaded")
    wait_idle(page)

    send(page, "chart")
    chart_message = reply(page, "Sales by region:")
    chart = chart_message.locator(".element--plotly .element__chart")
    expect(chart.locator("svg.main-svg").first).to_be_visible(timeout=CHART_TIMEOUT)
    wait_idle(page)
    analysis = open_step(page, "analysis")
    expect(analysis.locator("details.step")).to_have_count(2)
    expect(open_step(page, "aggregate").locator(".step__output")).to_contain_text('"East": 150')
    expect(open_step(page, "draw_chart").locator(".step__output")).to_contain_text("4 bars")

    send(page, "stats")
    stats = reply(page, "5 rows, 475 in total.")
    expect(stats).to_be_visible()
    wait_idle(page)
    # The placeholder message was removed.
    expect(reply(page, "Crunching the numbers...")).to_have_count(0)
    side_panel_shows(page, stats, "stats", '"total": 475')

    send(page, "report")
    report = reply(page, "Your report is ready")
    link = report.locator(".message__body a", has_text="report.pdf")
    expect(link).to_have_attribute("href", re.compile(r"^/elements/[0-9a-f-]{36}/"))
    wait_idle(page)
    assert page.request.get(link.get_attribute("href")).status == 200

    # A CSV of the user's, asked for by a button's callback.
    welcome.get_by_role("button", name="Upload a CSV").click()
    question = page.locator('article[data-ask="file"]')
    expect(question).to_contain_text("Upload a CSV file")
    question.locator("input[data-ask-files]").set_input_files(
        {
            "name": "sales.csv",
            "mimeType": "text/csv",
            "buffer": b"region,sales\nNorth,10\nSouth,7\n",
        }
    )
    expect(reply(page, "Loaded 2 rows from sales.csv.")).to_be_visible()
    wait_idle(page)

    # After a reload on_chat_resume loads the user's table again.
    reload_and_compare(page)
    send(page, "chart")
    expect(reply(page, "Sales by region:")).to_have_count(2)
    wait_idle(page)
    expect(step(page, "aggregate").last.locator(".step__output")).to_contain_text('"North": 10')
    send(page, "history")
    expect(body_of(reply(page, "analyses so far"))).to_have_text(
        re.compile(r"^2 analyses so far; \d+ messages in this chat\.\s*$")
    )
    expect(user_messages(page)).to_have_count(6)


# -- a research desk: starter categories and step options -----------------------------------
def phone_shot(page: Page, path, before: Callable[[], None] | None = None) -> None:
    """A screenshot at 390 px, of the page loaded at that width (no sidebar mid-slide)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    wait_connected(page)
    if before is not None:
        before()
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 800})


def test_research_desk_app(app_page, shots_dir) -> None:
    page = app_page("research_desk")
    sign_up_to_a_new_chat(page)

    # Starters grouped by topic: a label shows its starters, by keyboard too.
    topics = page.get_by_role("group", name="Suggestions by topic")
    research = topics.get_by_role("button", name="Research")
    writing = topics.get_by_role("button", name="Writing")
    expect(research).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Latest on batteries")).to_be_hidden()
    writing.click()
    expect(writing).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("group", name="Writing")).to_be_visible()
    expect(page.get_by_role("button", name="Draft an abstract")).to_be_visible()
    research.focus()
    page.keyboard.press("Enter")
    expect(research).to_have_attribute("aria-expanded", "true")
    expect(writing).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Draft an abstract")).to_be_hidden()
    expect(page.get_by_role("button", name="Latest on batteries")).to_be_visible()
    # Escape closes the open topic, from a starter too, and leaves the focus on its label.
    page.get_by_role("button", name="Compare two papers").focus()
    page.keyboard.press("Escape")
    expect(research).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("button", name="Latest on batteries")).to_be_hidden()
    expect(research).to_be_focused()
    page.keyboard.press("Enter")
    expect(research).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(research).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Latest on batteries")).to_be_visible()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shots_dir / f"port-research-categories-{scheme}.png"))
    page.emulate_media(color_scheme="light")
    phone_shot(page, shots_dir / "port-research-categories-390.png", before=research.click)

    page.get_by_role("button", name="Latest on batteries").click()
    expect(user_messages(page)).to_have_count(1)

    # The search step is open from the start, with its icon and without its input.
    search = step(page, "search_sources")
    expect(search).to_have_attribute("open", "")
    expect(search.locator("> summary .icon")).to_have_text("🔎")
    expect(search.locator(".step__output")).to_contain_text("3 sources about")
    expect(search.locator(".step__input")).to_be_hidden()

    # The long read runs open, with a spinner, until it ends; then it closes itself.
    read = step(page, "read_sources")
    expect(read.locator("> summary")).to_have_attribute("data-state", "running")
    expect(read).to_have_attribute("open", "")
    expect(read.locator("> summary .step__spinner")).to_be_visible()
    page.screenshot(path=str(shots_dir / "port-research-step-running.png"))
    answer_in_composer(page, "yes")
    expect(read.locator("> summary")).to_have_attribute("data-state", "done")
    expect(read).not_to_have_attribute("open", "")
    expect(read.locator("> summary .step__spinner")).to_have_count(0)
    expect(reply(page, "Here is what I found")).to_be_visible()
    # A person may open it again, by keyboard; it stays open.
    read.locator("> summary").focus()
    page.keyboard.press("Enter")
    expect(read).to_have_attribute("open", "")
    expect(read.locator(".step__output")).to_contain_text("read 3 sources (yes)")
    expect(read.locator(".step__input")).to_contain_text("solid-state batteries")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shots_dir / f"port-research-steps-{scheme}.png"))
    # After a reload the finished read is drawn closed, the search open.
    phone_shot(page, shots_dir / "port-research-steps-390.png")
    expect(step(page, "read_sources")).not_to_have_attribute("open", "")
    expect(step(page, "search_sources")).to_have_attribute("open", "")


def test_research_desk_settings(app_page, shots_dir) -> None:
    page = app_page("research_desk")
    sign_up_to_a_new_chat(page)
    page.get_by_role("button", name="Settings").click()
    dialog = page.get_by_role("dialog", name="Chat settings")
    sources = dialog.get_by_role("tab", name="Sources")
    period = dialog.get_by_role("tab", name="Period")
    expect(sources).to_have_attribute("aria-selected", "true")
    expect(dialog.get_by_label("Published since")).to_be_hidden()

    # Choosing another kind redraws the sources at once, unsaved; the dialog stays open
    # with the choice and the focus where they were.
    dialog.get_by_label("Kind").select_option("news")
    source = dialog.get_by_label("Source", exact=True)
    expect(source.locator("option")).to_have_text(["Reuters", "AP"])
    expect(dialog.get_by_label("Kind")).to_have_value("news")
    expect(dialog.get_by_label("Kind")).to_be_focused()
    expect(dialog).to_be_visible()

    # The tabs go by arrow keys.
    sources.focus()
    page.keyboard.press("ArrowRight")
    expect(period).to_be_focused()
    expect(period).to_have_attribute("aria-selected", "true")
    since = dialog.get_by_label("Published since")
    expect(since).to_have_value("2026-01-01")
    since.fill("2026-02-15")
    expect(period).to_have_attribute("aria-selected", "true")  # the redraw keeps the tab
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shots_dir / f"port-research-settings-{scheme}.png"))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots_dir / "port-research-settings-390.png"))
    page.set_viewport_size({"width": 1280, "height": 800})

    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(reply(page, "Searching")).to_have_text(re.compile("Searching Reuters since 2026-02-15"))


def test_research_desk_modes(app_page, shots_dir) -> None:
    page = app_page("research_desk")
    sign_up_to_a_new_chat(page)
    modes = page.get_by_role("group", name="Modes")
    depth = modes.get_by_label("Depth")
    expect(depth).to_have_value("quick")  # the first option, none being marked default
    depth.focus()
    depth.select_option("thorough")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shots_dir / f"port-research-modes-{scheme}.png"))
    page.emulate_media(color_scheme="light")

    send(page, "tidal energy")
    answer_in_composer(page, "yes")
    expect(reply(page, "Here is what I found")).to_contain_text("(depth: thorough)")
    expect(user_messages(page).first.locator(".message__modes")).to_have_text("Depth: Thorough")

    # Kept with the thread: a reload shows the picker as it was left.
    wait_idle(page)
    page.reload()
    wait_connected(page)
    expect(page.get_by_role("group", name="Modes").get_by_label("Depth")).to_have_value("thorough")
    phone_shot(page, shots_dir / "port-research-modes-390.png")

    # The app tagged the conversation: the sidebar shows it and its search finds it by tag.
    item = page.locator("#thread-list .thread-item").filter(has_text="tidal energy")
    expect(item.locator(".tag")).to_have_text(["research"])
    page.goto("/")
    wait_connected(page)
    send(page, "sources")  # a conversation the app does not tag
    wait_idle(page)
    expect(page.locator("#thread-list .thread-item")).to_have_count(2)
    search = page.get_by_label("Search conversations")
    with page.expect_response(lambda r: "/history/" in r.url and "tag%3Aresearch" in r.url):
        search.fill("tag:research")
    expect(page.locator("#thread-list .thread-item")).to_have_count(1)
    expect(page.locator("#thread-list .thread-item .tag")).to_have_text(["research"])
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shots_dir / f"port-research-tags-{scheme}.png"))
    page.emulate_media(color_scheme="light")


def test_research_desk_side_panel(app_page, shots_dir) -> None:
    page = app_page("research_desk")
    sign_up_to_a_new_chat(page)
    box = composer(page)
    send(page, "sources")
    panel = page.get_by_role("complementary", name="Reading list")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("A 2026 review of 40 studies.")
    expect(panel.locator("strong")).to_have_text("2026")
    # Opened from code, it leaves the focus where the user was.
    expect(box).to_be_focused()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shots_dir / f"port-research-sidebar-{scheme}.png"))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots_dir / "port-research-sidebar-390.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    # Closed by keyboard, as any side panel.
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    wait_idle(page)
    # Opened again from code, closed with its button.
    send(page, "sources")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Close the panel").click()
    expect(panel).to_be_hidden()
