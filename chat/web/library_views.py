"""The library page: documents a user keeps for all their conversations, and the team
libraries of their groups (added to and pruned by the teams' managers).

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


def _teams(request: HttpRequest) -> list:
    """The person's team libraries, each with its documents for the page."""
    teams = library.teams_of(request.user)
    for team in teams:
        team.listing = library.team_listing(team)
        team.reading = any(d.status in library.IN_PROGRESS for d in team.listing)
        team.picker_id = f"team-{team.pk}-files"
    return teams


def _team_list(request: HttpRequest, team: object, **extra: object) -> HttpResponse:
    documents = library.team_listing(team)
    context = {
        "team": team,
        "documents": documents,
        "reading": any(d.status in library.IN_PROGRESS for d in documents),
        **extra,
    }
    return TemplateResponse(request, LIST, context)


def _managed(request: HttpRequest, group_id: int) -> object:
    """The team library the person manages; anyone else finds none (a member who is not
    a manager, a former member, a stranger alike)."""
    team = library.managed_team(request.user, group_id)
    if team is None:
        raise Http404("No such team library.")
    team.managed = True
    return team


@login_required
@require_GET
def library_page(request: HttpRequest) -> HttpResponse:
    limits = uploads.Limits.from_settings()
    context = _list_context(
        request, max_mb=f"{limits.max_bytes / 1024 / 1024:g}", teams=_teams(request)
    )
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


@login_required
@require_GET
def team_library_list(request: HttpRequest, group_id: int) -> HttpResponse:
    team = next((t for t in library.teams_of(request.user) if t.pk == group_id), None)
    if team is None:
        raise Http404("No such team library.")
    return _team_list(request, team)


@login_required
@require_POST
@takes_uploads
def team_library_upload(request: HttpRequest, group_id: int) -> HttpResponse:
    team = _managed(request, group_id)
    try:
        stored = library.store(
            request.user,
            request.FILES.getlist("files"),
            uploads.Limits.from_settings(),
            team=team,
        )
    except uploads.UploadRefused as error:
        if request.htmx:
            return _team_list(request, team, error=str(error))
        messages.error(request, str(error))
        return redirect("chat:library")
    for document in stored:
        async_to_sync(library.start)(document)
    return _team_list(request, team) if request.htmx else redirect("chat:library")


@login_required
@require_POST
def team_library_delete(request: HttpRequest, group_id: int, document_id: str) -> HttpResponse:
    team = _managed(request, group_id)
    if not library.remove_from_team(team, _document_id(document_id)):
        raise Http404("No such document.")
    return _team_list(request, team) if request.htmx else redirect("chat:library")


@login_required
@require_POST
def team_library_retry(request: HttpRequest, group_id: int, document_id: str) -> HttpResponse:
    team = _managed(request, group_id)
    if async_to_sync(library.retry)(request.user, _document_id(document_id), team) is None:
        raise Http404("No such document.")
    return _team_list(request, team) if request.htmx else redirect("chat:library")
