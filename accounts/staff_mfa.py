"""CHAT_MFA_REQUIRED_FOR_STAFF: staff set up an authenticator app before anything else, on
the pages (StaffMfaMiddleware) and on the chat's sockets alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings


def must_enroll(user: Any, *, signed_in_by_proxy: bool) -> bool:
    """Whether this person is held back until they set up an authenticator app. A session
    the SSO proxy signed in is left alone: the proxy does its own MFA."""
    return user.pk in held_back([(user, signed_in_by_proxy)])


def held_back(sign_ins: Iterable[tuple[Any, bool]]) -> set[Any]:
    """Of these (person, signed in by the SSO proxy) pairs, the primary keys of the people
    held back, in one query however many: each person's sign-ins not by the proxy are."""
    if not settings.CHAT_MFA_REQUIRED_FOR_STAFF:
        return set()
    staff = {
        user.pk
        for user, by_proxy in sign_ins
        if not by_proxy and user.is_authenticated and user.is_staff
    }
    if not staff:
        return set()
    enrolled = Authenticator.objects.filter(user__in=staff, type=Authenticator.Type.TOTP)
    return staff - set(enrolled.values_list("user_id", flat=True))
