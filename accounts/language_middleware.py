"""A signed-in person sees the language they chose, on any device."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.languages import saved_language


class UserLanguageMiddleware:
    """After LocaleMiddleware (cookie, Accept-Language): the account's choice wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = saved_language(getattr(request, "user", None))
        if code and code != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
