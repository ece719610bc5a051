"""Django signals the chat answers: a sign-out runs the assistant's @cl.on_logout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from chat.engine import app_hooks

# Where the hook's response waits for the real one (see chat.middleware).
LOGOUT_RESPONSE = "chat_logout_response"


@receiver(user_logged_out, dispatch_uid="chat-on-logout")
def run_logout_hook(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    # The sign-out view builds its response after this signal: the hook sets cookies on a
    # stand-in, and LogoutCookiesMiddleware copies them onto the real response.
    response = HttpResponse()
    setattr(request, LOGOUT_RESPONSE, response)
    app_hooks.logged_out(request, response)
