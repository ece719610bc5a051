"""The copilot widget's script and the page it frames. Thin: check, call, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation

from chat.engine import voice
from chat.platforms.copilot import panel as service
from chat.platforms.copilot.tokens import redeem, socket_ticket
from chat.threads import snapshot


def script(request: HttpRequest) -> HttpResponse:
    """The script host pages include (a stable address for the versioned static file)."""
    return redirect(static("chat/copilot.js"))


def chainlit_script(request: HttpRequest) -> HttpResponse:
    """Chainlit's embed script (`/copilot/index.js`, `window.mountChainlitWidget`): an alias
    that mounts this widget."""
    return redirect(static("chat/copilot_chainlit.js"))


def _framed_by(response: HttpResponse, host: str | None) -> HttpResponse:
    """Only this page may be framed, and only by our own pages and the host's."""
    response.xframe_options_exempt = True
    ancestors = f"'self' {host}" if host else "'none'"
    policy = [
        part.strip()
        for part in getattr(settings, "CHAT_CSP", "").split(";")
        if part.strip() and not part.strip().startswith("frame-ancestors")
    ]
    response["Content-Security-Policy"] = "; ".join([*policy, f"frame-ancestors {ancestors}"])
    return response


def _kept(request: HttpRequest) -> dict[str, str]:
    """The panel's address parameters a reload keeps (all but the spent token)."""
    return {k: request.GET[k] for k in ("host", "theme", "lang") if request.GET.get(k)}


def panel(request: HttpRequest) -> HttpResponse:
    host = service.allowed_host(request.GET.get("host", ""), request.build_absolute_uri("/"))
    if host is None:
        response = TemplateResponse(request, "chat/copilot/refused.html", status=403)
        return _framed_by(response, None)
    token = request.GET.get("token", "")
    user = redeem(token) if token else None
    if user is None and request.user.is_authenticated and not token:
        user = request.user
    if user is None:
        login = request.build_absolute_uri(reverse("account_login"))
        response = TemplateResponse(
            request, "chat/copilot/sign_in.html", {"login_url": login, "expired": bool(token)}
        )
        return _framed_by(response, host)
    thread = service.copilot_thread(user)
    # The host page's choices: the panel matches the page's theme and language.
    theme = service.host_theme(request.GET.get("theme", ""))
    language = service.host_language(request.GET.get("lang", ""))
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    query = {"ticket": socket_ticket(user, thread.id), **({"lang": language} if language else {})}
    context = {
        "thread": thread,
        "host_origin": host,
        # Where the panel goes on a reload: its own address without the spent token.
        "panel_url": f"{request.path}?{urlencode(_kept(request))}",
        "socket_url": f"{request.META.get('SCRIPT_NAME', '')}/ws/copilot/{thread.id}/"
        f"?{urlencode(query)}",
        **({"ui_theme": theme, "ui_theme_fixed": True} if theme is not None else {}),
        # The same latest page as the chat page, so that its socket's connect can skip the
        # snapshot when nothing changed in between.
        **snapshot.page_context(thread, user),
        **voice.page_context(thread.metadata),
    }
    response = TemplateResponse(request, "chat/copilot/panel.html", context)
    # The address carries the token: no other page learns it, no cache keeps the page.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return _framed_by(response, host)
