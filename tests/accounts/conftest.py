"""Fixtures for sign-in tests: a real OpenID Connect provider on 127.0.0.1, providers
configured from environment variables the way settings.py reads them, auth hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import requests
from django.test.utils import override_settings

from chat.engine.registry import hooks
from chatproject import settings as project_settings
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

LOGIN_URL = "/accounts/oidc/oidc/login/"


@pytest.fixture
def providers_from_env(monkeypatch) -> Callable[..., dict]:
    """Sets OAUTH_* variables and applies SOCIALACCOUNT_PROVIDERS as settings.py builds it."""
    stack: list[override_settings] = []

    def apply(**env: str) -> dict:
        for name in [n for n in list(__import__("os").environ) if n.startswith("OAUTH_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        providers = project_settings._oauth_providers()
        override = override_settings(SOCIALACCOUNT_PROVIDERS=providers)
        override.enable()
        stack.append(override)
        return providers

    yield apply
    for override in reversed(stack):
        override.disable()


@pytest.fixture
def oidc(providers_from_env) -> Iterator[OidcProvider]:
    """The provider, running, and configured as the generic OpenID Connect sign-in."""
    provider = OidcProvider().start()
    providers_from_env(
        OAUTH_OIDC_CLIENT_ID=CLIENT_ID,
        OAUTH_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OAUTH_OIDC_SERVER_URL=provider.url,
        OAUTH_OIDC_NAME="Corp SSO",
    )
    yield provider
    provider.stop()


def sign_in_with_oidc(client, *, next_url: str | None = None):
    """Clicks "Sign in with Corp SSO", lets the provider answer, and follows its redirect
    back; returns the site's response to the callback."""
    url = LOGIN_URL + (f"?next={next_url}" if next_url else "")
    started = client.post(url)
    assert started.status_code == 302, started.content[:500]
    at_provider = requests.get(started["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


@pytest.fixture(autouse=True)
def _auth_hooks_restored(monkeypatch) -> None:
    """Whatever a test registers (with register_hook or the decorators) is gone after it."""
    for name in ("password_auth_callback", "oauth_callback", "header_auth_callback"):
        monkeypatch.setattr(hooks, name, None)


@pytest.fixture
def register_hook(monkeypatch) -> Callable[[str, Callable], Callable]:
    """Registers an auth hook for one test, as the assistant's decorator would."""

    def register(name: str, fn: Callable) -> Callable:
        monkeypatch.setattr(hooks, name, fn)
        return fn

    return register
