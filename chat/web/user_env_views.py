"""The page where a person gives the values the app's `user_env` asks for (CHAT_USER_ENV)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from chat.engine import user_env


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def user_env_page(request: HttpRequest) -> HttpResponse:
    if not user_env.names():
        raise Http404("This assistant asks for no keys.")
    error = ""
    if request.method == "POST":
        given = {name: request.POST.get(name, "") for name in user_env.names()}
        try:
            still = user_env.save(request.user, given)
        except user_env.UserEnvRefused as refused:
            error, still = str(refused), user_env.missing(request.user)
        if not still and not error:
            return redirect(_next(request))
    missing = set(user_env.missing(request.user))
    fields = [{"name": name, "given": name not in missing} for name in user_env.names()]
    return TemplateResponse(
        request,
        "chat/user_env.html",
        {"fields": fields, "next": _next(request), "error": error, "missing": bool(missing)},
        status=400 if error else 200,
    )
