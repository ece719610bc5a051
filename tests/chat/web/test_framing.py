"""The whole chat in another site's iframe, as Chainlit apps are embedded: pages of the
origins in CHAT_FRAME_ANCESTORS may frame it (CSP frame-ancestors), and no others."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings

from chat.web.framing import with_frame_ancestors
from tests.chatproject.test_proxies import load_settings, settings_value

pytestmark = pytest.mark.django_db
INTRANET = "https://intranet.example.com"


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors"))


def test_by_default_only_our_own_pages_frame_the_chat(client, user):
    client.force_login(user)
    response = client.get("/", follow=True)
    assert frame_ancestors(response) == "frame-ancestors 'self'"
    assert response["X-Frame-Options"] in ("SAMEORIGIN", "DENY")


@override_settings(CHAT_FRAME_ANCESTORS=[INTRANET, "http://localhost:8081"])
def test_the_allowed_origins_may_frame_the_chat_and_its_sign_in(client, user):
    response = client.get("/accounts/login/")
    assert frame_ancestors(response) == f"frame-ancestors 'self' {INTRANET} http://localhost:8081"
    assert "X-Frame-Options" not in response
    client.force_login(user)
    page = client.get("/", follow=True)
    assert frame_ancestors(page) == f"frame-ancestors 'self' {INTRANET} http://localhost:8081"
    # The rest of the policy is kept.
    assert "script-src 'self'" in page["Content-Security-Policy"]
    # The page knows whom it may talk to.
    assert f'data-frame-origins="{INTRANET} http://localhost:8081"' in page.content.decode()


@override_settings(CHAT_FRAME_ANCESTORS=[INTRANET])
def test_the_admin_is_never_framed_by_another_site(admin_client):
    response = admin_client.get("/admin/")
    assert frame_ancestors(response) == "frame-ancestors 'self'"
    assert "X-Frame-Options" in response


def test_the_policy_keeps_every_other_directive():
    policy = "default-src 'self'; frame-ancestors 'none'; img-src 'self' data:"
    assert with_frame_ancestors(policy, [INTRANET]) == (
        f"default-src 'self'; img-src 'self' data:; frame-ancestors 'self' {INTRANET}"
    )


def test_the_setting_takes_origins_and_refuses_anything_else():
    assert settings_value(
        "CHAT_FRAME_ANCESTORS", CHAT_FRAME_ANCESTORS=f"{INTRANET}, http://a:81"
    ) == (f"['{INTRANET}', 'http://a:81']")
    refused = load_settings("CHAT_FRAME_ANCESTORS", CHAT_FRAME_ANCESTORS=f"{INTRANET}/page")
    assert refused.returncode != 0
    assert "CHAT_FRAME_ANCESTORS: 'https://intranet.example.com/page' is not an origin" in (
        refused.stderr
    )
