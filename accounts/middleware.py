"""Sign-in from an authenticating proxy's header, and two-factor sign-in for staff."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import groups, sign_in, staff_mfa
from accounts.session_keys import SESSION_FLAG
from chat.engine.registry import hooks
from chatproject.proxies import client_of

logger = logging.getLogger(__name__)
# The session's record of the groups header last applied.
GROUPS_SEEN = "sso_groups"


class SsoHeaderMiddleware:
    """Signs in whoever the trusted proxy's header (CHAT_SSO_HEADER) names, through
    `@cl.header_auth_callback` when there is one. Only a request that came through one of
    CHAT_SSO_TRUSTED_PROXIES may vouch for someone (chatproject.proxies): otherwise the
    header is ignored, and with none configured nothing happens at all. CHAT_TRUSTED_PROXIES
    alone never suffices: a trusted load balancer may route around the SSO proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.CHAT_SSO_TRUSTED_PROXIES
            and (settings.CHAT_SSO_HEADER or hooks.header_auth_callback is not None)
            and client_of(request).via_sso_proxy
        ):
            self.sign_in(request)
        return self.get_response(request)

    def sign_in(self, request: HttpRequest) -> None:
        header = settings.CHAT_SSO_HEADER
        email = request.headers.get(header, "").strip().lower() if header else ""
        current = request.user if request.user.is_authenticated else None
        if current is not None and (not header or current.email == email or not email):
            # Already this person: the hook is asked once per sign-in.
            self.sync_groups(request, current)
            return
        try:
            chat_user = sign_in.header_user(request.headers, email)
            user = sign_in.account_for(chat_user, check_domain=True) if chat_user else None
        except sign_in.SignInRefused as refused:
            logger.warning(
                "SSO header sign-in refused for %s: %s", client_of(request).address, refused
            )
            user = None
        if current is not None and (user is None or user.pk != current.pk):
            logout(request)  # the proxy now speaks for someone else, or for nobody
        if user is not None and (current is None or user.pk != current.pk):
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_FLAG] = True
        if user is not None:
            self.sync_groups(request, user)

    @staticmethod
    def sync_groups(request: HttpRequest, user: object) -> None:
        """The groups header sets the person's groups at sign-in, and again whenever the
        proxy starts sending other groups, so that a removal counts from the next request."""
        names = groups.from_header(request.headers)
        if names is None or request.session.get(GROUPS_SEEN) == names:
            return
        groups.sync(user, names)
        request.session[GROUPS_SEEN] = names


# Pages a staff member without an authenticator may still open: setting one up, signing
# out, and what those pages need.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/favicon")


class StaffMfaMiddleware:
    """With CHAT_MFA_REQUIRED_FOR_STAFF, staff set up an authenticator app before anything
    else. A session the SSO proxy signed in is left alone: the proxy does its own MFA."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.CHAT_MFA_REQUIRED_FOR_STAFF and self.must_enroll(request):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def must_enroll(request: HttpRequest) -> bool:
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return False
        by_proxy = bool(request.session.get(SESSION_FLAG))
        return staff_mfa.must_enroll(request.user, signed_in_by_proxy=by_proxy)
