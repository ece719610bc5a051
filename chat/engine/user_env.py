"""`user_env`, as in Chainlit: values each person gives once before chatting (their own
API key, say), named by CHAT_USER_ENV. Kept encrypted (a key of their own, derived from
SECRET_KEY), never shown again, and handed to the hooks as `cl.user_session.get("env")`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.errors import UserFacingError
from chat.mcp_servers import secrets
from chat.models import UserEnv

SALT = "chat.engine.user_env"
MAX_VALUE = 4096


class UserEnvRefused(UserFacingError):
    pass


def names() -> list[str]:
    return list(settings.CHAT_USER_ENV)


def values(user: Any) -> dict[str, str]:
    """The person's values of the names asked for (others, from an earlier setting, left
    out)."""
    if not names() or not getattr(user, "pk", None):
        return {}
    row = UserEnv.objects.filter(user=user).first()
    found = secrets.unseal(row.sealed, salt=SALT) if row else {}
    return {name: str(found[name]) for name in names() if found.get(name)}


def missing(user: Any) -> list[str]:
    given = values(user)
    return [name for name in names() if name not in given]


def save(user: Any, given: dict[str, str]) -> list[str]:
    """Stores the values given; an empty field keeps the earlier value. Returns the names
    still missing."""
    kept = values(user)
    for name in names():
        value = (given.get(name) or "").strip()
        if len(value) > MAX_VALUE:
            raise UserEnvRefused(
                _("%(name)s is too long (at most %(count)d characters).")
                % {"name": name, "count": MAX_VALUE}
            )
        if value:
            kept[name] = value
    UserEnv.objects.update_or_create(
        user=user,
        defaults={"sealed": secrets.seal(kept, salt=SALT), "updated_at": timezone.now()},
    )
    return [name for name in names() if name not in kept]


def check_complete(user: Any) -> None:
    """Refuses a message while the person has not given every value asked for."""
    if missing(user):
        raise UserEnvRefused(_("Enter the keys this assistant needs first."))
