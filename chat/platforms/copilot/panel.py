"""Services of the copilot panel: which host pages may frame it, which thread it shows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from accounts import languages
from chat.models import Thread


def allowed_host(host: str, own_url: str) -> str | None:
    """The host page's origin if it may frame the panel: our own, or one allowed."""
    own = urlsplit(own_url)
    if host == f"{own.scheme}://{own.netloc}" or host in settings.CHAT_COPILOT_ALLOWED_ORIGINS:
        return host
    return None


def host_theme(value: str) -> str | None:
    """The theme the host page asks for: "light" or "dark", "" to follow the device
    ("system"), None when it asks for none (the person's own choice stands)."""
    if value in ("light", "dark"):
        return value
    return "" if value == "system" else None


def host_language(value: str) -> str | None:
    """The supported language the host page asks for (e.g. "de-CH" gives "de"), or None."""
    return languages.supported(value[:32]) if value else None


def copilot_thread(user: Any) -> Thread:
    """The person's latest copilot conversation (the panel carries on with it), or a new one."""
    latest = Thread.objects.filter(owner=user, source=Thread.Source.COPILOT).order_by("-updated_at")
    return latest.first() or Thread.objects.create(owner=user, source=Thread.Source.COPILOT)
