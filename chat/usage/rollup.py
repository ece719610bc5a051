"""The dashboard's daily rows (UsageDay), rebuilt from the day's model calls, messages and
ratings: one GROUP BY per source over one day, on indexed timestamps.

Kept up to date on read: the dashboard rebuilds today (and any day in its range never
rebuilt after it ended) when its rows are older than CHAT_USAGE_ROLLUP_SECONDS, and
`manage.py rollup_usage` rebuilds a range (a backfill, or a nightly cron). A day rebuilt
after it ended is final, so a month's dashboard reads only daily rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from chat.models import Feedback, Message, ModelCall, UsageDay, UsageRollup


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _rows_for(day: date) -> list[UsageDay]:
    start, end = day_bounds(day)
    rows: dict[tuple[Any, str, str], dict[str, Any]] = defaultdict(dict)

    calls = (
        ModelCall.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("user_id", "chat_profile", "model")
        .annotate(
            n=Count("pk"),
            inp=Sum("input_tokens"),
            out=Sum("output_tokens"),
            cached=Sum("cached_tokens"),
            price=Sum("cost"),
            unpriced=Count("pk", filter=Q(cost__isnull=True) & ~Q(model="")),
            failed=Count("pk", filter=Q(is_error=True)),
        )
        .order_by()
    )
    for c in calls:
        rows[(c["user_id"], c["chat_profile"], c["model"] or "?")].update(
            calls=c["n"],
            input_tokens=c["inp"] or 0,
            output_tokens=c["out"] or 0,
            cached_tokens=c["cached"] or 0,
            cost=c["price"] or Decimal(0),
            unpriced_calls=c["unpriced"],
            errors=c["failed"],
        )

    messages = (
        Message.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("thread__owner_id", "thread__chat_profile")
        .annotate(
            asked=Count("pk", filter=Q(author_kind=Message.Author.USER)),
            threads=Count("thread_id", distinct=True, filter=Q(author_kind=Message.Author.USER)),
            failed=Count("pk", filter=Q(is_error=True)),
        )
        .order_by()
    )
    for m in messages:
        row = rows[(m["thread__owner_id"], m["thread__chat_profile"], "")]
        row.update(messages=m["asked"], conversations=m["threads"], errors=m["failed"])

    ratings = (
        Feedback.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("thread__owner_id", "thread__chat_profile")
        .annotate(good=Count("pk", filter=Q(value=1)), bad=Count("pk", filter=Q(value=-1)))
        .order_by()
    )
    for r in ratings:
        row = rows[(r["thread__owner_id"], r["thread__chat_profile"], "")]
        row.update(rated_good=r["good"], rated_bad=r["bad"])

    return [
        UsageDay(day=day, user_id=user_id, chat_profile=profile, model=model, **fields)
        for (user_id, profile, model), fields in rows.items()
    ]


def rebuild(day: date) -> int:
    """Rebuilds one day's rows; returns how many there are."""
    rows = _rows_for(day)
    with transaction.atomic():
        UsageDay.objects.filter(day=day).delete()
        UsageDay.objects.bulk_create(rows, batch_size=1000)
        UsageRollup.objects.update_or_create(day=day, defaults={"rolled_at": timezone.now()})
    return len(rows)


def stale_days(first: date, last: date) -> list[date]:
    """The days of the range whose rows are missing, not final, or (today) too old."""
    now = timezone.now()
    today = timezone.localdate()
    fresh_after = now - timedelta(seconds=settings.CHAT_USAGE_ROLLUP_SECONDS)
    rolled = dict(
        UsageRollup.objects.filter(day__gte=first, day__lte=min(last, today)).values_list(
            "day", "rolled_at"
        )
    )
    stale = []
    day = first
    while day <= min(last, today):
        at = rolled.get(day)
        final = at is not None and at >= day_bounds(day)[1]
        if at is None or (not final and at < fresh_after) or (day == today and at < fresh_after):
            stale.append(day)
        day += timedelta(days=1)
    return stale


def bring_up_to_date(first: date, last: date) -> None:
    for day in stale_days(first, last):
        rebuild(day)
