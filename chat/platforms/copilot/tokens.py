"""Signed tokens of the copilot widget: a sign-in token the host page's backend issues,
and the ticket with which the panel's socket signs in.

A host page's backend (on this project, or sharing its SECRET_KEY) issues a token for the
person it has signed in, and puts it in the script tag's data-token:

    from chat.platforms.copilot.tokens import issue
    token = issue("alice@example.com")

or from a shell: `python manage.py copilot_token alice@example.com`, or as Chainlit's
`create_jwt(cl.User(identifier=...))` (chat.sdk.auth). A token is valid for
CHAT_COPILOT_TOKEN_SECONDS, for an active account only, and signs a panel in once:
it travels in the frame's address, where logs and history may keep it, so a copy of it
must be worth nothing. The host page issues a new one each time it is shown.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache

from chat.engine.copilot_tokens import SIGN_IN_SALT, issue

__all__ = ["issue", "redeem", "socket_ticket", "socket_user", "user_for"]

SOCKET_SALT = "chat.copilot.socket"
# The panel's page may stay open (and its socket reconnect) for a working day.
SOCKET_SECONDS = 12 * 3600


def _active(**lookup: Any) -> Any:
    return get_user_model().objects.filter(is_active=True, **lookup).first()


def user_for(token: str) -> Any:
    """The account a sign-in token names; None if forged, expired or unknown."""
    try:
        data = signing.loads(token, salt=SIGN_IN_SALT, max_age=settings.CHAT_COPILOT_TOKEN_SECONDS)
        return _active(email__iexact=str(data["email"]))
    except (signing.BadSignature, KeyError, TypeError):
        return None


def redeem(token: str) -> Any:
    """The account a sign-in token names, the first time only; None if forged, expired,
    unknown or already used (in the cache, shared by every instance with REDIS_URL)."""
    user = user_for(token)
    if user is None:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    timeout = settings.CHAT_COPILOT_TOKEN_SECONDS + 60  # past its expiry, it fails anyway
    if not cache.add(f"chat:copilot-token-used:{digest}", True, timeout=timeout):
        return None
    return user


def socket_ticket(user: Any, thread_id: Any) -> str:
    return signing.dumps({"user": user.pk, "thread": str(thread_id)}, salt=SOCKET_SALT)


def socket_user(ticket: str, thread_id: str) -> Any:
    """The account a socket ticket names, if it was issued for this very thread."""
    try:
        data = signing.loads(ticket, salt=SOCKET_SALT, max_age=SOCKET_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("thread") != thread_id:
        return None
    return _active(pk=data.get("user"))
