"""CHAT_MFA_REQUIRED_FOR_STAFF: staff set up an authenticator app before anything else, on
the pages (StaffMfaMiddleware) and on the chat's sockets alike."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings


def must_enroll(user: Any, *, signed_in_by_proxy: bool) -> bool:
    """Whether this person is held back until they set up an authenticator app. A session
    the SSO proxy signed in is left alone: the proxy does its own MFA."""
    if not settings.CHAT_MFA_REQUIRED_FOR_STAFF or signed_in_by_proxy:
        return False
    if not (user.is_authenticated and user.is_staff):
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
