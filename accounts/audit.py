"""The sign-in log: who signed in, failed or signed out, from which client address.

The address is the one CHAT_TRUSTED_PROXIES vouch for (chatproject.proxies), so a forged
X-Forwarded-For cannot put someone else's address in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from chatproject.proxies import client_address

logger = logging.getLogger("accounts.sign_in")


def _address(request: HttpRequest | None) -> str:
    return (client_address(request) if request is not None else "") or "-"


@receiver(user_logged_in, dispatch_uid="accounts-audit-logged-in")
def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    logger.info("sign-in: user %s from %s", user.pk, _address(request))


@receiver(user_login_failed, dispatch_uid="accounts-audit-login-failed")
def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Credentials are cleansed by Django; the name tried is worth keeping, never a password.
    tried = credentials.get("email") or credentials.get("username") or "-"
    logger.warning("sign-in failed: %r from %s", tried, _address(request))


@receiver(user_logged_out, dispatch_uid="accounts-audit-logged-out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    logger.info("sign-out: user %s from %s", getattr(user, "pk", None), _address(request))
