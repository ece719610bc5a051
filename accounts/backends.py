"""Password sign-in through the assistant's `@cl.password_auth_callback`, and the SSO-only
mode that turns password sign-in off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts import sign_in
from chat.engine.registry import hooks


class CompanyPasswordBackend(BaseBackend):
    """First in line: with a hook, the hook alone decides; in SSO-only mode no password
    signs anyone in. Otherwise it steps aside for the usual backends.

    Raising PermissionDenied stops Django from asking the backends after this one.
    """

    def authenticate(
        self, request: HttpRequest | None, password: str | None = None, **credentials: Any
    ) -> Any:
        if password is None:
            return None
        if settings.CHAT_SSO_ONLY:
            raise PermissionDenied("Password sign-in is off: use the company sign-in.")
        if hooks.password_auth_callback is None:
            return None
        login = credentials.get("email") or credentials.get("username") or ""
        return sign_in.password_sign_in(login, password)

    # Sessions it signed in name it as their backend; the account is an ordinary one. The
    # same methods (not a call through them): the sockets' sign-in check sees it and reads
    # such accounts in bulk (chat.engine.sign_in_checks).
    get_user = ModelBackend.get_user
    user_can_authenticate = ModelBackend.user_can_authenticate
