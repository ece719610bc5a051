"""Tool servers as a person meets them: the plug button in the composer, a server of their
own added in its panel, its tool used by the model as a step, kept across a reload, removed;
a company server from the admin shown to its group only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.fake_llm import KEY, FakeLLMServer
from tests.mcp_server import McpServerProcess, start_server
from tests.mcp_server.fixtures import TOKEN

from .conftest import ChatServer, Product
from .helpers import assistant_messages, send, sign_up, wait_connected, wait_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tracker() -> Iterator[McpServerProcess]:
    server = start_server("streamable-http", TOKEN)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mcp_server(product: Product, tracker: McpServerProcess) -> Iterator[ChatServer]:
    fake = FakeLLMServer(token_delay=0.02).start()
    server = product.server(
        "mcp",
        CHAT_LLM_PROVIDER="openai",
        CHAT_LLM_BASE_URL=fake.openai_url,
        CHAT_LLM_API_KEY=KEY,
        CHAT_LLM_MODEL="fake-model",
        CHAT_LLM_MAX_RETRIES="0",
        CHAT_MCP_ALLOWED_HOSTS="127.0.0.1",
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
        fake.stop()


def new_page(browser, server: ChatServer, width: int = 1280, height: int = 800, **options) -> Page:
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": width, "height": height}, **options
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def open_panel(page: Page):
    page.locator("#mcp-open").click()
    dialog = page.locator("#mcp-dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_a_person_adds_a_server_uses_its_tool_and_removes_it(
    browser, mcp_server: ChatServer, tracker: McpServerProcess, shots_dir: Path
) -> None:
    page = new_page(browser, mcp_server)
    sign_up(page)
    expect(page.locator("#mcp-open")).to_be_visible()
    dialog = open_panel(page)
    expect(dialog).to_contain_text("No tool servers yet.")
    # The keyboard reaches the form: the name field has the focus.
    expect(page.locator("#mcp-name")).to_be_focused()
    page.locator("#mcp-name").fill("tracker")
    page.locator("#mcp-type").select_option("streamable-http")
    page.locator("#mcp-url").fill(tracker.url)
    page.locator("#mcp-headers").fill(f"Authorization: Bearer {TOKEN}")
    page.get_by_role("button", name="Add and connect").click()
    row = dialog.locator("[data-mcp-server=tracker]")
    expect(row).to_contain_text("Connected · 4 tools", timeout=20_000)
    expect(row).to_contain_text("Authorization: ••••")
    expect(dialog).not_to_contain_text(TOKEN)
    page.screenshot(path=str(shots_dir / "mcp-panel-connected.png"))
    dialog.locator("[data-mcp-close]").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#mcp-open .composer__mcp-count")).to_have_text("1")

    send(page, "Please call lookup_ticket")
    step = page.locator("details.step--tool", has_text="lookup_ticket")
    expect(step).to_be_visible(timeout=30_000)  # two model calls and a tool call
    answer = assistant_messages(page).filter(has_text="The tool said:").last
    expect(answer).to_have_attribute("data-status", "done", timeout=30_000)
    expect(answer).to_contain_text("Printer on floor 3 is jammed")
    wait_idle(page)
    step.locator("summary").click()
    expect(step.locator(".step__output")).to_contain_text("Printer on floor 3")
    page.screenshot(path=str(shots_dir / "mcp-tool-step-and-answer.png"))

    page.reload()
    wait_connected(page)
    dialog = open_panel(page)
    row = dialog.locator("[data-mcp-server=tracker]")
    expect(row).to_contain_text("Connected · 4 tools", timeout=20_000)
    row.get_by_role("button", name="Remove tracker").click()
    expect(dialog).to_contain_text("No tool servers yet.")
    page.context.close()


def test_the_panel_reads_well_in_dark_mode_and_on_a_phone(
    browser, mcp_server: ChatServer, shots_dir: Path
) -> None:
    page = new_page(browser, mcp_server, width=390, height=844, color_scheme="dark")
    sign_up(page)
    dialog = open_panel(page)
    page.locator("#mcp-name").fill("wiki")
    page.locator("#mcp-url").fill("http://127.0.0.1:9/mcp")
    page.get_by_role("button", name="Add and connect").click()
    expect(dialog.locator(".mcp-panel__error")).to_contain_text(
        "wiki could not be added", timeout=20_000
    )
    box = dialog.bounding_box()
    assert box is not None
    assert box["width"] <= 390
    page.screenshot(path=str(shots_dir / "mcp-panel-phone-dark.png"))
    page.context.close()


def test_a_company_server_shows_for_its_group_and_not_for_others(
    browser, product: Product, mcp_server: ChatServer, tracker: McpServerProcess
) -> None:
    member_page = new_page(browser, mcp_server)
    member = sign_up(member_page)
    outsider_page = new_page(browser, mcp_server)
    sign_up(outsider_page)
    definition = json.dumps({"url": tracker.url, "token": TOKEN, "email": member})
    product.manage(
        "shell",
        "-c",
        "import json\n"
        "from django.contrib.auth.models import Group\n"
        "from accounts.models import User\n"
        "from chat.mcp_servers.models import McpServer\n"
        "from chat.mcp_servers.secrets import seal\n"
        f"d = json.loads({definition!r})\n"
        "support, _ = Group.objects.get_or_create(name='Support')\n"
        "User.objects.get(email=d['email']).groups.add(support)\n"
        "s = McpServer.objects.create(name='support-desk', type='streamable-http', url=d['url'],"
        " secrets=seal({'headers': {'Authorization': 'Bearer ' + d['token']}}))\n"
        "s.groups.add(support)\n",
    )
    for page in (member_page, outsider_page):
        page.reload()
        wait_connected(page)
    row = open_panel(member_page).locator("[data-mcp-server=support-desk]")
    expect(row).to_contain_text("Company")
    expect(row).to_contain_text("Connected · 4 tools", timeout=20_000)
    expect(row.get_by_role("button", name="Remove")).to_have_count(0)
    expect(open_panel(outsider_page)).to_contain_text("No tool servers yet.")
    member_page.context.close()
    outsider_page.context.close()
