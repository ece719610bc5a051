"""Favorites (saved prompts): a star under one's own message, and the composer's menu."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from chat.engine.groups import thread_group
from chat.models import Message
from chat.threads import favorites

FRAGMENTS = "chat/fragments/"


def _menu(request: HttpRequest, *, oob: bool) -> str:
    return render_to_string(
        FRAGMENTS + "favorites.html",
        {"favorites": favorites.of(request.user), "oob": oob},
        request=request,
    )


def _show_in_other_tabs(request: HttpRequest, message: Message, starred: bool) -> None:
    """The thread's other tabs (all its owner's, who starred it) show the star and the
    composer's menu as they now are."""
    html = render_to_string(
        FRAGMENTS + "favorite_star.html",
        {"message_id": message.pk, "starred": starred, "star_oob": True},
        request=request,
    ) + _menu(request, oob=True)
    async_to_sync(get_channel_layer().group_send)(
        thread_group(message.thread_id), {"type": "chat.fragment", "html": html}
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
    if message is not None:
        _show_in_other_tabs(request, message, starred)
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
