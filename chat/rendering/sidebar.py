"""The sidebar's list of conversations: grouped by day of last activity, a page at a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chat.models import Thread

FRAGMENTS = "chat/fragments/"
GROUPS = {
    "today": _("Today"),
    "yesterday": _("Yesterday"),
    "week": _("Previous 7 days"),
    "older": _("Older"),
}


def group_key(thread: Thread, today: date) -> str:
    """Which heading the thread goes under, by its last activity in the site's time zone."""
    return group_key_of(thread.updated_at, today)


def group_key_of(moment: datetime, today: date) -> str:
    days = (today - timezone.localdate(moment)).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return "week" if days <= 7 else "older"


def is_today(moment: datetime) -> bool:
    return group_key_of(moment, timezone.localdate()) == "today"


def groups(threads: Iterable[Thread], *, after: str = "") -> list[dict]:
    """Consecutive threads under one heading each. A page that goes on the group the
    previous page ended with (`after`) leaves its heading out, so it is not repeated."""
    today = timezone.localdate()
    found: list[dict] = []
    for thread in threads:
        key = group_key(thread, today)
        if found and found[-1]["key"] == key:
            found[-1]["threads"].append(thread)
            continue
        label = "" if not found and key == after else GROUPS[key]
        found.append({"key": key, "label": label, "threads": [thread]})
    return found


def more_url(next_cursor: str | None, *, query: str, current_id: str | None, last: str) -> str:
    if not next_cursor:
        return ""
    params = {"cursor": next_cursor, "after": last}
    if query:
        params["q"] = query
    if current_id:
        params["current"] = current_id
    return reverse("chat:history") + "?" + urlencode(params)


def page_context(
    threads: Iterable[Thread],
    current_id: str | None,
    *,
    next_cursor: str | None = None,
    query: str = "",
    after: str = "",
) -> dict:
    """A page of the list: its groups and, if more follow, the URL that loads them."""
    found = groups(threads, after=after)
    last = found[-1]["key"] if found else after
    return {
        "groups": found,
        "current_id": current_id,
        "query": query,
        "more_url": more_url(next_cursor, query=query, current_id=current_id, last=last),
    }


def list_context(
    threads: Iterable[Thread],
    current_id: str | None,
    *,
    next_cursor: str | None = None,
    query: str = "",
    oob: bool = False,
) -> dict:
    """The whole list (#thread-list): the first page, or what a search found."""
    return {
        **page_context(threads, current_id, next_cursor=next_cursor, query=query),
        "oob": oob,
    }


def thread_item(thread: Thread, current_id: str | None, *, oob: bool = False) -> str:
    return render_to_string(
        FRAGMENTS + "thread_item.html", {"thread": thread, "current_id": current_id, "oob": oob}
    )
