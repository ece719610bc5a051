"""The Chainlit-style API as a user meets it, through the default assistant's "demo" tour:
nested steps, a side element, a chart, buttons, each kind of question, an upload with a
message; and all of it still there after a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .helpers import (
    assistant_messages,
    composer,
    conversation,
    send,
    sign_up,
    user_messages,
    wait_connected,
    wait_idle,
)

pytestmark = pytest.mark.browser

CHART_TIMEOUT = 40_000  # plotly.js is 4.8 MB, read on a busy machine
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
    b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def step(page: Page, name: str) -> Locator:
    """The <details> of the step with this name."""
    summary = page.locator("summary.step__summary").filter(
        has=page.locator("strong", has_text=re.compile(rf"^{re.escape(name)}$"))
    )
    return summary.locator("xpath=..")


def summary_of(details: Locator) -> Locator:
    return details.locator("> summary")


def message_with(page: Page, text: str) -> Locator:
    return assistant_messages(page).filter(has_text=text)


def check_steps_open_and_close(page: Page) -> None:
    plan = step(page, "plan_answer")
    search = step(page, "search_documents")
    expect(summary_of(plan)).to_have_attribute("data-state", "done")
    # The tool calls sit inside the step that made them, closed at first.
    expect(plan.locator("details.step")).to_have_count(3)
    expect(plan).not_to_have_attribute("open", "")
    expect(summary_of(search)).to_be_hidden()

    summary_of(plan).click()
    expect(plan).to_have_attribute("open", "")
    expect(summary_of(search)).to_be_visible()
    expect(summary_of(search)).to_contain_text("Used search_documents")
    expect(search.locator(".step__output")).to_be_hidden()

    summary_of(search).click()
    expect(search).to_have_attribute("open", "")
    expect(search.locator(".step__output")).to_contain_text("Handbook, section 3")
    expect(search.locator(".step__input")).to_contain_text("How many tickets per team?")
    expect(step(page, "reasoning").locator(".step__output")).to_be_hidden()

    summary_of(plan).click()
    expect(plan).not_to_have_attribute("open", "")
    expect(summary_of(search)).to_be_hidden()


def check_side_element(page: Page) -> None:
    panel = page.locator("#element-panel")
    expect(panel).to_be_hidden()
    shown = message_with(page, "Here is what elements look like")
    shown.locator(".message__body a", has_text="notes").click()
    expect(panel).to_be_visible()
    expect(panel.locator("#element-panel-title")).to_have_text("notes")
    expect(panel).to_contain_text("Shown aside, in a side panel.")
    panel.get_by_role("button", name="Close the panel").click()
    expect(panel).to_be_hidden()


def check_chart_drawn(page: Page) -> None:
    chart = page.locator(".element--plotly .element__chart").first
    expect(chart).to_have_attribute("data-drawn", "true", timeout=CHART_TIMEOUT)
    expect(chart.locator("svg.main-svg").first).to_be_visible(timeout=CHART_TIMEOUT)
    # The bars are drawn, not only the axes.
    expect(chart.locator("g.point").first).to_be_attached()


def check_image_shown(message: Locator) -> None:
    image = message.locator("img[alt='pixel.png']")
    expect(image).to_be_visible()
    image.evaluate("img => img.decode()")  # fails if the browser cannot show it
    assert image.evaluate("img => img.naturalWidth") == 1


def test_the_demo_tour_shows_the_whole_api_and_a_reload_keeps_it(page: Page) -> None:
    sign_up(page)
    send(page, "demo")

    # The text question comes once steps, elements and buttons are shown.
    question = page.locator('article[data-ask="text"]')
    expect(question).to_contain_text("What should I call you?", timeout=30_000)

    check_steps_open_and_close(page)
    check_side_element(page)
    check_chart_drawn(page)

    # A typed answer: the composer answers the question although the tour is running.
    box = composer(page)
    box.fill("Ada")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(question).to_have_count(0)
    answered = message_with(page, "What should I call you?")
    expect(answered.locator(".ask")).to_contain_text("Answered: Ada")

    # A button answer.
    choice = page.locator('article[data-ask="action"]')
    expect(choice).to_contain_text("Nice to meet you, Ada.")
    choice.get_by_role("button", name="Yes, ask for a file").click()
    expect(choice).to_have_count(0)
    expect(message_with(page, "Shall I ask for a file too?")).to_contain_text(
        "Answered: Yes, ask for a file"
    )

    # A file answer, uploaded with a progress bar and sent by the question's own form.
    files = page.locator('article[data-ask="file"]')
    expect(files).to_contain_text("Upload a text or PDF file")
    files.locator("input[data-ask-files]").set_input_files(
        {"name": "minutes.txt", "mimeType": "text/plain", "buffer": b"Meeting minutes: all good."}
    )
    expect(message_with(page, "Got minutes.txt")).to_contain_text("Got minutes.txt: 26 bytes.")
    expect(page.locator('article[data-ask="file"]')).to_have_count(0)
    expect(message_with(page, "That was the tour.")).to_be_visible()
    wait_idle(page)

    # A button under a message runs its callback, which removes the button.
    buttons = message_with(page, "Buttons run Python callbacks").locator(".actions")
    buttons.get_by_role("button", name="Looks good").click()
    expect(message_with(page, "You clicked Looks good")).to_contain_text("'liked': True")
    expect(buttons.get_by_role("button", name="Looks good")).to_have_count(0)
    expect(buttons.get_by_role("button", name="Not yet")).to_be_visible()
    wait_idle(page)

    # A file attached in the composer goes with the next message. (An image: documents
    # would also be read in the background, and could answer while the test reloads.)
    page.locator("input[data-composer-files]").set_input_files(
        {"name": "pixel.png", "mimeType": "image/png", "buffer": PNG}
    )
    expect(page.locator("#attachments .attachment")).to_contain_text("pixel.png")
    send(page, "echo thanks")
    expect(page.locator("#attachments .attachment")).to_have_count(0)
    sent = user_messages(page).filter(has_text="echo thanks")
    expect(sent).to_contain_text("pixel.png")
    check_image_shown(sent)
    expect(message_with(page, "You sent pixel.png")).to_contain_text("pixel.png")
    echoed = assistant_messages(page).locator(".message__body").get_by_text("thanks", exact=True)
    expect(echoed).to_have_count(1, timeout=20_000)
    wait_idle(page)

    # A reload renders all of it again from the database.
    before = conversation(page)
    page.reload()
    wait_connected(page)
    wait_idle(page)
    assert conversation(page) == before
    check_steps_open_and_close(page)
    check_side_element(page)
    check_chart_drawn(page)
    for text, answer in [
        ("What should I call you?", "Answered: Ada"),
        ("Shall I ask for a file too?", "Answered: Yes, ask for a file"),
        ("Upload a text or PDF file", "Answered: minutes.txt"),
    ]:
        expect(message_with(page, text).locator(".ask")).to_contain_text(answer)
    expect(page.locator("article[data-ask]")).to_have_count(0)
    expect(page.get_by_role("button", name="Looks good")).to_have_count(0)
    expect(page.get_by_role("button", name="Not yet")).to_be_visible()
    check_image_shown(user_messages(page).filter(has_text="echo thanks"))
