"""Document Q&A as a user meets it: attach a PDF in the composer, watch it being read,
ask a question, get an answer that cites its source, open the source in the side panel.

On the services backend the reading runs on a Celery worker started here (with a queue
of its own); on the embedded default it runs in the web process.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.chat.rag.files import pdf_bytes
from tests.services import Worker

from .conftest import ChatServer, Product
from .helpers import assistant_messages, composer, send, sign_up, wait_idle

pytestmark = pytest.mark.browser

# The answer is on the second page: the citation says so.
SOURCE = re.compile(r"handbook\.pdf \(page 2, passage \d+\)")

COVER = ["This handbook describes the yearly maintenance of the office building."] * 20
FACTS = [
    "The boiler is serviced every October by Heatwell.",
    "The lifts are inspected twice a year.",
    *["Nothing else happens on this page."] * 10,
]


@pytest.fixture(scope="module")
def rag_server(product: Product) -> Iterator[ChatServer]:
    """The chat with the default assistant and, with a broker, a worker for its jobs."""
    services = bool(os.environ.get("REDIS_URL"))
    env = {"CELERY_QUEUE": f"chat-test-{uuid.uuid4().hex[:12]}"} if services else {}
    server = product.server("rag", **env)
    server.start()
    worker = None
    if services:
        worker = Worker({**server.env, "LOG_LEVEL": "INFO"}, product.tmp)
        worker.start()
    try:
        yield server
    finally:
        if worker is not None:
            worker.stop()
        server.stop()


@pytest.fixture
def rag_page(browser, rag_server: ChatServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=rag_server.base_url, viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_ask_a_question_about_an_uploaded_pdf_and_open_its_source(
    rag_page: Page, shots_dir: Path
) -> None:
    page = rag_page
    sign_up(page)

    # Attach the PDF in the composer, and send it without a word.
    page.locator("input[data-composer-files]").set_input_files(
        {
            "name": "handbook.pdf",
            "mimeType": "application/pdf",
            "buffer": pdf_bytes([COVER, FACTS]),
        }
    )
    expect(page.locator("#attachments .attachment")).to_contain_text("handbook.pdf")
    wait_idle(page)
    composer(page).press("Enter")
    expect(page.locator("#attachments .attachment")).to_have_count(0)

    # The reading shows its progress as a task list under its message, to the end.
    reading = assistant_messages(page).filter(has_text="handbook.pdf").last
    tasks = page.locator(".element--tasklist").last
    expect(tasks).to_be_visible(timeout=30_000)
    expect(tasks.locator(".tasklist__status")).to_have_text("Ready", timeout=60_000)
    expect(tasks.locator(".tasklist__count")).to_have_text("2 of 2 done")
    expect(reading).to_contain_text("handbook.pdf is ready", timeout=20_000)
    wait_idle(page)

    # A question is answered from the document, quoting it and citing the passage.
    send(page, "When is the boiler serviced?")
    answer = assistant_messages(page).filter(has_text="Here is what your documents say").last
    expect(answer).to_contain_text("serviced every October by Heatwell", timeout=30_000)
    expect(answer).to_contain_text(SOURCE)
    wait_idle(page)
    source = SOURCE.search(answer.inner_text()).group(0)

    # The source opens in the side panel, with the passage.
    panel = page.locator("#element-panel")
    expect(panel).to_be_hidden()
    answer.locator("a", has_text=source).first.click()
    expect(panel).to_be_visible()
    expect(panel.locator("#element-panel-title")).to_have_text(source)
    expect(panel).to_contain_text("The lifts are inspected twice a year.")
    page.screenshot(path=str(shots_dir / "rag-answer-and-source.png"))
    panel.get_by_role("button", name="Close the panel").click()
    expect(panel).to_be_hidden()


def test_a_document_in_the_library_answers_in_a_new_chat(rag_page: Page, shots_dir: Path) -> None:
    page = rag_page
    sign_up(page)
    page.get_by_role("link", name="My documents").click()
    expect(page.get_by_role("heading", name="My documents")).to_be_visible()
    expect(page.locator(".library__empty")).to_be_visible()

    page.locator("#library-files").set_input_files(
        {"name": "handbook.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes([COVER, FACTS])}
    )
    page.get_by_role("button", name="Upload").click()
    document = page.locator(".library-document", has_text="handbook.pdf")
    # Read in the background; the list follows it to the end without a reload.
    expect(document.locator(".library-document__meta")).to_contain_text("Ready", timeout=60_000)
    expect(page.locator(".library-document__progress")).to_have_count(0)
    page.screenshot(path=str(shots_dir / "library.png"))

    # A wrong kind of file is refused with the reason, and the list is kept.
    page.locator("#library-files").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be read")
    expect(document).to_be_visible()

    # Any chat finds it.
    page.get_by_role("link", name="Back to chat").click()
    send(page, "When is the boiler serviced?")
    answer = assistant_messages(page).filter(has_text="Here is what your documents say").last
    expect(answer).to_contain_text("serviced every October by Heatwell", timeout=30_000)
    expect(answer).to_contain_text(SOURCE)


def test_the_library_chooses_files_and_deletes_them_with_the_pages_own_controls(
    rag_page: Page, shots_dir: Path
) -> None:
    page = rag_page
    browser_dialogs: list[str] = []
    page.on("dialog", lambda dialog: (browser_dialogs.append(dialog.message), dialog.dismiss()))
    sign_up(page)
    page.goto("/library/")
    expect(page.get_by_role("heading", name="My documents")).to_be_visible()

    # A button of the page, not the browser's "Choose File"; the chosen names beside it.
    chooser = page.locator("#library-files")
    assert chooser.bounding_box()["width"] <= 1
    expect(page.locator(".file-picker__button")).to_have_text("Choose files")
    names = page.locator("#library-files-names")
    expect(names).to_have_text("No file chosen")
    with page.expect_file_chooser() as opened:
        page.locator(".file-picker__button").click()
    opened.value.set_files(
        {"name": "rota.txt", "mimeType": "text/plain", "buffer": b"The rota changes weekly."}
    )
    expect(names).to_have_text("rota.txt")
    page.screenshot(path=str(shots_dir / "library-chosen.png"))
    page.get_by_role("button", name="Upload").click()
    document = page.locator(".library-document", has_text="rota.txt")
    expect(document.locator(".library-document__meta")).to_contain_text("Ready", timeout=60_000)
    expect(names).to_have_text("No file chosen")

    # Delete asks in the page's dialog: Cancel keeps the document, Delete removes it.
    document.get_by_role("button", name="Delete rota.txt").click()
    dialog = page.get_by_role("dialog", name="Delete document")
    expect(dialog).to_contain_text("Delete rota.txt? The assistant will no longer find it.")
    page.screenshot(path=str(shots_dir / "library-delete-dialog.png"))
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(document).to_be_visible()
    expect(document.get_by_role("button", name="Delete rota.txt")).to_be_focused()

    document.get_by_role("button", name="Delete rota.txt").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(document).to_have_count(0)
    expect(page.locator(".library__empty")).to_be_visible()
    assert browser_dialogs == []


TEAM_FACTS = [
    "The weekend pager is held by the Lisbon office in December.",
    *["Nothing else happens on this page."] * 10,
]
TEAM_SOURCE = re.compile(r"rota\.pdf \(page 1, passage \d+\)")
MAKE_TEAM = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from chat.rag.models import TeamLibrary
User = get_user_model()
group = Group.objects.create(name="{group}")
manager, member = User.objects.get(email="{manager}"), User.objects.get(email="{member}")
manager.groups.add(group)
member.groups.add(group)
TeamLibrary.objects.create(group=group).managers.add(manager)
"""


