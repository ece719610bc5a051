"""Which language a person sees: their saved choice, else the cookie, else the browser's.

Shared by the HTTP middleware, the language picker and the chat websocket, which has no
HttpRequest but the same cookie and Accept-Language header.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation


def supported(code: str | None) -> str | None:
    """The supported language for a code (e.g. "de-AT" gives "de"), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def saved_language(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return supported(getattr(user, "language", ""))


def choose(user: Any, cookie: str | None, accept_language: str) -> str:
    """The language of a request: the user's choice, the cookie, Accept-Language, default."""
    found = saved_language(user) or supported(cookie)
    if found:
        return found
    for code, _quality in translation.trans_real.parse_accept_lang_header(accept_language):
        if code == "*":
            break
        found = supported(code)
        if found:
            return found
    return settings.LANGUAGE_CODE


def remember(user: Any, code: str) -> None:
    """Keeps a signed-in person's choice with their account, for their other devices."""
    if getattr(user, "is_authenticated", False) and user.language != code:
        user.language = code
        user.save(update_fields=["language"])
