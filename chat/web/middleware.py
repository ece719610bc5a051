"""Request plumbing: the chat's hooks, and uploads kept for people signed in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from chat.signals import LOGOUT_RESPONSE
from chatproject.body_limits import takes_uploads_view


class LogoutCookiesMiddleware:
    """Cookies that @cl.on_logout set or deleted go out with the sign-out's response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        stand_in = getattr(request, LOGOUT_RESPONSE, None)
        if stand_in is not None:
            for name, morsel in stand_in.cookies.items():
                response.cookies[name] = morsel
        return response


class UploadsNeedSignIn:
    """Someone signed out is sent to sign in before an upload's body is parsed. Sits
    before the CSRF check, which parses a POST body to look for its token; the
    authentication middleware (later, and lazy) would only be asked by the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not takes_uploads_view(view) or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if get_user(request).is_authenticated:
            return None
        # What @login_required answers, before the body is touched.
        return redirect_to_login(request.get_full_path())