def test_a_team_library_answers_its_members_and_nobody_else(
    browser, rag_server: ChatServer, product: Product, shots_dir: Path
) -> None:
    pages = {}
    for role in ("manager", "member", "stranger"):
        context = browser.new_context(
            base_url=rag_server.base_url, viewport={"width": 1280, "height": 800}
        )
        context.set_default_timeout(20_000)
        pages[role] = context.new_page()
    try:
        emails = {role: sign_up(page) for role, page in pages.items()}
        group = f"support-{uuid.uuid4().hex[:6]}"
        product.manage(
            "shell",
            "-c",
            MAKE_TEAM.format(group=group, manager=emails["manager"], member=emails["member"]),
        )

        # The manager adds a document to the team's library from the library page.
        page = pages["manager"]
        page.get_by_role("link", name="My documents").click()
        team = page.get_by_role("region", name=f"Team library: {group}")
        expect(team).to_be_visible()
        team.locator('input[type="file"]').set_input_files(
            {"name": "rota.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes([TEAM_FACTS])}
        )
        team.get_by_role("button", name="Upload").click()
        document = team.locator(".library-document", has_text="rota.pdf")
        expect(document.locator(".library-document__meta")).to_contain_text("Ready", timeout=60_000)
        page.screenshot(path=str(shots_dir / "team-library.png"))

        # A member sees it (without ways to change it), and their answer cites it.
        page = pages["member"]
        page.get_by_role("link", name="My documents").click()
        team = page.get_by_role("region", name=f"Team library: {group}")
        expect(team.locator(".library-document", has_text="rota.pdf")).to_be_visible()
        expect(team.get_by_role("button", name="Upload")).to_have_count(0)
        expect(team.get_by_role("button", name="Delete rota.pdf")).to_have_count(0)
        page.go_back()
        wait_idle(page)
        send(page, "Who holds the weekend pager?")
        answer = assistant_messages(page).filter(has_text="Here is what your documents say").last
        expect(answer).to_contain_text("Lisbon office", timeout=30_000)
        expect(answer).to_contain_text(TEAM_SOURCE)

        # Someone outside the group sees no team library, and their answer knows nothing of it.
        page = pages["stranger"]
        send(page, "Who holds the weekend pager?")
        expect(assistant_messages(page)).to_have_count(2, timeout=30_000)
        wait_idle(page)
        reply = assistant_messages(page).last.inner_text()
        assert "Lisbon" not in reply
        assert "rota.pdf" not in reply
        page.get_by_role("link", name="My documents").click()
        expect(page.get_by_role("heading", name="My documents")).to_be_visible()
        expect(page.get_by_text("Team library")).to_have_count(0)
    finally:
        for page in pages.values():
            page.context.close()
