"""Past conversations over HTTP: the sidebar's list and search, rename, delete, share,
the shared read-only page, and ratings of answers. Thin: parse, call a service, render.

Every change is a POST (CSRF comes from <body hx-headers>); a thread or message the user
may not touch is a 404, the same as one that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from chat import permissions
from chat.engine import feedback_hook, sharing
from chat.models import Thread
from chat.rendering import feedback as feedback_rendering
from chat.rendering import fragments, sidebar
from chat.threads import feedback, history, switches, window

FRAGMENTS = "chat/fragments/"


def _owned_or_404(request: HttpRequest, thread_id: str) -> Thread:
    try:
        return history.owned_thread(request.user, thread_id)
    except history.NotFound:
        raise Http404("No such conversation.") from None


def _current_id(request: HttpRequest, thread: Thread) -> str | None:
    """The thread's id when the page that asked is that thread's page."""
    if request.htmx and request.htmx.current_url_abs_path:
        path = request.htmx.current_url_abs_path.split("?")[0]
        if path == reverse("chat:thread", args=[thread.id]):
            return str(thread.id)
    return None


@login_required
@require_GET
def thread_list(request: HttpRequest) -> HttpResponse:
    """The list (first page or search results), or with `cursor` the page after it."""
    if not request.htmx:
        return redirect("chat:home")
    query = request.GET.get("q", "")
    cursor = request.GET.get("cursor") or None
    current = request.GET.get("current") or None
    listing = history.list_threads(request.user, query=query, cursor=cursor)
    if cursor:
        context = sidebar.page_context(
            listing.threads,
            current,
            next_cursor=listing.next_cursor,
            query=listing.query,
            after=request.GET.get("after", ""),
        )
        return TemplateResponse(request, FRAGMENTS + "thread_page.html", context)
    context = sidebar.list_context(
        listing.threads, current, next_cursor=listing.next_cursor, query=listing.query
    )
    return TemplateResponse(request, FRAGMENTS + "thread_list.html", context)


@login_required
@require_GET
def thread_item(request: HttpRequest, thread_id: str) -> HttpResponse:
    thread = _owned_or_404(request, thread_id)
    context = {"thread": thread, "current_id": _current_id(request, thread)}
    return TemplateResponse(request, FRAGMENTS + "thread_item.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rename_thread(request: HttpRequest, thread_id: str) -> HttpResponse:
    """GET: the inline form in place of the item; POST: the new title, and the item back."""
    thread = _owned_or_404(request, thread_id)
    form = {"thread": thread, "title_max": history.TITLE_MAX}
    if request.method == "GET":
        return TemplateResponse(request, FRAGMENTS + "thread_rename.html", form)
    title = request.POST.get("title", "")
    try:
        thread = history.rename(request.user, thread.pk, title)
    except history.InvalidTitle as error:
        # 200, so that htmx swaps the form with its error in.
        form.update(title=title, error=str(error))
        return TemplateResponse(request, FRAGMENTS + "thread_rename.html", form)
    if not request.htmx:
        return redirect("chat:thread", thread_id=thread.pk)
    current = _current_id(request, thread)
    html = sidebar.thread_item(thread, current)
    if current:
        html += fragments.thread_title(thread)
    return HttpResponse(html)


@login_required
@require_POST
def delete_thread(request: HttpRequest, thread_id: str) -> HttpResponse:
    thread = _owned_or_404(request, thread_id)
    current = _current_id(request, thread)
    history.delete(request.user, thread.pk)
    if not request.htmx:
        return redirect("chat:home")
    if current:
        return HttpResponseClientRedirect(reverse("chat:home"))
    return HttpResponse("")  # the item swaps itself out


def _share_panel(request: HttpRequest, thread: Thread, **extra: object) -> HttpResponse:
    share_url = ""
    if thread.share_token:
        share_url = request.build_absolute_uri(reverse("chat:shared", args=[thread.share_token]))
    context = {"thread": thread, "share_url": share_url, **extra}
    if request.method == "POST":
        # The item's menu says whether the thread is shared.
        context["item_html"] = sidebar.thread_item(thread, _current_id(request, thread), oob=True)
    return TemplateResponse(request, FRAGMENTS + "share_dialog.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def share_thread(request: HttpRequest, thread_id: str) -> HttpResponse:
    """GET: the share dialog; POST: turns the read-only link on."""
    thread = _owned_or_404(request, thread_id)
    if not permissions.can_share_thread(request.user, thread):
        raise Http404("Sharing is off.")
    if request.method == "POST":
        thread = history.share(request.user, thread.pk)
    return _share_panel(request, thread)


@login_required
@require_POST
def revoke_share(request: HttpRequest, thread_id: str) -> HttpResponse:
    thread = _owned_or_404(request, thread_id)
    thread = history.revoke(request.user, thread.pk)
    return _share_panel(request, thread, revoked=True)


@login_required
@require_GET
def shared_thread(request: HttpRequest, token: str) -> HttpResponse:
    """A shared conversation, read-only: the chat's own partials, no composer, no socket.
    Its latest page of messages; `?before=` (an order) is the page before, for "Show
    earlier messages", under the same permission as the link itself."""
    raw_before = request.GET.get("before")
    before = window.parse_before(raw_before)
    if raw_before is not None and before is None:
        return HttpResponseBadRequest("`before` must be a whole number.")
    try:
        thread = history.shared_thread(request.user, token)
    except history.NotFound:
        raise Http404("This link does not open a conversation (any more).") from None
    if not sharing.viewer_allowed(request.user, thread):  # the app's @cl.on_shared_thread_view
        raise Http404("This link does not open a conversation (any more).")
    page = window.window(thread, before=before)
    context = {
        "thread": thread,
        "mode": "shared",
        **fragments.messages_context(
            page.messages, page.steps, mode="shared", cot=switches.cot(thread.metadata)
        ),
        **window.earlier_context(reverse("chat:shared", args=[token]), page),
    }
    if before is not None:
        return TemplateResponse(request, FRAGMENTS + "earlier_page.html", context)
    return TemplateResponse(request, "chat/transcript.html", context)


@login_required
@require_POST
def rate_message(request: HttpRequest, message_id: str) -> HttpResponse:
    """Thumbs up or down (`value` 1, -1; 0 takes it back) and an optional `comment`."""
    value = feedback.parse_value(request.POST.get("value"))
    if "value" in request.POST and value is None:
        return HttpResponse("Unknown rating.", status=400)
    comment = request.POST.get("comment")
    try:
        message = feedback.rate(request.user, message_id, value, comment)
    except feedback.NotFound:
        raise Http404("No such message.") from None
    except feedback.FeedbackRefused as error:
        return HttpResponse(str(error), status=400)
    if message.feedback_value is not None:
        # The app's @cl.on_feedback sees the stored rating (in the background).
        feedback_hook.after_rating(message.pk, request.user)
    context = {
        "feedback": feedback_rendering.feedback_context(message, just_rated=value is not None),
        "comment_max": feedback.COMMENT_MAX,
    }
    return TemplateResponse(request, FRAGMENTS + "feedback.html", context)
