"""The stylesheet of the company's colours: small, generated from settings, cached."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from chat.rendering import branding

# The page links it with the colours' version in its address, so it may be kept long.
MAX_AGE = 60 * 60 * 24 * 30


@require_GET
def branding_css(request: HttpRequest) -> HttpResponse:
    css = render_to_string("chat/branding.css", branding.accents())
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response
