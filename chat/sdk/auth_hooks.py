"""Sign-in hooks, as in Chainlit: they accept, refuse or enrich the person signing in.

The accounts app asks them (password backend, allauth's social adapter, the SSO header
middleware); what a returned `cl.User` carries in `display_name` and `metadata` is kept
on the account and shows in `cl.user_session.get("user")`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chat.engine.registry import hooks

F = TypeVar("F", bound=Callable[..., Any])


def password_auth_callback(func: F) -> F:
    """Decides password sign-ins: return a `cl.User` to let the person in, None to refuse.
    `username` is the email typed; an identifier that is not an email address becomes
    `<identifier>@localhost`.

    Example:
        @cl.password_auth_callback
        def auth(username: str, password: str) -> cl.User | None:
            if check_with_ldap(username, password):
                return cl.User(identifier=username, metadata={"role": "user"})
            return None
    """
    hooks.password_auth_callback = func
    return func


def oauth_callback(func: F) -> F:
    """Runs after an OAuth or OpenID Connect provider signed the person in: return
    `default_user` (changed or not) to let them in, None to refuse.

    Example:
        @cl.oauth_callback
        def oauth(provider_id, token, raw_user_data, default_user):
            if raw_user_data.get("hd") != "example.com":
                return None
            default_user.metadata["groups"] = raw_user_data.get("groups", [])
            return default_user
    """
    hooks.oauth_callback = func
    return func


def header_auth_callback(func: F) -> F:
    """Signs in from the headers of a request that came through a trusted SSO proxy
    (CHAT_SSO_TRUSTED_PROXIES): return a `cl.User`, or None to sign nobody in.

    Example:
        @cl.header_auth_callback
        def from_proxy(headers) -> cl.User | None:
            email = headers.get("X-Forwarded-Email")
            return cl.User(identifier=email, metadata={"groups": headers.get("X-Groups")})
    """
    hooks.header_auth_callback = func
    return func
