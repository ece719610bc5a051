"""The sign-up and sign-in pages as a newcomer reads them: an error stands by the field it
is about, and each link is there once and leads somewhere else."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import new_email

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def links_to_itself(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "a[href]",
        "links => links.filter(a => a.href.split('?')[0] === location.href.split('?')[0])"
        ".map(a => a.textContent.trim())",
    )


def test_a_short_password_is_reported_under_the_password_field(page: Page, shots_dir: Path) -> None:
    page.goto("/accounts/signup/")
    page.locator("input[name=email]").fill(new_email("short"))
    page.locator("input[name=password1]").fill("short")
    page.locator("input[name=password2]").fill("short")
    # Measured only once the answer page has its stylesheet: before that, a label and its
    # field sit on one line.
    with page.expect_navigation(wait_until="load"):
        page.locator("form button[type=submit]").click()

    error = page.locator("#id_password1_error")
    expect(error).to_contain_text("too short")
    password = page.locator("#id_password1")
    expect(password).to_have_attribute("aria-invalid", "true")
    assert "id_password1_error" in (password.get_attribute("aria-describedby") or "")
    expect(page.locator("#id_email")).not_to_have_attribute("aria-invalid", "true")

    # Read top to bottom: email, then the password's label, its box, its error, and only
    # then the next field.
    email = box(page, "#id_email")
    label = box(page, "label[for=id_password1]")
    field = box(page, "#id_password1")
    shown = box(page, "#id_password1_error")
    again = box(page, "label[for=id_password2]")
    assert email["y"] + email["height"] <= label["y"]
    assert label["y"] + label["height"] <= field["y"]
    assert field["y"] + field["height"] <= shown["y"]
    assert shown["y"] - (field["y"] + field["height"]) < 24
    assert shown["y"] + shown["height"] <= again["y"]
    page.screenshot(path=str(shots_dir / "signup-error.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(shots_dir / "signup-error-dark.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots_dir / "signup-error-phone.png"), full_page=True)


def test_sign_in_offers_forgot_password_once_and_no_link_to_itself(
    page: Page, shots_dir: Path
) -> None:
    page.goto("/accounts/login/")
    forgot = page.get_by_role("link", name="Forgot your password?")
    expect(forgot).to_have_count(1)
    expect(forgot).to_have_attribute("href", "/accounts/password/reset/")
    # By the password field it is about.
    password = box(page, "#id_password")
    link = forgot.bounding_box()
    assert 0 <= link["y"] - (password["y"] + password["height"]) < 24
    expect(page.get_by_role("link", name="Sign up")).to_have_count(1)
    assert links_to_itself(page) == []
    page.screenshot(path=str(shots_dir / "signin.png"), full_page=True)

    forgot.click()
    expect(page).to_have_url("/accounts/password/reset/")
    assert links_to_itself(page) == []
    expect(page.get_by_role("link", name="Sign in")).to_have_count(1)

    page.goto("/accounts/signup/")
    assert links_to_itself(page) == []
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_count(1)
