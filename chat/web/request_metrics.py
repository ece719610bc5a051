"""HTTP requests counted for /metrics, by URL name and status."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chat.engine import metrics


class CountRequests:
    """Outermost, so that every answer counts: redirects, refusals and errors too. The
    label is the URL's name (`chat:thread`, never the path with its ids), so there are as
    many series as there are views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "unmatched"
        metrics.http_requests.labels(view, str(response.status_code)).inc()
        return response
