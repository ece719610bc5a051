"""Groups from the identity provider: at each sign-in, the groups the provider names (an
OpenID Connect / OAuth claim, or the SSO proxy's groups header) become the person's groups
here, through the mapping staff keep in the admin (accounts.models.GroupMapping).

Only groups the provider gave are ever taken away (ProviderMembership remembers which):
a group staff gave by hand stays. Likewise staff rights the provider gave end when it
stops naming such a group, and staff made by hand stay staff.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import GroupMapping, ProviderMembership

logger = logging.getLogger(__name__)

REVIEWERS = "Reviewers"
# More names than this in one claim is not a person's groups but a mistake; the first
# ones are kept, so that a huge claim cannot make thousands of rows.
MAX_GROUPS = 200


def claim_for(provider: str) -> str:
    """The claim that carries a provider's groups: its own setting, else the default."""
    return settings.CHAT_GROUPS_CLAIMS.get(provider) or settings.CHAT_GROUPS_CLAIM


def _names(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return None
    names: dict[str, None] = {}
    for item in value:
        if isinstance(item, dict):  # some providers send {"name": ...} or {"displayName": ...}
            item = item.get("name") or item.get("displayName")
        if isinstance(item, (str, int)):
            name = str(item).strip()[:255]
            if name:
                names.setdefault(name, None)
    return list(names)[:MAX_GROUPS]


def from_claims(claims: Mapping[str, Any], claim: str) -> list[str] | None:
    """The group names in a claim, which may be nested (Keycloak's `realm_access.roles`);
    None when the provider sent no such claim (then nothing changes)."""
    if not claim:
        return None
    value: Any = claims
    for part in claim.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return _names(value)


def from_header(headers: Mapping[str, str]) -> list[str] | None:
    """The names in the SSO proxy's groups header (comma-separated); None without one."""
    header = settings.CHAT_SSO_GROUPS_HEADER
    if not header or header not in headers:
        return None
    return _names(headers.get(header, ""))


def _mappings(names: Iterable[str]) -> list[GroupMapping]:
    names = list(names)
    known = {m.name: m for m in GroupMapping.objects.filter(name__in=names)}
    for name in names:
        if name not in known:
            # Seen for the first time: kept as named until staff say otherwise.
            known[name], _created = GroupMapping.objects.get_or_create(name=name)
    return [known[name] for name in names]


@transaction.atomic
def sync(user: Any, names: Iterable[str]) -> list[str]:
    """Sets the person's provider-given groups to these names as mapped; returns the
    names of the groups they now have from the provider."""
    mappings = [m for m in _mappings(names) if not m.ignored]
    wanted = {m.target for m in mappings}
    if any(m.reviewer for m in mappings):
        wanted.add(REVIEWERS)
    groups = {g.name: g for g in Group.objects.filter(name__in=wanted)}
    for name in wanted - groups.keys():
        groups[name], _created = Group.objects.get_or_create(name=name)
    given = {
        m.group_id: m for m in ProviderMembership.objects.filter(user=user).select_related("group")
    }
    keep = {g.pk for g in groups.values()}
    dropped = [gid for gid in given if gid not in keep]
    if dropped:
        user.groups.remove(*dropped)
        ProviderMembership.objects.filter(user=user, group_id__in=dropped).delete()
    added = [g for g in groups.values() if g.pk not in given]
    if added:
        held = set(user.groups.filter(pk__in=[g.pk for g in added]).values_list("pk", flat=True))
        # A group staff gave by hand before the provider named it stays theirs to take.
        fresh = [g for g in added if g.pk not in held]
        user.groups.add(*fresh)
        ProviderMembership.objects.bulk_create(
            [ProviderMembership(user=user, group=g) for g in fresh], ignore_conflicts=True
        )
    _set_staff(user, any(m.staff or m.reviewer for m in mappings))
    return sorted(groups)


def _set_staff(user: Any, from_provider: bool) -> None:
    if from_provider and not user.is_staff:
        user.is_staff, user.staff_from_provider = True, True
    elif not from_provider and user.staff_from_provider:
        user.is_staff, user.staff_from_provider = False, False
    else:
        return
    user.save(update_fields=["is_staff", "staff_from_provider"])


def sync_from_claims(user: Any, provider: str, claims: Mapping[str, Any]) -> list[str] | None:
    names = from_claims(claims, claim_for(provider))
    if names is None:
        return None
    logger.info("groups from %s for user %s: %d", provider, user.pk, len(names))
    return sync(user, names)
