"""Request plumbing of the chat's hooks."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chat.signals import LOGOUT_RESPONSE


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
