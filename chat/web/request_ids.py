"""Each request's id and its user's, on every log line written while it is served."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chat import log_context

HEADER = "X-Request-ID"
# An id from the proxy in front (nginx's $request_id, a load balancer's trace id) is kept,
# so one request can be followed through both logs; anything else gets a fresh one.
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIds:
    """After the sign-in middleware, so that the user is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if SANE_ID.fullmatch(given) else uuid.uuid4().hex
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        # Set, not reset on the way out: Django logs a 4xx or 5xx answer (django.request)
        # after the middleware has returned, still in the request's own context.
        log_context.bind(request_id=request_id, user_id=user_id)
        response = self.get_response(request)
        response.headers.setdefault(HEADER, request_id)
        return response
