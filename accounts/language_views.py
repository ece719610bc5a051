"""The language picker: Django's set_language, remembered with the account too."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.languages import remember, supported


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """Sets the language cookie (and the account's choice) and goes back where it was."""
    response = set_language(request)
    code = supported(request.POST.get("language"))
    if code and code == request.POST.get("language"):
        remember(request.user, code)
    return response
