from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def sign_in(request: HttpRequest) -> dict:
    """What the sign-in pages offer: in SSO-only mode, provider buttons alone."""
    return {"sso_only": settings.CHAT_SSO_ONLY}
