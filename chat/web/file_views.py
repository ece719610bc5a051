"""An element's file, its own page and its side panel, served only to users who may see
its thread (chat/permissions.py decides). Thin: authorise, call a service, respond.

Files come from our own origin, so nothing in them may run here: every response says
nosniff, active types (HTML, SVG, XML, scripts) are never shown inline, and the rest
carry a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from chat import permissions
from chat.engine import sharing
from chat.models import Element, Thread
from chat.rendering import elements as rendering
from chat.storage import downloads
from chat.threads import elements as service
from chatproject.serving import async_bodies

# Shown inline (in an <img>, a player, the PDF viewer); anything else is downloaded.
INLINE_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
    "application/pdf",
    "text/plain",
}
# Types a browser would run as a document of our origin: served as plain text, attached.
ACTIVE_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "text/xml",
    "application/xml",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "text/xsl",
    "application/x-shockwave-flash",
}
SANDBOX = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


def _element_or_404(request: HttpRequest, element_id: str) -> Element:
    element = service.visible_element(request.user, element_id)
    if element is None:
        raise Http404("No such element.")
    seen_through_link = not permissions.can_view_thread(
        request.user, element.thread
    ) and not permissions.can_review_threads(request.user)
    # Through a shared link, the files answer to the app's @cl.on_shared_thread_view as
    # the page does: a viewer it turns away gets neither.
    if seen_through_link:
        thread = Thread.objects.select_related("owner").get(pk=element.thread_id)
        if not sharing.viewer_allowed(request.user, thread):
            raise Http404("No such element.")
    return element


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def _download_name(element: Element) -> str:
    name = PurePosixPath((element.name or element.kind).replace("\\", "/")).name
    stored = PurePosixPath(element.file.name).suffix if element.file else ".txt"
    return name if PurePosixPath(name).suffix or not stored else name + stored


def _is_active(mime: str) -> bool:
    return mime in ACTIVE_TYPES or mime.endswith("+xml")


@login_required
@require_GET
def element_page(request: HttpRequest, element_id: str) -> HttpResponse:
    """The element on a page of its own; for htmx, the side panel's content."""
    element = _element_or_404(request, element_id)
    place = "panel" if request.htmx else "page"
    back = reverse("chat:thread", args=[element.thread_id])
    if element.message_id:
        back += f"#m-{element.message_id}"
    context = {
        "element": element,
        "el": rendering.element_context(element, place=place, page=_page(request)),
        "page_url": rendering.page_url(element),
        "back_url": back,
    }
    template = "chat/element_page.html#panel" if request.htmx else "chat/element_page.html"
    return TemplateResponse(request, template, context)


@login_required
@require_GET
def element_rows(request: HttpRequest, element_id: str) -> HttpResponse:
    """Another page of a table, swapped in place of the one shown."""
    element = _element_or_404(request, element_id)
    if not request.htmx:
        return redirect(f"{rendering.page_url(element)}?page={_page(request)}")
    place = request.GET.get("place", "inline")
    place = place if place in ("inline", "panel", "page") else "inline"
    return HttpResponse(rendering.element(element, place=place, page=_page(request)))


@xframe_options_sameorigin  # the PDF viewer shows it in a frame of our own pages
@login_required
@require_GET
def element_file(request: HttpRequest, element_id: str) -> HttpResponse:
    element = _element_or_404(request, element_id)
    content: Any
    if element.file:
        mime = element.mime or "application/octet-stream"
    elif element.kind == "text" and not element.url:
        content, mime = io.BytesIO(element.content.encode("utf-8")), "text/plain"
    else:
        raise Http404("This element has no file.")
    attachment = (
        element.kind == "file"
        or request.GET.get("download") == "1"
        or (mime not in INLINE_TYPES and not mime.startswith(("audio/", "video/")))
    )
    if _is_active(mime) and mime != "image/svg+xml":
        mime, attachment = "text/plain", True
    if mime.startswith("text/"):
        mime += "; charset=utf-8"
    if element.file and downloads.redirects(element.file.storage):
        # Checked above: the address goes only to someone who may see the file, and soon
        # expires. The store sends the type and disposition chosen here.
        url = downloads.presigned_url(
            element.file, filename=_download_name(element), content_type=mime, attachment=attachment
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    if element.file:
        # Read off the event loop, a piece at a time (no database work: any thread will do).
        content = async_bodies.pieces(
            request, downloads.chunks(element.file), thread_sensitive=False
        )
    response = FileResponse(
        content, as_attachment=attachment, filename=_download_name(element), content_type=mime
    )
    if element.file:
        # Handed a generator, FileResponse leaves these to us.
        response["Content-Disposition"] = content_disposition_header(
            attachment, _download_name(element)
        )
        response["Content-Length"] = str(element.size)
    response["X-Content-Type-Options"] = "nosniff"
    if not mime.startswith("application/pdf"):
        # Browsers' PDF viewers will not run in a sandbox; everything else can.
        response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, max-age=3600"
    return response
