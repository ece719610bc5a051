"""The Content-Security-Policy of every page (Django 5.2 has none built in).

Pages load scripts only from our own static files: no inline script, no inline event
handler, so an injected `<script>` or `onerror=` would not run even if it got past the
sanitiser. Styles may be inline (Plotly draws with them). A response that sets its own
policy (file downloads are sandboxed) keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from chat.web import framing


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CHAT_CSP and "Content-Security-Policy" not in response:
            policy = framing.allow_framing(request, response, settings.CHAT_CSP)
            response["Content-Security-Policy"] = policy
        return response
