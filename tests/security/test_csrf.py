"""Every URL of the site refuses a POST without a CSRF token, so nothing changes state from
another site's page. The URLs are enumerated from the URL configuration: a new endpoint
that forgets CSRF fails here without anyone adding a test for it."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Exempt on purpose, each with its reason. Keep this list short.
EXEMPT = {
    # Google's One Tap posts from Google's page with its own double-submit token
    # (g_csrf_token cookie and field), which allauth checks instead.
    "accounts/google/login/token/",
    # Chat platforms post their events from their servers and sign them; the platform
    # views check the signature (and answer 404 while the platform is not configured).
    "platforms/slack/events/",
    "platforms/slack/interactivity/",
    "platforms/discord/interactions/",
    "platforms/teams/messages/",
    # The copilot widget's script and framed page, behind the same platform wrapper;
    # both only read.
    "copilot.js",
    "copilot/",
    # Chainlit's name for the widget's script, an alias of copilot.js.
    "copilot/index.js",
}
SAMPLES = {
    "thread_id": str(uuid.uuid4()),
    "message_id": str(uuid.uuid4()),
    "element_id": str(uuid.uuid4()),
    "document_id": str(uuid.uuid4()),
    "provider_id": "oidc",
    "app_label": "chat",
    "uidb36": "1",
    "key": "set-1a2b",
    "url": "missing",
}
_ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _example(route: str) -> str:
    """A concrete URL for a route: each parameter filled with a plausible value."""
    path = _REGEX_GROUP.sub(lambda m: SAMPLES.get(m.group(1), "1"), route)
    path = _ROUTE_PARAMETER.sub(lambda m: SAMPLES.get(m.group(1), "1"), path)
    return "/" + path.replace("^", "").replace("$", "")


ROUTES = sorted(set(_walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_sites_endpoints():
    assert len(ROUTES) > 100
    for route in ("threads/<str:thread_id>/rename/", "accounts/login/", "admin/login/"):
        assert route in ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_a_post_without_a_csrf_token_is_refused(route):
    url = _example(route)
    match = resolve(url)
    assert match.route.replace("^", "") == route.replace("^", ""), (
        f"add a sample value so that {url} resolves to {route}"
    )
    exempt = getattr(match.func, "csrf_exempt", False)
    if route in EXEMPT:
        assert exempt, f"{route} is listed as exempt but checks CSRF: take it off the list"
        return
    assert not exempt, f"{route} is csrf_exempt: make it check CSRF or list it with a reason"
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = client.post(url, {"title": "x", "value": "1", "email": "a@b.example"})
    assert response.status_code == 403, f"{url} answered {response.status_code} to a forged POST"
    assert b"CSRF" in response.content


def test_a_post_from_a_signed_out_visitor_is_refused_too():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@b.example", "password": "x"})
    assert response.status_code == 403


def test_the_same_post_with_the_token_goes_through(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # sets the CSRF cookie
    page = client.get("/", follow=True)
    assert page.status_code == 200
    token = client.cookies["csrftoken"].value
    response = client.post("/threads/new/", headers={"X-CSRFToken": token})
    assert response.status_code == 302
