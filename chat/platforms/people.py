"""Who wrote: a platform's user, mapped to an account of ours.

A link (PlatformAccount) is looked up first. Without one, the platform's email address
(Slack and Teams tell it; Discord does not) finds the account with that address and the
link is made. A person with no account is refused, or given a new account, per
CHAT_PLATFORM_UNKNOWN_USERS ("refuse" or "create"), and only at an address of
CHAT_ALLOWED_EMAIL_DOMAINS when that is set (a platform that tells no address, like
Discord, then creates none).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import sign_in
from chat.models import PlatformAccount

# The address given to a new account of someone whose platform tells no email.
PLACEHOLDER_DOMAIN = "invalid"


def refusal(platform: str) -> str:
    return _(
        "Your %(platform)s account is not linked to an account of this assistant. "
        "Ask an administrator to link it."
    ) % {"platform": platform.title()}


def _linked(platform: str, external_id: str) -> Any:
    link = PlatformAccount.objects.select_related("user").filter(
        platform=platform, external_id=external_id
    )
    found = link.first()
    return found.user if found is not None and found.user.is_active else None


def _link(platform: str, external_id: str, name: str, email: str | None) -> Any:
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None:
        if settings.CHAT_PLATFORM_UNKNOWN_USERS != "create":
            return None
        address = email or f"{platform}-{external_id}@{platform}.{PLACEHOLDER_DOMAIN}"
        if not sign_in.email_allowed(address):
            return None  # the company's domain list holds for accounts made here too
        try:
            with transaction.atomic():
                # No password: the person signs in on the site with a reset or OAuth.
                user = User.objects.create_user(email=address, password=None)
                user.display_name = name[:150]
                user.save(update_fields=["display_name"])
        except IntegrityError:
            user = User.objects.get(email__iexact=address)
    if not user.is_active:
        return None
    try:
        with transaction.atomic():
            PlatformAccount.objects.create(
                platform=platform, external_id=external_id, user=user, name=name[:255]
            )
    except IntegrityError:
        pass  # linked meanwhile by a concurrent event
    return user


async def person(
    platform: str,
    external_id: str,
    profile: Callable[[], Awaitable[tuple[str, str | None]]],
) -> Any:
    """The account of this platform user, or None if they are refused.

    `profile` fetches (name, email or None) from the platform, only for a person not
    linked yet.
    """
    user = await sync_to_async(_linked)(platform, external_id)
    if user is not None:
        return user
    name, address = await profile()
    return await sync_to_async(_link)(platform, external_id, name, address)
