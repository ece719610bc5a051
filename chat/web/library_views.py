"""The personal library page: documents a user keeps for all their conversations.

Thin: authorise, call chat.rag.library, render. Without JavaScript the forms post and
come back to the page; with htmx the list is swapped in place and polled while a
document is being read.
"""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from chat.engine import uploads
from chat.rag import library
from chatproject.body_limits import takes_uploads

LIST = "chat/fragments/library_list.html"


def _list_context(request: HttpRequest, **extra: object) -> dict:
    documents = library.listing(request.user)
    return {
        "documents": documents,
        "reading": any(d.status in library.IN_PROGRESS for d in documents),
        **extra,
    }


def _document_id(document_id: str) -> uuid.UUID:
    """A document's id from the URL; anything else is a document that does not exist."""
    try:
        return uuid.UUID(document_id)
    except ValueError:
        raise Http404("No such document.") from None


def _list(request: HttpRequest, **extra: object) -> HttpResponse:
    return TemplateResponse(request, LIST, _list_context(request, **extra))


@login_required
@require_GET
def library_page(request: HttpRequest) -> HttpResponse:
    limits = uploads.Limits.from_settings()
    context = _list_context(request, max_mb=f"{limits.max_bytes / 1024 / 1024:g}")
    return TemplateResponse(request, "chat/library.html", context)


@login_required
@require_GET
def library_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


@login_required
@require_POST
@takes_uploads
def library_upload(request: HttpRequest) -> HttpResponse:
    try:
        stored = library.store(
            request.user, request.FILES.getlist("files"), uploads.Limits.from_settings()
        )
    except uploads.UploadRefused as error:
        if request.htmx:
            # The list with the reason, as a form shows its errors (htmx swaps 2xx only).
            return _list(request, error=str(error))
        messages.error(request, str(error))
        return redirect("chat:library")
    for document in stored:
        async_to_sync(library.start)(document)
    if request.htmx:
        return _list(request)
    return redirect("chat:library")


@login_required
@require_POST
def library_delete(request: HttpRequest, document_id: str) -> HttpResponse:
    if not library.remove(request.user, _document_id(document_id)):
        raise Http404("No such document.")
    return _list(request) if request.htmx else redirect("chat:library")


@login_required
@require_POST
def library_retry(request: HttpRequest, document_id: str) -> HttpResponse:
    if async_to_sync(library.retry)(request.user, _document_id(document_id)) is None:
        raise Http404("No such document.")
    return _list(request) if request.htmx else redirect("chat:library")
