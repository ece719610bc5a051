"""Which pages may show the chat in a frame: our own, and the pages of the origins in
CHAT_FRAME_ANCESTORS (Chainlit apps are embedded in iframes of company pages).

The admin is never framed by another site. A response that set its own frame rule (the
copilot panel, sandboxed downloads) keeps it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

NEVER_FRAMED_PREFIXES = ("/admin/",)


def with_frame_ancestors(policy: str, origins: list[str]) -> str:
    """The policy with its frame-ancestors directive set to our pages and `origins`."""
    kept = [
        part.strip()
        for part in policy.split(";")
        if part.strip() and not part.strip().startswith("frame-ancestors")
    ]
    return "; ".join([*kept, "frame-ancestors " + " ".join(["'self'", *origins])])


def allow_framing(request: HttpRequest, response: HttpResponse, policy: str) -> str:
    """The policy for this response; lets the allowed origins frame it where they may."""
    origins = settings.CHAT_FRAME_ANCESTORS
    if not origins or request.path.startswith(NEVER_FRAMED_PREFIXES):
        return policy
    if getattr(response, "xframe_options_exempt", False):
        return policy  # a page with a frame rule of its own
    # CSP frame-ancestors says who; X-Frame-Options cannot name another site.
    response.xframe_options_exempt = True
    return with_frame_ancestors(policy, origins)
