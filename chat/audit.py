"""The audit log: one entry per thing someone did with other people's conversations or
limits, written where it is done, and removed after CHAT_AUDIT_RETENTION_DAYS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from chat.models import AuditEntry

Action = AuditEntry.Action
# An export or a deletion of many threads names this many of them, then counts the rest.
NAMED = 50


def record(actor: Any, action: str, target: str = "", detail: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        target=target[:255],
        detail=detail,
    )


def threads_detail(ids: list[Any]) -> str:
    """The threads an action touched: their ids, the first NAMED of them."""
    named = ", ".join(str(i) for i in ids[:NAMED])
    more = len(ids) - NAMED
    return f"threads ({len(ids)}): {named}" + (f" and {more} more" if more > 0 else "")


def purge(days: int) -> int:
    """Deletes entries older than `days` days; returns how many."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _by_model = AuditEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
