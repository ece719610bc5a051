"""A person's own data from the chat's sidebar: the zip downloads with their conversation,
and the account goes only once they type their address."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import send, sign_in, sign_up, wait_idle

pytestmark = pytest.mark.browser


def test_download_my_data_then_delete_the_account(page: Page, shots_dir: Path) -> None:
    email = sign_up(page)
    send(page, "Remember the blue folder")
    wait_idle(page)

    page.get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", name="My data", level=1)).to_be_visible()
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(waiting.value.path()).read_bytes()))
    conversations = [n for n in archive.namelist() if n.startswith("conversations/")]
    contents = [
        m["content"] for n in conversations for m in json.loads(archive.read(n))["messages"]
    ]
    assert "Remember the blue folder" in contents
    assert json.loads(archive.read("account.json"))["email"] == email

    # A wrong address is refused with the reason, by keyboard as by mouse.
    box = page.get_by_label("To confirm, type your email address")
    box.fill("someone-else@example.com")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("That is not your address")
    expect(box).to_have_attribute("aria-invalid", "true")
    page.set_viewport_size({"width": 390, "height": 844})
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(shots_dir / f"my-data-390-{scheme}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_label("To confirm, type your email address").fill(email)
    page.get_by_role("button", name="Delete my account and all my data").click()
    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_text("Your account and everything in it were deleted.")).to_be_visible()
    sign_in(page, email)
    expect(page).to_have_url("/accounts/login/")
