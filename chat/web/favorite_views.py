"""Favorites (saved prompts): a star under one's own message, and the composer's menu."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from chat.threads import favorites

FRAGMENTS = "chat/fragments/"


def _menu(request: HttpRequest, *, oob: bool) -> str:
    return render_to_string(
        FRAGMENTS + "favorites.html",
        {"favorites": favorites.of(request.user), "oob": oob},
        request=request,
    )


@login_required
@require_POST
def star_message(request: HttpRequest, message_id: str) -> HttpResponse:
    """`starred=1` saves the message's words as a favorite, `starred=0` takes them out; the
    answer is the star again, with the composer's menu out of band."""
    starred = request.POST.get("starred") == "1"
    error = ""
    try:
        message = favorites.star(request.user, message_id, starred)
    except favorites.NotFound:
        raise Http404("No such message.") from None
    except favorites.FavoriteRefused as error_:
        message, error, starred = None, str(error_), False
    star = render_to_string(
        FRAGMENTS + "favorite_star.html",
        {"message_id": message.pk if message else message_id, "starred": starred},
        request=request,
    )
    notice = (
        render_to_string(
            FRAGMENTS + "notice.html",
            {"text": error, "level": "error", "oob": True},
            request=request,
        )
        if error
        else ""
    )
    return HttpResponse(star + _menu(request, oob=True) + notice)


@login_required
@require_POST
def remove_favorite(request: HttpRequest, favorite_id: str) -> HttpResponse:
    try:
        favorites.remove(request.user, favorite_id)
    except favorites.NotFound:
        raise Http404("No such favorite.") from None
    return HttpResponse(_menu(request, oob=False))
