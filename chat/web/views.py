"""Chat pages. Thin: authorise, call a service, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chat.engine import handover, profile_config, profiles, uploads, user_env, voice
from chat.models import Thread
from chat.rendering import chat_start, fragments, sidebar
from chat.threads import favorites, history, snapshot, stars, switches, window
from chat.threads import store as threads
from chatproject.body_limits import takes_uploads


def _prompt(request: HttpRequest) -> str:
    """`?prompt=` fills the composer (not sent), as in Chainlit: links can suggest a question."""
    return request.GET.get("prompt", "")[: settings.CHAT_MAX_MESSAGE_CHARS]


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    url = reverse("chat:thread", kwargs={"thread_id": threads.draft_thread(request.user).id})
    prompt = _prompt(request)
    return redirect(f"{url}?{urlencode({'prompt': prompt})}" if prompt else url)


@login_required
@require_POST
def new_thread(request: HttpRequest) -> HttpResponse:
    return redirect("chat:thread", thread_id=threads.draft_thread(request.user).id)


def _thread_or_404(request: HttpRequest, thread_id: str) -> Thread:
    thread = threads.visible_thread(request.user, thread_id)
    if thread is None:
        raise Http404("No such conversation.")
    return thread


def _sidebar_context(user: object, thread: Thread) -> dict:
    listing = history.list_threads(user)
    return sidebar.list_context(listing.threads, str(thread.id), next_cursor=listing.next_cursor)


@login_required
@require_GET
def thread_page(request: HttpRequest, thread_id: str) -> HttpResponse:
    thread = _thread_or_404(request, thread_id)
    if user_env.missing(request.user):
        # Asked once, before the chat starts (its hooks may need the values at once).
        return redirect(f"{reverse('chat:user_env')}?{urlencode({'next': request.path})}")
    if handover.runs_elsewhere(thread):
        thread = handover.adopt(thread.pk)[0]
    return TemplateResponse(
        request,
        "chat/page.html",
        {
            "thread": thread,
            **snapshot.page_context(thread, request.user),
            "favorites": favorites.of(request.user),
            **_sidebar_context(request.user, thread),
            **_chat_start_context(request.user, thread),
            **voice.page_context(thread.metadata),
            "prompt": _prompt(request),
        },
    )


def _window_context(user: object, thread: Thread, page: window.Window) -> dict:
    url = reverse("chat:thread_earlier", args=[thread.pk])
    return {
        **fragments.messages_context(
            stars.mark_starred(user, page.messages),
            page.steps,
            cot=switches.cot(thread.metadata),
        ),
        **window.earlier_context(url, page),
    }


@login_required
@require_GET
def thread_earlier(request: HttpRequest, thread_id: str) -> HttpResponse:
    """The page of messages before `?before=` (an order), for "Show earlier messages"."""
    thread = _thread_or_404(request, thread_id)
    before = window.parse_before(request.GET.get("before"))
    if before is None:
        return HttpResponseBadRequest("`before` must be a whole number.")
    context = _window_context(request.user, thread, window.window(thread, before=before))
    return TemplateResponse(request, "chat/fragments/earlier_page.html", context)


@login_required
@require_GET
def chat_item(request: HttpRequest, thread_id: str, kind: str, item_id: str) -> HttpResponse:
    """One message or step, for a tab that got it as a placeholder: too large to push."""
    html = threads.item_html(request.user, thread_id, kind, item_id)
    if html is None:
        raise Http404("No such message.")
    return HttpResponse(html)


@login_required
@require_GET
def message_source(request: HttpRequest, thread_id: str, message_id: str) -> HttpResponse:
    """A message's markdown, as written: what "Copy answer" puts beside its HTML."""
    source = threads.message_source(request.user, thread_id, message_id)
    if source is None:
        raise Http404("No such message.")
    return HttpResponse(source, content_type="text/plain; charset=utf-8")


def _chat_start_context(user: object, thread: Thread) -> dict:
    """The profile, starters, settings panel and commands, as the thread has them."""
    found = profiles.page_options(thread, user)
    options = found["options"]
    return {
        **chat_start.start_context(options, show=not found["written"]),
        **chat_start.profile_badge_context(thread.chat_profile, options.current),
        **chat_start.settings_context(
            found["settings_inputs"],
            found["settings_values"],
            open_first=switches.settings_open(thread.metadata),
        ),
        **chat_start.commands_context(found["commands"]),
        **chat_start.modes_context(found["modes"], found["mode_choices"]),
        "uploads_on": uploads.enabled(profile_config.of(thread.metadata)),
    }


@login_required
@require_POST
@takes_uploads
def upload_files(request: HttpRequest, thread_id: str) -> HttpResponse:
    """Stores files for the next message or an open question; answers with their ids."""
    thread = _thread_or_404(request, thread_id)
    try:
        stored = uploads.store(
            thread, request.user, request.FILES.getlist("files"), uploads.limits_for_upload(thread)
        )
    except uploads.UploadRefused as error:
        return JsonResponse({"error": str(error)}, status=400)
    files = [{"id": str(e.pk), "name": e.name, "size": e.size, "type": e.mime} for e in stored]
    return JsonResponse({"files": files})
