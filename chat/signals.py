"""Django signals the chat answers: a sign-out runs the assistant's @cl.on_logout, and
anything that may end a person's sign-ins (sign-out, a new password, deactivation,
deletion) closes the sockets those sign-ins opened."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from chat.engine import app_hooks, socket_auth

# Where the hook's response waits for the real one (see chat.web.middleware).
LOGOUT_RESPONSE = "chat_logout_response"
# What of an account its sign-ins depend on (the session hash is made from the password).
SIGN_IN_FIELDS = ("password", "is_active")


@receiver(user_logged_out, dispatch_uid="chat-on-logout")
def run_logout_hook(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    # The sign-out view builds its response after this signal: the hook sets cookies on a
    # stand-in, and LogoutCookiesMiddleware copies them onto the real response.
    response = HttpResponse()
    setattr(request, LOGOUT_RESPONSE, response)
    app_hooks.logged_out(request, response)


def _sign_ins_changed(user_id: Any, ended_session: str | None = None) -> None:
    # After the commit: a socket told earlier would still find the old session or account.
    transaction.on_commit(partial(socket_auth.sign_ins_changed, user_id, ended_session))


@receiver(user_logged_out, dispatch_uid="chat-sockets-on-logout")
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and user.pk is not None:
        session = getattr(request, "session", None)
        _sign_ins_changed(user.pk, getattr(session, "session_key", None))


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="chat-sign-in-fields")
def note_sign_in_changes(sender: Any, instance: Any, update_fields: Any, **kwargs: Any) -> None:
    """Whether this save changes the password or the active flag (one query, only for saves
    that may write them: not the last-login update of every sign-in)."""
    instance._chat_sign_in_changed = False
    if instance.pk is None or (
        update_fields is not None and not set(SIGN_IN_FIELDS) & set(update_fields)
    ):
        return
    before = sender.objects.filter(pk=instance.pk).values(*SIGN_IN_FIELDS).first()
    if before is not None:
        instance._chat_sign_in_changed = any(
            before[name] != getattr(instance, name) for name in SIGN_IN_FIELDS
        )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="chat-sockets-on-account")
def close_sockets_on_account_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_chat_sign_in_changed", False):
        instance._chat_sign_in_changed = False
        _sign_ins_changed(instance.pk)


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="chat-sockets-on-delete")
def close_sockets_on_account_deletion(sender: Any, instance: Any, **kwargs: Any) -> None:
    _sign_ins_changed(instance.pk)
